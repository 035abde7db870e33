"""The given building blocks of lessons 5 and 6: what earlier lessons had you write, ready to use.

Plain NumPy, in the transformer row convention of lesson 4 (one token per row
of X, weights on the right). Every head is computed at once with einsum:
``h`` indexes heads, ``n``/``m`` tokens, ``d`` the model, ``e`` a head.
"""
import numpy as np


def relu(x):
    """Elementwise max(x, 0): keep the first orthant, clamp the rest onto its faces."""
    return np.maximum(np.asarray(x, float), 0.0)  # same shape as x


def softmax(S, axis=-1):
    """exp(S) normalised to sum 1 along axis; shifting by the max keeps exp finite."""
    S = np.asarray(S, float)
    E = np.exp(S - S.max(axis=axis, keepdims=True))  # every entry in (0, 1]
    return E / E.sum(axis=axis, keepdims=True)  # same shape as S


def attention_patterns(X, W_q, W_k, causal=False):
    """Every head's pattern A_h = softmax(Q_h K_h^T / sqrt(d_head)): row i reads from the tokens j."""
    X = np.asarray(X, float)  # (n, d)
    Q = np.einsum("nd,hde->hne", X, np.asarray(W_q, float))  # (h, n, e)
    K = np.einsum("nd,hde->hne", X, np.asarray(W_k, float))  # (h, n, e)
    S = np.einsum("hne,hme->hnm", Q, K) / np.sqrt(K.shape[-1])  # (h, n, n)
    if causal:
        n = X.shape[0]
        S = np.where(np.triu(np.ones((n, n), bool), k=1), -np.inf, S)  # token i never reads j > i
    return softmax(S, axis=-1)  # (h, n, n), rows sum to 1


def multi_head_attention(X, W_q, W_k, W_v, W_o, causal=False):
    """Sum over heads of A_h X W_v[h] W_o[h]: each head re-bases the values, mixes them, writes back."""
    X = np.asarray(X, float)  # (n, d)
    A = attention_patterns(X, W_q, W_k, causal)  # (h, n, n)
    V = np.einsum("nd,hde->hne", X, np.asarray(W_v, float))  # (h, n, e): the re-based values
    Z = np.einsum("hnm,hme->hne", A, V)  # (h, n, e): each row a convex mix of value rows
    return np.einsum("hne,hed->nd", Z, np.asarray(W_o, float))  # (n, d), heads added up


def random_block_weights(rng, d_model, n_heads=2, d_head=4, d_mlp=None, scale=1.0):
    """Random weights of one transformer block, as keywords of transformer_block.

    Each matrix has entries N(0, scale^2 / fan_in), so a unit-size input gives
    a unit-size output; biases start at zero. ``d_mlp`` defaults to 4 d_model.
    """
    d_mlp = 4 * d_model if d_mlp is None else d_mlp

    def normal(*shape, fan_in):
        return rng.normal(0.0, scale / np.sqrt(fan_in), size=shape)

    return dict(
        W_q=normal(n_heads, d_model, d_head, fan_in=d_model),  # (h, d, e)
        W_k=normal(n_heads, d_model, d_head, fan_in=d_model),  # (h, d, e)
        W_v=normal(n_heads, d_model, d_head, fan_in=d_model),  # (h, d, e)
        W_o=normal(n_heads, d_head, d_model, fan_in=n_heads * d_head),  # (h, e, d)
        W_in=normal(d_model, d_mlp, fan_in=d_model),  # (d, d_mlp)
        b_in=np.zeros(d_mlp),  # (d_mlp,)
        W_out=normal(d_mlp, d_model, fan_in=d_mlp),  # (d_mlp, d)
        b_out=np.zeros(d_model),  # (d,)
    )
