"""The trained two-layer transformer of lesson 7, and the data it was trained on.

Row convention of lessons 4-5: one token per row, weights on the right. The
model is an embedding, two pre-LN blocks and an unembedding:

    X_0 = W_E[tokens] + W_pos[:n]          (n, d_model): a token row plus a position row
    X_l = block(X_{l-1}, **blocks[l-1])    (n, d_model): the learner's transformer_block
    logits = X_L @ W_U                     (n, vocab): scores for the next token

There is no final LayerNorm. Nothing here computes attention, LayerNorm or a
block: ``run_model`` takes the block function as an argument, so the learner's
own ``transformer_block`` runs the model.
"""
import importlib.resources
import json

import numpy as np

from actspace.weights import random_block_weights

BLOCK_KEYS = ("W_q", "W_k", "W_v", "W_o", "W_in", "b_in", "W_out", "b_out")  # transformer_block's weights, in order


def repeated_tokens(rng, n_seq, vocab, half):
    """(n_seq, 2 half) integer tokens: `half` distinct random tokens, then the same `half` again.

    A token of the second half is predictable (it follows the previous token's
    earlier copy); the first half is not.
    """
    first = np.argsort(rng.random((n_seq, vocab)), axis=1)[:, :half]  # (n_seq, half): distinct per row
    return np.concatenate([first, first], axis=1)  # (n_seq, 2 half)


def init_params(rng, vocab, n_ctx, d_model, n_layers, n_heads, d_head, d_mlp):
    """Random weights of the architecture: entries N(0, 1 / fan_in), embeddings N(0, 1), biases 0.

    Every sublayer reads a normalised copy (entries of size 1), so each write
    starts about as large as an embedding entry.
    """
    blocks = [random_block_weights(rng, d_model, n_heads=n_heads, d_head=d_head, d_mlp=d_mlp)  # lesson 5's init
              for _ in range(n_layers)]
    return dict(W_E=rng.normal(size=(vocab, d_model)),  # (vocab, d): one row per token
                W_pos=rng.normal(size=(n_ctx, d_model)),  # (n_ctx, d): one row per position
                W_U=rng.normal(0.0, 1.0 / np.sqrt(d_model), size=(d_model, vocab)),  # (d, vocab)
                blocks=blocks)


def random_like(params, rng):
    """Fresh random weights (init_params) of the same shapes as `params`: the untrained model."""
    b = params["blocks"][0]
    h, d_model, d_head = b["W_q"].shape
    return init_params(rng, params["W_E"].shape[0], params["W_pos"].shape[0], d_model,
                       len(params["blocks"]), h, d_head, b["W_in"].shape[1])


def flatten(params):
    """{name: array} with names W_E, W_pos, W_U and block0.W_q, ..., as stored in the .npz."""
    flat = {k: params[k] for k in ("W_E", "W_pos", "W_U")}
    for l, block in enumerate(params["blocks"]):
        flat.update({f"block{l}.{k}": block[k] for k in BLOCK_KEYS})
    return flat


def unflatten(flat):
    """The inverse of flatten: blocks become a list of keyword dicts for transformer_block (float64)."""
    n_layers = len({k.split(".")[0] for k in flat if k.startswith("block")})
    params = {k: np.asarray(flat[k], float) for k in ("W_E", "W_pos", "W_U")}
    params["blocks"] = [{k: np.asarray(flat[f"block{l}.{k}"], float) for k in BLOCK_KEYS} for l in range(n_layers)]
    return params


def load(name="induction"):
    """(params, info): the shipped weights (as float64) and their record (seed, hyper-parameters, metrics)."""
    data = importlib.resources.files("actspace") / "data"
    with (data / f"{name}.npz").open("rb") as f:
        with np.load(f) as npz:
            flat = {k: npz[k] for k in npz.files}
    return unflatten(flat), json.loads((data / f"{name}.json").read_text())


def embed(tokens, params):
    """(n, d_model): row i is the token's embedding plus position i's embedding."""
    tokens = np.asarray(tokens)  # (n,) integers
    return params["W_E"][tokens] + params["W_pos"][: tokens.shape[-1]]  # (n, d)


def unembed(X, params):
    """(n, vocab): the logits, the stream read off against each token's unembedding column."""
    return np.asarray(X, float) @ params["W_U"]  # (n, d) @ (d, vocab)


def residual_streams(tokens, params, block_fn):
    """[X_0, X_1, ..., X_L]: the residual stream of one sequence before and after each block.

    `block_fn` is called as block_fn(X, W_q, ..., b_out, causal=True), like
    lesson 5's transformer_block.
    """
    X = embed(tokens, params)  # (n, d)
    streams = [X]
    for block in params["blocks"]:
        X = np.asarray(block_fn(X, *(block[k] for k in BLOCK_KEYS), causal=True), float)  # (n, d)
        streams.append(X)
    return streams


def run_model(tokens, params, block_fn):
    """(n, vocab) logits for one sequence of tokens (n,), with `block_fn` as the transformer block."""
    return unembed(residual_streams(tokens, params, block_fn)[-1], params)
