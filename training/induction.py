"""Train lesson 7's two-layer transformer on induction, in plain NumPy with hand-written backprop.

The task: sequences of `half` distinct random tokens followed by the same
tokens again (actspace.induction.repeated_tokens); the model predicts every
next token. `half` changes from batch to batch, so the earlier copy is not at
a fixed distance: the model has to find it by its content. The first half is
unpredictable; in the second half the next token is the one that followed
the current token's earlier copy, which a previous-token head (layer 0) and
an induction head (layer 1) can look up.

The model is exactly actspace.induction's (row convention, pre-LN blocks,
LayerNorm without gain or bias, causal attention, no final LayerNorm):

    X_0 = W_E[t] + W_pos,   H = X + MHA(LN(X)),   Y = H + relu(LN(H) W_in + b_in) W_out + b_out,
    logits = X_L W_U,       loss = mean cross-entropy of the next token.

Batched arrays are (B, n, d): B sequences of n tokens. Everything is float64;
the shipped weights are float32. Adam, deterministic from the rng passed in.

    python -m training.induction --out actspace/data/
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

from actspace import induction

EPS = 1e-5
# `half` is the length the metrics use; training draws it per batch from half_range, so that the
# distance back to the earlier copy changes and position alone cannot find it.
CONFIG = dict(vocab=20, half=10, half_range=[4, 12], n_ctx=24, d_model=64, n_layers=2, n_heads=2, d_head=16, d_mlp=128)


# ---------------------------------------------------------------- forward pieces, with what backward needs

def ln_forward(X):
    """Per row (x - mean) / sqrt(var + eps), and the cache (normalised rows, 1 / std)."""
    Xc = X - X.mean(axis=-1, keepdims=True)  # (..., d)
    r = 1.0 / np.sqrt(np.mean(Xc ** 2, axis=-1, keepdims=True) + EPS)  # (..., 1)
    N = Xc * r
    return N, (N, r)


def ln_backward(dN, cache):
    """Gradient through LayerNorm: dX = r (dN - mean(dN) - N mean(dN N))."""
    N, r = cache
    return r * (dN - dN.mean(axis=-1, keepdims=True) - N * np.mean(dN * N, axis=-1, keepdims=True))


def _rows(X):
    """(B, n, k) -> (B n, k): every token of the batch as one row."""
    return X.reshape(-1, X.shape[-1])


def _heads(Z):
    """(B, h, n, e) -> (h, B n, e): per head, every token of the batch as one row."""
    return Z.transpose(1, 0, 2, 3).reshape(Z.shape[1], -1, Z.shape[-1])


def softmax(S):
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def attn_forward(N, W_q, W_k, W_v, W_o):
    """Causal multi-head attention of the normalised stream N (B, n, d); returns (B, n, d) and a cache."""
    Q = N[:, None] @ W_q[None]  # (B, h, n, e)
    K = N[:, None] @ W_k[None]  # (B, h, n, e)
    V = N[:, None] @ W_v[None]  # (B, h, n, e)
    n, e = N.shape[1], W_q.shape[-1]
    S = Q @ K.transpose(0, 1, 3, 2) / np.sqrt(e)  # (B, h, n, n)
    S = np.where(np.triu(np.ones((n, n), bool), k=1), -np.inf, S)  # no looking ahead
    A = softmax(S)  # (B, h, n, n)
    Z = A @ V  # (B, h, n, e)
    out = (Z @ W_o[None]).sum(axis=1)  # (B, n, d): heads add up
    return out, (N, Q, K, V, A, Z)


def attn_backward(dout, cache, W_q, W_k, W_v, W_o):
    """Gradients of the attention's weights and of its input N, from dout (B, n, d)."""
    N, Q, K, V, A, Z = cache
    e = W_q.shape[-1]
    g = {"W_o": _heads(Z).transpose(0, 2, 1) @ _rows(dout)}  # (h, e, d)
    dZ = dout[:, None] @ W_o.transpose(0, 2, 1)[None]  # (B, h, n, e)
    dA = dZ @ V.transpose(0, 1, 3, 2)  # (B, h, n, n)
    dV = A.transpose(0, 1, 3, 2) @ dZ  # (B, h, n, e)
    dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True)) / np.sqrt(e)  # softmax backward; 0 where masked
    dQ = dS @ K  # (B, h, n, e)
    dK = dS.transpose(0, 1, 3, 2) @ Q  # (B, h, n, e)
    dN = np.zeros_like(N)
    for name, dP, W in (("W_q", dQ, W_q), ("W_k", dK, W_k), ("W_v", dV, W_v)):
        g[name] = _rows(N).T @ _heads(dP)  # (h, d, e)
        dN += (dP @ W.transpose(0, 2, 1)[None]).sum(axis=1)  # (B, n, d)
    return g, dN


