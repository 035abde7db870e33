"""Lesson 5: LayerNorm and the pre-LN transformer block.

LayerNorm projects out the all-ones direction and rescales onto the sphere of
radius sqrt(d); the block adds attention's and the MLP's outputs to the
residual stream, which becomes a sum of more and more directions.
"""
import numpy as np

from solutions.attention_rebasing import multi_head_attention


def center_projector(d):
    """I - 11^T / d: the orthogonal projection onto the plane of mean-zero vectors."""
    return np.eye(d) - np.ones((d, d)) / d  # (d, d)


def layer_norm(X, eps=1e-5):
    """Per row: centre (project out the ones direction), then scale to norm ~ sqrt(d)."""
    X = np.asarray(X, float)  # (d,) or (n, d)
    mu = X.mean(axis=-1, keepdims=True)
    var = X.var(axis=-1, keepdims=True)  # the biased (1/d) variance
    return (X - mu) / np.sqrt(var + eps)  # same shape as X


def transformer_block(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True):
    """Pre-LN block: each sublayer reads a normalised copy and adds its output to the stream."""
    X = np.asarray(X, float)  # (n, d_model)
    H = X + multi_head_attention(layer_norm(X), W_q, W_k, W_v, W_o, causal)  # (n, d_model)
    M = np.maximum(layer_norm(H) @ np.asarray(W_in, float) + np.asarray(b_in, float), 0.0)  # (n, d_mlp)
    return H + M @ np.asarray(W_out, float) + np.asarray(b_out, float)  # (n, d_model)
