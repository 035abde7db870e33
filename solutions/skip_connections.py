"""Lesson 3: a skip connection adds the first orthants of several bases.

y = x + W2 relu(W1 x + b1) is a combination of the standard basis (weights x)
and the columns of W2 (non-negative weights), and keeps the input's geometry.
"""
import numpy as np


def residual_block(X, W, b):
    """x + relu(W x + b) for a point (d,) or a batch (n, d); W is (d, d)."""
    X, W, b = np.asarray(X, float), np.asarray(W, float), np.asarray(b, float)
    return X + np.maximum(X @ W.T + b, 0.0)  # same shape as X


def residual_decomposition(x, W1, b1, W2):
    """y = [I, W2] @ [x, relu(W1 x + b1)]: the skip's basis and the branch's basis, side by side."""
    x, W1, b1, W2 = (np.asarray(a, float) for a in (x, W1, b1, W2))  # (d,), (h, d), (h,), (d, h)
    basis = np.hstack([np.eye(x.shape[0]), W2])  # (d, d + h)
    coeffs = np.concatenate([x, np.maximum(W1 @ x + b1, 0.0)])  # (d + h,), the last h are >= 0
    return basis, coeffs


def residual_jacobian(x, W, b):
    """d/dx of x + relu(W x + b): I + D W, D = diag(W x + b > 0) switches rows of W on or off."""
    x, W, b = np.asarray(x, float), np.asarray(W, float), np.asarray(b, float)  # (d,), (d, d), (d,)
    on = (W @ x + b > 0).astype(float)  # (d,)
    return np.eye(x.shape[0]) + on[:, None] * W  # (d, d)


def invert_residual(y, W, b, n_steps=200):
    """Solve x + relu(W x + b) = y by iterating x <- y - relu(W x + b); a contraction when ||W|| < 1."""
    y, W, b = np.asarray(y, float), np.asarray(W, float), np.asarray(b, float)  # (d,), (d, d), (d,)
    x = y.copy()
    for _ in range(n_steps):
        x = y - np.maximum(W @ x + b, 0.0)
    return x  # (d,)
