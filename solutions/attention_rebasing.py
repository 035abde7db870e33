"""Lesson 4: self-attention re-bases the values and mixes them.

Row convention: one token per row of X, weights multiply from the right.
Z = A (X W_v) = (A X) W_v: each output row is a convex combination of value
rows, so for a fixed pattern A the head is a change of basis.
"""
import numpy as np


def softmax(S, axis=-1):
    """exp(S) normalised to sum 1 along axis; shifting by the max keeps exp finite."""
    S = np.asarray(S, float)
    E = np.exp(S - np.max(S, axis=axis, keepdims=True))  # every entry in (0, 1]
    return E / np.sum(E, axis=axis, keepdims=True)  # same shape as S


def attention_pattern(X, W_q, W_k, causal=False):
    """A = softmax(Q K^T / sqrt(d_k)): row i says how much token i reads from each token."""
    X = np.asarray(X, float)  # (n, d_model)
    Q, K = X @ np.asarray(W_q, float), X @ np.asarray(W_k, float)  # (n, d_k) each
    S = Q @ K.T / np.sqrt(K.shape[1])  # (n, n)
    if causal:
        n = S.shape[0]
        S = np.where(np.triu(np.ones((n, n), bool), k=1), -np.inf, S)  # no looking ahead
    return softmax(S, axis=-1)  # (n, n), rows sum to 1


def attention_head(X, W_q, W_k, W_v, causal=False):
    """Z = A V with V = X W_v: mix the re-based value rows with the attention weights."""
    A = attention_pattern(X, W_q, W_k, causal)  # (n, n)
    return A @ (np.asarray(X, float) @ np.asarray(W_v, float))  # (n, d_v)


def input_basis_coordinates(Z, W_v):
    """The C with C W_v = Z: the head's output written in the input's basis (equals A X)."""
    Z, W_v = np.asarray(Z, float), np.asarray(W_v, float)  # (n, d), (d, d)
    return np.linalg.solve(W_v.T, Z.T).T  # Z W_v^-1, (n, d)


def ov_circuit(W_v, W_o):
    """W_v W_o: what a head writes back to the residual stream per unit of attention."""
    return np.asarray(W_v, float) @ np.asarray(W_o, float)  # (d_model, d_head) @ (d_head, d_model)


def multi_head_attention(X, W_q, W_k, W_v, W_o, causal=False):
    """Sum over heads of A_h X W_v[h] W_o[h]: each head re-bases and mixes, the outputs add."""
    X = np.asarray(X, float)  # (n, d_model)
    W_q, W_k, W_v, W_o = (np.asarray(W, float) for W in (W_q, W_k, W_v, W_o))  # (h, d_model, d_head) x3, (h, d_head, d_model)
    out = np.zeros_like(X)  # (n, d_model)
    for h in range(W_q.shape[0]):
        out += attention_head(X, W_q[h], W_k[h], W_v[h], causal) @ W_o[h]
    return out
