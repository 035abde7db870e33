"""Lesson 1: multiplying by a matrix is a change of basis.

A basis of R^d is a (d, d) matrix B whose columns are the basis vectors; the
point x has coordinates c in B when x = B @ c. Batches hold one point per row.
"""
import numpy as np


def to_basis(B, x):
    """Coordinates of x in basis B: solve B c = x (never multiply by B)."""
    B, x = np.asarray(B, float), np.asarray(x, float)  # (d, d), (d,) or (n, d)
    return np.linalg.solve(B, x.T).T  # same shape as x


def from_basis(B, c):
    """The point(s) with coordinates c in basis B: x = B c, a sum of B's columns."""
    B, c = np.asarray(B, float), np.asarray(c, float)  # (d, d), (d,) or (n, d)
    return c @ B.T  # row form of B @ c, same shape as c


def change_coordinates(B_old, B_new, c):
    """Coordinates in B_new of the point whose coordinates in B_old are c."""
    x = from_basis(B_old, c)  # decode: the point itself, (d,) or (n, d)
    return to_basis(B_new, x)  # encode it in the new basis


def map_in_basis(A, B):
    """The matrix of x -> A x in B-coordinates: decode with B, map, encode with B^-1."""
    A, B = np.asarray(A, float), np.asarray(B, float)  # (d, d), (d, d)
    return np.linalg.solve(B, A @ B)  # B^-1 A B, (d, d)


def compose(Ws):
    """One matrix for the layers Ws applied in order: Ws[-1] @ ... @ Ws[0]."""
    Ws = [np.asarray(W, float) for W in Ws]  # Ws[i]: (d_{i+1}, d_i)
    M = Ws[0]
    for W in Ws[1:]:
        M = W @ M  # a later layer acts on the result of the earlier ones
    return M  # (d_L, d_0)


def null_space(W):
    """An orthonormal basis of {x : W x = 0}: the directions the layer collapses."""
    W = np.asarray(W)
    W = W.astype(np.result_type(W.dtype, np.float32))  # float32 stays float32: its rank tolerance differs
    d_in = W.shape[1]
    _, s, Vt = np.linalg.svd(W)  # s: (min(d_out, d_in),), Vt: (d_in, d_in)
    tol = 1e3 * max(W.shape) * np.finfo(W.dtype).eps * (s[0] if s.size else 0.0)  # round-off, not rank
    rank = int(np.sum(s > tol))
    return Vt[rank:].T.reshape(d_in, d_in - rank)  # (d_in, k)
