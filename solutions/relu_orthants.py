"""Lesson 2: ReLU keeps the first orthant of the current basis.

Points with every coordinate >= 0 pass unchanged; every other point is clamped
onto a face of that orthant (its negative coordinates set to 0).
"""
import numpy as np


def relu(x):
    """Elementwise max(x, 0): project onto the closed first orthant."""
    return np.maximum(np.asarray(x, float), 0.0)  # same shape as x


def orthant_code(X):
    """Which orthant each row lies in: bit i (value 2**i) set iff X[:, i] > 0."""
    X = np.asarray(X, float)  # (n, d)
    bits = 2 ** np.arange(X.shape[1])  # (d,)
    return (X > 0).astype(np.int64) @ bits  # (n,)


def kept_mask(W, b, X):
    """Rows whose pre-activation X W^T + b is already in the first orthant (ReLU is the identity there)."""
    Z = np.asarray(X, float) @ np.asarray(W, float).T + np.asarray(b, float)  # (n, d_out)
    return np.all(Z >= 0, axis=1)  # (n,)


def relu_in_basis(B, X):
    """ReLU applied in basis B: take coordinates, clamp them, map back: B relu(B^-1 x)."""
    B, X = np.asarray(B, float), np.asarray(X, float)  # (d, d), (n, d)
    C = np.linalg.solve(B, X.T).T  # coordinates in B, one row per point
    return relu(C) @ B.T  # clamp the coordinates, then back to points


def kept_cone(W):
    """Generators of the input cone {x : W x >= 0}: the columns of W^-1 (W x = e_i)."""
    return np.linalg.inv(np.asarray(W, float))  # (d, d), one generator per column


def count_activation_patterns(W, b, X):
    """How many distinct on/off patterns (linear regions) the rows of X fall into."""
    on = np.asarray(X, float) @ np.asarray(W, float).T + np.asarray(b, float) > 0  # (n, d_out)
    return int(len(np.unique(on, axis=0)))