def block_forward(X, p):
    """One pre-LN block on (B, n, d); returns Y and the cache for block_backward."""
    N1, ln1 = ln_forward(X)
    a, attn = attn_forward(N1, p["W_q"], p["W_k"], p["W_v"], p["W_o"])
    H = X + a  # (B, n, d)
    N2, ln2 = ln_forward(H)
    P = N2 @ p["W_in"] + p["b_in"]  # (B, n, d_mlp)
    M = np.maximum(P, 0.0)
    Y = H + M @ p["W_out"] + p["b_out"]  # (B, n, d)
    return Y, (ln1, attn, ln2, N2, P, M)


def block_backward(dY, cache, p):
    """Gradients of one block's weights and of its input X, from dY (B, n, d)."""
    ln1, attn, ln2, N2, P, M = cache
    g = {"W_out": _rows(M).T @ _rows(dY), "b_out": dY.sum(axis=(0, 1))}
    dP = (dY @ p["W_out"].T) * (P > 0)  # (B, n, d_mlp): ReLU passes the gradient where it was on
    g["W_in"] = _rows(N2).T @ _rows(dP)
    g["b_in"] = dP.sum(axis=(0, 1))
    dH = dY + ln_backward(dP @ p["W_in"].T, ln2)  # the skip carries dY straight through
    ga, dN1 = attn_backward(dH, attn, p["W_q"], p["W_k"], p["W_v"], p["W_o"])
    g.update(ga)
    return g, dH + ln_backward(dN1, ln1)


# ---------------------------------------------------------------- the whole model

def forward(params, tokens):
    """(B, n, vocab) logits of the batch `tokens` (B, n), and the cache for backward."""
    tokens = np.asarray(tokens)
    X = params["W_E"][tokens] + params["W_pos"][: tokens.shape[1]]  # (B, n, d)
    caches = []
    for p in params["blocks"]:
        X, c = block_forward(X, p)
        caches.append(c)
    return X @ params["W_U"], (tokens, X, caches)


def cross_entropy(logits, tokens):
    """Per-position loss of predicting tokens[:, i + 1] from position i: (B, n - 1), and the probabilities."""
    z = logits[:, :-1]  # (B, n - 1, vocab)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    target = np.asarray(tokens)[:, 1:]  # (B, n - 1)
    return -np.take_along_axis(logp, target[..., None], axis=-1)[..., 0], np.exp(logp)


def loss_and_grads(params, tokens):
    """Mean next-token cross-entropy over every position, and its gradient for every parameter."""
    logits, (tokens, XL, caches) = forward(params, tokens)
    losses, prob = cross_entropy(logits, tokens)
    B, n = tokens.shape
    dlogits = np.zeros_like(logits)  # the last position predicts nothing
    dlogits[:, :-1] = prob
    np.put_along_axis(dlogits[:, :-1], tokens[:, 1:, None], np.take_along_axis(prob, tokens[:, 1:, None], -1) - 1.0, -1)
    dlogits /= B * (n - 1)
    g = {"W_U": _rows(XL).T @ _rows(dlogits)}
    dX = dlogits @ params["W_U"].T  # (B, n, d)
    g_blocks = [None] * len(params["blocks"])
    for l in range(len(params["blocks"]) - 1, -1, -1):
        g_blocks[l], dX = block_backward(dX, caches[l], params["blocks"][l])
    g["blocks"] = g_blocks
    g["W_E"] = np.zeros_like(params["W_E"])
    np.add.at(g["W_E"], tokens, dX)  # each token's row collects the gradient of every place it sits
    g["W_pos"] = np.zeros_like(params["W_pos"])
    g["W_pos"][:n] = dX.sum(axis=0)
    return float(losses.mean()), g


# ---------------------------------------------------------------- metrics and training

def metrics(params, tokens, half):
    """Loss and accuracy on the first half (targets 1..half-1) and the repeated half (targets half+1..n-1).

    The target at position `half` (the first repeated token) is in neither: it
    is predictable from its position alone, not by looking anything up.
    """
    logits, _ = forward(params, tokens)
    losses, prob = cross_entropy(logits, tokens)  # (B, n - 1): column i scores target i + 1
    right = prob.argmax(axis=-1) == np.asarray(tokens)[:, 1:]
    first, repeat = slice(0, half - 1), slice(half, None)
    return dict(loss_first_half=float(losses[:, first].mean()), loss_repeated_half=float(losses[:, repeat].mean()),
                accuracy_first_half=float(right[:, first].mean()), accuracy_repeated_half=float(right[:, repeat].mean()))


def _leaves(params):
    """Every parameter array, in a fixed order (embeddings, unembedding, then each block's)."""
    return [params["W_E"], params["W_pos"], params["W_U"]] + \
        [b[k] for b in params["blocks"] for k in induction.BLOCK_KEYS]


def train(rng, steps=3000, batch=64, lr=3e-3, config=CONFIG, log_every=250, log=print):
    """Adam on fresh batches; `rng` draws the initial weights and every batch. Returns (params, loss curve)."""
    c = dict(config)
    params = induction.init_params(rng, c["vocab"], c["n_ctx"], c["d_model"], c["n_layers"],
                                   c["n_heads"], c["d_head"], c["d_mlp"])
    lo, hi = c["half_range"]
    leaves = _leaves(params)
    m, v = [np.zeros_like(p) for p in leaves], [np.zeros_like(p) for p in leaves]
    beta1, beta2 = 0.9, 0.99
    curve = np.empty(steps)
    for t in range(1, steps + 1):
        half = int(rng.integers(lo, hi + 1))
        tokens = induction.repeated_tokens(rng, batch, c["vocab"], half)  # (batch, 2 half)
        curve[t - 1], g = loss_and_grads(params, tokens)
        rate = lr * min(1.0, t / 100)  # a short warm-up
        for p, gp, mp, vp in zip(leaves, _leaves(g), m, v):
            mp *= beta1
            mp += (1 - beta1) * gp
            vp *= beta2
            vp += (1 - beta2) * gp * gp
            p -= rate * (mp / (1 - beta1 ** t)) / (np.sqrt(vp / (1 - beta2 ** t)) + 1e-8)
        if log and log_every and t % log_every == 0:
            log(f"step {t:5d}  loss {curve[max(0, t - log_every):t].mean():.3f}")
    return params, curve


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="actspace/data/", help="folder for induction.npz and induction.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    args = ap.parse_args(argv)
    start = time.perf_counter()
    params, curve = train(np.random.default_rng(args.seed), args.steps, args.batch, args.lr)
    seconds = time.perf_counter() - start
    held_out = induction.repeated_tokens(np.random.default_rng(args.seed + 1000), 1000, CONFIG["vocab"], CONFIG["half"])
    stored = {k: a.astype(np.float32) for k, a in induction.flatten(params).items()}
    result = metrics(induction.unflatten(stored), held_out, CONFIG["half"])  # measured on the float32 weights shipped
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "induction.npz", **stored)
    record = dict(seed=args.seed, config=CONFIG, steps=args.steps, batch=args.batch, lr=args.lr,
                  optimizer="Adam (beta1 0.9, beta2 0.99, eps 1e-8), linear warm-up over 100 steps",
                  final_layer_norm=False, training_seconds=round(seconds, 1),
                  loss_curve_every_100_steps=[round(float(x), 4) for x in curve.reshape(-1, 100).mean(axis=1)]
                  if args.steps % 100 == 0 else [],
                  held_out=dict(seed=args.seed + 1000, sequences=1000, **{k: round(x, 4) for k, x in result.items()}))
    (out / "induction.json").write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record["held_out"], indent=1), f"\ntrained in {seconds:.0f} s")


if __name__ == "__main__":
    main()
