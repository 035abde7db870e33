"""The grader is right on real code (issue #14).

For every exercise: ports of real public implementations (the project and the
file are cited; only the argument order and conventions are adapted to the
contract, the style is kept: float32 computation as in torch, einsum,
masked_fill with -inf, ...), right variants in other forms (loops, einsum,
float32 computations handed back as float64 or as lists, other return types
the contract allows), and plausible wrong variants. Every right variant scores
1.0; every wrong one scores below 1, and where it is a misconception of the
bank, that misconception is named (and no other misleading one).

Plus the regression tests of the families of the issue: the tolerance does not
come from the returned dtype, return types the contract allows are accepted,
a first heavy import inside the function is not timed out, and feedback does
not mislead.
"""
import functools
import math
import re
import sys
import textwrap
import time
import types

import numpy as np
import pytest
import scipy.linalg
import scipy.special

import grader
from lesson_files import CURRICULUM
from grader.checking import runner, tolerances as tol

F32 = np.float32
RIGHT, WRONG = [], []


def right(name, label):
    def register(fn):
        RIGHT.append(pytest.param(name, fn, id=f"{name}: {label}"))
        return fn
    return register


def wrong(name, label, named=None):
    """`named`: the title of the misconception the feedback must name (None: any or none, but not a misleading one)."""
    def register(fn):
        WRONG.append(pytest.param(name, fn, named, id=f"{name}: {label}"))
        return fn
    return register


def f32(*xs):
    return [np.asarray(x, F32) for x in xs]


def double(x):
    """torch's `.double()` / NumPy's astype(float) on a float32 result."""
    return np.asarray(x).astype(np.float64)


def tolist(x):
    return np.asarray(x).tolist()


def _bank(name):
    return {m.title: m.fn for m in grader.exercise(name).misconceptions}


def bank_variants(name, *titles):
    """Register each named misconception of the bank as a wrong variant that the feedback must name."""
    for title in titles:
        wrong(name, title, named=title)(misconception(name, title))


def misconception(name, title):
    """A wrong variant that is exactly a bank misconception (the bank's own code, re-wrapped so it is not the bank object)."""
    fn = _bank(name)[title]
    return lambda *a, **k: fn(*a, **k)


# ====================================================================== lesson 1

@right("to_basis", "port: scipy.linalg.solve (scipy/linalg/_basic.py solve), row form")
def _(B, x):
    return scipy.linalg.solve(B, np.asarray(x).T).T


@right("to_basis", "inverse, float32, returned as float64")
def _(B, x):
    B, x = f32(B, x)
    return double(x @ np.linalg.inv(B).T)


@right("to_basis", "a loop over points with solve, as a list")
def _(B, x):
    x = np.asarray(x)
    if x.ndim == 1:
        return np.linalg.solve(B, x).tolist()
    return [np.linalg.solve(B, row).tolist() for row in x]


@right("to_basis", "einsum with the inverse")
def _(B, x):
    return np.einsum("ij,...j->...i", np.linalg.inv(B), x)


@right("to_basis", "least squares in float32, .tolist()")
def _(B, x):
    B, x = f32(B, x)
    c = np.linalg.lstsq(B, x.T, rcond=None)[0].T
    return c.tolist()


bank_variants("to_basis", "multiplying by B instead of solving B c = x", "using B transposed instead of B inverse",
           "the batch multiplied on the wrong side")


@wrong("to_basis", "inv(B).T on a single point, right on batches", named="inv(B).T applied to a single point")
def _(B, x):
    Binv = np.linalg.inv(B)
    x = np.asarray(x)
    return Binv.T @ x if x.ndim == 1 else x @ Binv.T


@wrong("to_basis", "solved in float16")
def _(B, x):
    B, x = (np.asarray(a, np.float16) for a in (B, x))
    return np.linalg.solve(B.astype(F32), x.astype(F32).T).T.astype(np.float16).astype(float)


@right("from_basis", "port: d2l-style einsum (B @ c for each point)")
def _(B, c):
    return np.einsum("ij,...j->...i", np.asarray(B, F32), np.asarray(c, F32)).astype(np.float64)


@right("from_basis", "row form c @ B.T as a list")
def _(B, c):
    return (np.asarray(c) @ np.asarray(B).T).tolist()


@right("from_basis", "a loop: a weighted sum of B's columns")
def _(B, c):
    B, c = np.asarray(B), np.asarray(c)
    rows = c[None] if c.ndim == 1 else c
    out = np.zeros(rows.shape)
    for n, row in enumerate(rows):
        for j, w in enumerate(row):
            out[n] += w * B[:, j]
    return out[0] if c.ndim == 1 else out


@right("from_basis", "column form (B @ C.T).T")
def _(B, c):
    return (np.asarray(B) @ np.asarray(c).T).T


bank_variants("from_basis", "solving instead of multiplying", "using the rows of B as the basis vectors")


@right("change_coordinates", "port: scipy.linalg.solve (scipy/linalg/_basic.py), decode then encode")
def _(B_old, B_new, c):
    x = np.asarray(c) @ np.asarray(B_old).T
    return scipy.linalg.solve(B_new, x.T).T


@right("change_coordinates", "one matrix inv(B_new) @ B_old in float32, float64 out")
def _(B_old, B_new, c):
    B_old, B_new, c = f32(B_old, B_new, c)
    M = np.linalg.inv(B_new) @ B_old
    return double(c @ M.T)


@right("change_coordinates", "solve with B_new, as a list")
def _(B_old, B_new, c):
    return np.linalg.solve(B_new, np.asarray(B_old) @ np.asarray(c).T).T.tolist()


@right("change_coordinates", "einsum")
def _(B_old, B_new, c):
    return np.einsum("ij,jk,...k->...i", np.linalg.inv(B_new), B_old, c)


bank_variants("change_coordinates", "the two bases swapped", "stopping at the standard basis", "multiplying by B_new instead of solving")


@right("map_in_basis", "port: np.matrix algebra B.I * A * B (numpy/matrixlib/defmatrix.py matrix.I)")
def _(A, B):
    A, B = np.matrix(A), np.matrix(B)
    return B.I * A * B


@right("map_in_basis", "scipy.linalg.solve(B, A @ B) in float32, float64 out")
def _(A, B):
    A, B = f32(A, B)
    return double(scipy.linalg.solve(B, A @ B))


@right("map_in_basis", "inv(B) @ A @ B as a list")
def _(A, B):
    return (np.linalg.inv(B) @ A @ B).tolist()


@right("map_in_basis", "einsum")
def _(A, B):
    return np.einsum("ij,jk,kl->il", np.linalg.inv(B), A, B)


bank_variants("map_in_basis", "B A B^-1 instead of B^-1 A B", "B^T instead of B^-1", "only composing A and B")


@right("compose", "port: functools.reduce over np.matmul (as in numpy-ml's sequential layers)")
def _(Ws):
    return functools.reduce(lambda M, W: np.asarray(W) @ M, Ws[1:], np.asarray(Ws[0]))


@right("compose", "np.linalg.multi_dot of the reversed list")
def _(Ws):
    Ws = [np.asarray(W) for W in Ws]
    return Ws[0].copy() if len(Ws) == 1 else np.linalg.multi_dot(Ws[::-1])


@right("compose", "float32 loop returned as a list")
def _(Ws):
    M = np.asarray(Ws[0], F32)
    for W in Ws[1:]:
        M = np.asarray(W, F32) @ M
    return M.tolist()


@right("compose", "triple loop over entries")
def _(Ws):
    M = [list(map(float, row)) for row in np.asarray(Ws[0])]
    for W in Ws[1:]:
        W = np.asarray(W)
        M = [[sum(W[i, k] * M[k][j] for k in range(len(M))) for j in range(len(M[0]))] for i in range(W.shape[0])]
    return M


bank_variants("compose", "multiplying in the order applied", "adding the layers", "multiplying entrywise")


@right("null_space", "port: scipy.linalg.null_space (scipy/linalg/_decomp_svd.py)")
def _(W):
    return scipy.linalg.null_space(W)


@right("null_space", "SVD with np.linalg.matrix_rank's default tolerance")
def _(W):
    W = np.asarray(W)
    rank = np.linalg.matrix_rank(W) if W.any() else 0
    return np.linalg.svd(W)[2][rank:].T


@right("null_space", "the reference's rule in float32, returned as float64")
def _(W):
    W = np.asarray(W, F32)
    _, s, Vt = np.linalg.svd(W)
    cut = 1e3 * max(W.shape) * np.finfo(F32).eps * (s[0] if s.size else 0.0)
    rank = int(np.sum(s > cut))
    return double(Vt[rank:].T.reshape(W.shape[1], W.shape[1] - rank))


@right("null_space", "eigenvectors of W^T W with a relative cut, as a list")
def _(W):
    W = np.asarray(W, float)
    s = np.linalg.svd(W, compute_uv=False)
    lam, V = np.linalg.eigh(W.T @ W)  # ascending
    cut = max(W.shape) * 1e3 * np.finfo(float).eps * (s[0] if s.size else 0.0)
    rank = int(np.sum(s > cut))
    return V[:, : W.shape[1] - rank].tolist()


bank_variants("null_space", "the null space of W^T (the left null space)", "basis vectors that are not unit length",
           "always returning one vector", "a rank cut-off far above round-off")


@wrong("null_space", "a cut-off of 1e-3 * s_max in float32", named="a rank cut-off far above round-off")
def _(W):
    W = np.asarray(W, F32)
    _, s, Vt = np.linalg.svd(W)
    rank = int(np.sum(s > 1e-3 * (s[0] if s.size else 0.0)))
    return double(Vt[rank:].T.reshape(W.shape[1], W.shape[1] - rank))


# ====================================================================== lesson 2

@right("relu", "port: CS231n assignment2 layers.py relu_forward, np.maximum(0, x)")
def _(x):
    return np.maximum(0, x)


@right("relu", "port: numpy-ml activations.py ReLU.fn, np.clip(z, 0, np.inf)")
def _(x):
    return np.clip(x, 0, np.inf)


@right("relu", "x * (x > 0) in float32, as a list")
def _(x):
    x = np.asarray(x, F32)
    return (x * (x > 0)).tolist()


@right("relu", "np.where, returned as np.matrix-free float128")
def _(x):
    return np.where(np.asarray(x) > 0, x, 0).astype(np.longdouble)


@right("relu", "zeroing the negatives of a copy in place")
def _(x):
    y = np.array(x, dtype=float, copy=True)
    y[y < 0] = 0
    return y


bank_variants("relu", "np.max(x, 0) instead of np.maximum(x, 0)", "returning the on/off pattern instead of the values",
           "keeping the negative part", "flipping negative entries instead of zeroing them")


@wrong("relu", "leaky ReLU (slope 0.01)")
def _(x):
    x = np.asarray(x)
    return np.where(x > 0, x, 0.01 * x)


@right("orthant_code", "port: np.packbits(..., bitorder='little') (numpy/_core: packbits) read as integers")
def _(X):
    on = np.asarray(X) > 0
    packed = np.packbits(on, axis=1, bitorder="little").astype(np.int64)  # (n, ceil(d / 8))
    return packed @ (256 ** np.arange(packed.shape[1]))


@right("orthant_code", "a loop with bit shifts, as a list")
def _(X):
    return [sum(1 << i for i, v in enumerate(row) if v > 0) for row in np.asarray(X)]


@right("orthant_code", "weights 2**i as float32")
def _(X):
    return ((np.asarray(X) > 0) * 2.0 ** np.arange(np.shape(X)[1])).sum(axis=1).astype(F32)


@right("orthant_code", "binary strings read by int(s, 2)")
def _(X):
    return np.array([int("".join("1" if v > 0 else "0" for v in row[::-1]) or "0", 2) for row in np.asarray(X)])


bank_variants("orthant_code", "reading the bits in the wrong order", "counting 0 as positive (>= 0 instead of > 0)",
           "adding the bits instead of weighting them")


@right("kept_mask", "port: CS231n relu_forward, kept where relu(z) == z")
def _(W, b, X):
    z = np.asarray(X).dot(np.asarray(W).T) + b
    out = np.maximum(0, z)
    return (out == z).all(axis=1)


@right("kept_mask", "float32 pre-activations, no entry below 0")
def _(W, b, X):
    W, b, X = f32(W, b, X)
    return ~np.any(X @ W.T + b < 0, axis=1)


@right("kept_mask", "a loop over points, a list of bools")
def _(W, b, X):
    W, b = np.asarray(W), np.asarray(b)
    return [bool(np.all(W @ x + b >= 0)) for x in np.asarray(X)]


@right("kept_mask", "einsum, as 0/1 integers")
def _(W, b, X):
    return np.all(np.einsum("oi,ni->no", W, X) + b >= 0, axis=1).astype(int)


bank_variants("kept_mask", "any instead of all", "> 0 instead of >= 0", "X @ W instead of X @ W.T", "forgetting the bias")


@right("relu_in_basis", "port: scipy.linalg.solve for the coordinates, np.maximum, back with B")
def _(B, X):
    C = scipy.linalg.solve(B, np.asarray(X).T)
    return (np.asarray(B) @ np.maximum(C, 0)).T


@right("relu_in_basis", "inverse in float32, float64 out")
def _(B, X):
    B, X = f32(B, X)
    return double(np.maximum(X @ np.linalg.inv(B).T, 0) @ B.T)


@right("relu_in_basis", "a loop over points, as a list")
def _(B, X):
    B = np.asarray(B)
    return [(B @ np.maximum(np.linalg.solve(B, x), 0)).tolist() for x in np.asarray(X)]


@right("relu_in_basis", "einsum")
def _(B, X):
    C = np.einsum("ij,nj->ni", np.linalg.inv(B), X)
    return np.einsum("ij,nj->ni", B, np.clip(C, 0, None))


bank_variants("relu_in_basis", "ReLU in the standard basis", "forgetting to map back to points", "B and B^-1 swapped",
           "using B^T instead of B^-1", "the batch multiplied on the wrong side")


@right("kept_cone", "port: scipy.linalg.inv (scipy/linalg/_basic.py)")
def _(W):
    return scipy.linalg.inv(W)


@right("kept_cone", "unit columns of inv(W), in reverse order")
def _(W):
    G = np.linalg.inv(W)
    return (G / np.linalg.norm(G, axis=0))[:, ::-1]


@right("kept_cone", "solve(W, I) in float32, scaled by 3, as a list")
def _(W):
    W = np.asarray(W, F32)
    return (3 * np.linalg.solve(W, np.eye(len(W), dtype=F32))).tolist()


@right("kept_cone", "each edge solved on its own (W x = e_i)")
def _(W):
    d = len(W)
    return np.column_stack([np.linalg.solve(W, np.eye(d)[i]) for i in range(d)])


bank_variants("kept_cone", "the columns of W instead of W^-1", "the rows of W (the faces' normals) as edges",
           "the rows of W^-1 instead of its columns")


@wrong("kept_cone", "one generator negated")
def _(W):
    G = np.linalg.inv(W)
    G[:, 0] *= -1
    return G


@right("count_activation_patterns", "port: a Python set of tuples (the usual linear-regions count, e.g. Hanin & Rolnick)")
def _(W, b, X):
    on = np.asarray(X) @ np.asarray(W).T + b > 0
    return len({tuple(row) for row in on})


@right("count_activation_patterns", "np.unique(axis=0) in float32, as np.int32")
def _(W, b, X):
    W, b, X = f32(W, b, X)
    return np.int32(len(np.unique(X @ W.T + b > 0, axis=0)))


@right("count_activation_patterns", "patterns packed into integers")
def _(W, b, X):
    on = (np.asarray(X) @ np.asarray(W).T + b > 0).astype(np.int64)
    return np.unique(on @ (2 ** np.arange(on.shape[1]))).size


@right("count_activation_patterns", "a loop with a list of seen patterns, returned as a float")
def _(W, b, X):
    seen = []
    for x in np.asarray(X):
        p = list(np.asarray(W) @ x + b > 0)
        if p not in seen:
            seen.append(p)
    return float(len(seen))


bank_variants("count_activation_patterns", "counting the orthants of X instead of the layer's patterns", "np.unique without axis=0",
           "forgetting the bias", ">= 0 instead of > 0")


# ====================================================================== lesson 3

@right("residual_block", "port: nanoGPT model.py Block.forward, x = x + mlp(x) with F.linear in float32, .double()")
def _(X, W, b):
    x, W, b = f32(X, W, b)
    return double(x + np.maximum(x @ W.T + b, 0))  # F.linear(x, W, b) = x @ W.T + b


@right("residual_block", "einsum, as a list")
def _(X, W, b):
    return (np.asarray(X) + np.maximum(np.einsum("ij,...j->...i", W, X) + b, 0)).tolist()


@right("residual_block", "a loop over points")
def _(X, W, b):
    X = np.asarray(X)
    rows = np.atleast_2d(X)
    out = np.array([x + np.maximum(np.asarray(W) @ x + b, 0) for x in rows])
    return out.reshape(X.shape)


@right("residual_block", "column form (W @ X.T).T")
def _(X, W, b):
    X = np.asarray(X)
    return X + np.maximum((np.asarray(W) @ X.T).T + b, 0)


bank_variants("residual_block", "ReLU after the skip sum", "X @ W instead of X @ W.T", "forgetting the bias", "forgetting the skip")


@right("residual_decomposition", "port: np.block for the basis (numpy/_core/shape_base.py block), a tuple")
def _(x, W1, b1, W2):
    d = len(x)
    return np.block([np.eye(d), W2]), np.concatenate([x, np.maximum(W1 @ x + b1, 0)])


@right("residual_decomposition", "float32, as lists")
def _(x, W1, b1, W2):
    x, W1, b1, W2 = f32(x, W1, b1, W2)
    return [np.hstack([np.eye(len(x), dtype=F32), W2]).tolist(), np.r_[x, np.maximum(W1 @ x + b1, 0)].tolist()]


@right("residual_decomposition", "filled in by hand")
def _(x, W1, b1, W2):
    d, h = len(x), len(b1)
    basis = np.zeros((d, d + h))
    basis[:, :d] = np.identity(d)
    basis[:, d:] = W2
    coeffs = np.empty(d + h)
    coeffs[:d] = x
    for i in range(h):
        coeffs[d + i] = max(0.0, float(np.dot(W1[i], x) + b1[i]))
    return [basis, coeffs]


@right("residual_decomposition", "einsum for the pre-activation, np.concatenate for the basis")
def _(x, W1, b1, W2):
    z = np.einsum("hd,d->h", W1, x) + b1
    return (np.concatenate([np.eye(len(x)), np.asarray(W2)], axis=1), np.concatenate([x, z * (z > 0)]))


bank_variants("residual_decomposition", "the pre-activation instead of relu in the coefficients", "the branch's basis before the skip's ([W2, I])",
           "forgetting the bias")


@right("residual_jacobian", "port: numpy-ml activations.py ReLU.grad ((x > 0).astype(int)) and the chain rule")
def _(x, W, b):
    grad = (np.asarray(W) @ x + b > 0).astype(int)  # ReLU.grad
    return np.eye(len(x)) + np.diag(grad) @ W


@right("residual_jacobian", "float32, as a list")
def _(x, W, b):
    x, W, b = f32(x, W, b)
    return (np.eye(len(x), dtype=F32) + (W @ x + b > 0)[:, None] * W).tolist()


@right("residual_jacobian", "row by row")
def _(x, W, b):
    W = np.asarray(W)
    J = np.eye(len(x))
    for i in range(len(x)):
        if W[i] @ x + b[i] > 0:
            J[i] += W[i]
    return J


@right("residual_jacobian", "np.where on the pre-activation")
def _(x, W, b):
    z = np.asarray(W) @ x + b
    return np.identity(len(x)) + np.where((z > 0)[:, None], W, 0.0)


bank_variants("residual_jacobian", "forgetting the identity from the skip", "the on/off pattern taken from x instead of W x + b",
           "W D instead of D W", "forgetting the bias in the on/off pattern", "a unit exactly at its kink counted as on (>= 0)")


@right("invert_residual", "port: invertible-resnet (Behrmann et al.) fixed-point inverse, x = y - g(x), float32, .double()")
def _(y, W, b, n_steps=200):
    y, W, b = f32(y, W, b)
    x = y
    for _ in range(n_steps):
        x = y - np.maximum(x @ W.T + b, 0)
    return double(x)


@right("invert_residual", "until converged (ignores n_steps, stops when the step is below 1e-14)")
def _(y, W, b, n_steps=200):
    x = np.array(y, float)
    for _ in range(100_000):
        new = y - np.maximum(W @ x + b, 0)
        if np.max(np.abs(new - x)) < 1e-14:
            return new
        x = new
    return x


@right("invert_residual", "n_steps steps in float64, as a list")
def _(y, W, b, n_steps=200):
    x = np.zeros_like(np.asarray(y, float))
    for _ in range(n_steps + 1):
        x = y - np.maximum(np.asarray(W) @ x + b, 0)
    return x.tolist()


@right("invert_residual", "einsum steps, from zero")
def _(y, W, b, n_steps=200):
    x = np.zeros(len(y))
    for _ in range(n_steps):
        x = y - np.maximum(np.einsum("ij,j->i", W, x) + b, 0)
    return x


bank_variants("invert_residual", "doing a single step", "iterating with the wrong sign", "forgetting the bias",
           "ignoring the n_steps argument", "returning y unchanged")


@wrong("invert_residual", "too few steps (n_steps // 4) in float32")
def _(y, W, b, n_steps=200):
    y, W, b = f32(y, W, b)
    x = y
    for _ in range(n_steps // 4):
        x = y - np.maximum(W @ x + b, 0)
    return double(x)


@wrong("invert_residual", "too few steps (n_steps // 2) in float64")
def _(y, W, b, n_steps=200):
    x = np.array(y, float)
    for _ in range(n_steps // 2):
        x = y - np.maximum(W @ x + b, 0)
    return x


# ====================================================================== lesson 4

@right("softmax", "port: scipy.special.softmax (scipy/special/_logsumexp.py)")
def _(S, axis=-1):
    return scipy.special.softmax(S, axis=axis)


@right("softmax", "port: torch F.softmax in float32 (exp(x - max) / sum), .double()")
def _(S, axis=-1):
    x = np.asarray(S, F32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return double(e / e.sum(axis=axis, keepdims=True))


@right("softmax", "exp(S - logsumexp), as a list")
def _(S, axis=-1):
    return np.exp(S - scipy.special.logsumexp(S, axis=axis, keepdims=True)).tolist()


@right("softmax", "a loop over rows with the row max (np.moveaxis)")
def _(S, axis=-1):
    S = np.moveaxis(np.asarray(S, float), axis, -1)
    out = np.empty_like(S)
    for idx in np.ndindex(S.shape[:-1]):
        e = np.exp(S[idx] - S[idx].max())
        out[idx] = e / e.sum()
    return np.moveaxis(out, -1, axis)


@right("softmax", "log-softmax in float32 then exp, .tolist()")
def _(S, axis=-1):
    x = np.asarray(S, F32)
    shifted = x - x.max(axis=axis, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))).tolist()


bank_variants("softmax", "exponentiating without subtracting the max", "subtracting one max for the whole array",
           "ignoring the `axis` argument", "dividing by the sum of the whole array",
           "subtracting the row's mean instead of its max", "subtracting the row's min instead of its max")


@wrong("softmax", "row mean in float32", named="subtracting the row's mean instead of its max")
def _(S, axis=-1):
    x = np.asarray(S, float)
    e = np.exp(x - x.mean(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _mingpt_pattern(X, W_q, W_k, causal=False, fill=-np.inf):
    """minGPT model.py CausalSelfAttention.forward, one head, float32: att = (q @ k^T) * (1 / sqrt(k.size(-1)))."""
    x, W_q, W_k = f32(X, W_q, W_k)
    q, k = x @ W_q, x @ W_k
    att = (q @ k.T) * (1.0 / math.sqrt(k.shape[-1]))
    T = att.shape[0]
    bias = np.tril(np.ones((T, T), F32))  # register_buffer("bias", torch.tril(...))
    if causal:
        att = np.where(bias == 0, F32(fill), att)  # att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
    att = np.exp(att - att.max(axis=-1, keepdims=True))  # F.softmax(att, dim=-1)
    return att / att.sum(axis=-1, keepdims=True)


@right("attention_pattern", "port: minGPT model.py CausalSelfAttention.forward, float32, .double()")
def _(X, W_q, W_k, causal=False):
    return double(_mingpt_pattern(X, W_q, W_k, causal))


@right("attention_pattern", "port: ARENA / TransformerLens einsum scores, masked_fill with IGNORE = -1e5, as a list")
def _(X, W_q, W_k, causal=False):
    q, k = np.einsum("pm,mh->ph", X, W_q), np.einsum("pm,mh->ph", X, W_k)
    scores = np.einsum("qh,kh->qk", q, k) / np.sqrt(k.shape[-1])
    if causal:
        scores = np.where(np.triu(np.ones(scores.shape, bool), 1), -1e5, scores)
    return scipy.special.softmax(scores, axis=-1).tolist()


@right("attention_pattern", "a masked array (np.ma) for the hidden future")
def _(X, W_q, W_k, causal=False):
    S = (X @ W_q) @ (X @ W_k).T / np.sqrt(np.shape(W_k)[1])
    mask = np.triu(np.ones(S.shape, bool), 1) & causal
    S = np.ma.masked_array(S, mask=mask)
    E = np.ma.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


@right("attention_pattern", "row by row, softmax over the visible prefix only")
def _(X, W_q, W_k, causal=False):
    Q, K = np.asarray(X) @ W_q, np.asarray(X) @ W_k
    n = len(Q)
    A = np.zeros((n, n))
    for i in range(n):
        m = i + 1 if causal else n
        s = K[:m] @ Q[i] / math.sqrt(K.shape[1])
        e = np.exp(s - s.max())
        A[i, :m] = e / e.sum()
    return A


@right("attention_pattern", "float32 einsum with an additive -1e9 mask, as float32")
def _(X, W_q, W_k, causal=False):
    X, W_q, W_k = f32(X, W_q, W_k)
    S = np.einsum("id,jd->ij", X @ W_q, X @ W_k) / np.sqrt(F32(W_k.shape[1]))
    if causal:
        S = S + F32(-1e9) * np.triu(np.ones(S.shape, F32), 1)
    E = np.exp(S - S.max(1, keepdims=True))
    return E / E.sum(1, keepdims=True)


bank_variants("attention_pattern", "forgetting to divide by sqrt(d_k)", "dividing by d_k instead of sqrt(d_k)", "scaling by sqrt(d_model) instead of sqrt(d_k)",
           "masking after the softmax without renormalising", "setting the future scores to 0 instead of -inf",
           "masking the wrong triangle")


@wrong("attention_pattern", "exp without the max shift (overflows on long tokens)")
def _(X, W_q, W_k, causal=False):
    S = (X @ W_q) @ (X @ W_k).T / np.sqrt(np.shape(W_k)[1])
    if causal:
        S = np.where(np.triu(np.ones(S.shape, bool), 1), -np.inf, S)
    E = np.exp(S)
    return E / E.sum(axis=-1, keepdims=True)


@right("attention_head", "port: the Annotated Transformer attention() (masked_fill(mask == 0, -1e9)), float32, .double()")
def _(X, W_q, W_k, W_v, causal=False):
    x, W_q, W_k, W_v = f32(X, W_q, W_k, W_v)
    query, key, value = x @ W_q, x @ W_k, x @ W_v
    d_k = query.shape[-1]
    scores = (query @ key.T) / math.sqrt(d_k)
    if causal:
        mask = np.tril(np.ones(scores.shape, F32))  # subsequent_mask
        scores = np.where(mask == 0, F32(-1e9), scores)
    p_attn = np.exp(scores - scores.max(-1, keepdims=True))
    p_attn = p_attn / p_attn.sum(-1, keepdims=True)
    return double(p_attn @ value)


@right("attention_head", "(A @ X) @ W_v with einsum, as a list")
def _(X, W_q, W_k, W_v, causal=False):
    S = np.einsum("id,jd->ij", X @ W_q, X @ W_k) / np.sqrt(np.shape(W_k)[1])
    if causal:
        S[np.triu_indices(len(S), 1)] = -np.inf
    return (scipy.special.softmax(S, axis=1) @ X @ W_v).tolist()


@right("attention_head", "a loop over output tokens")
def _(X, W_q, W_k, W_v, causal=False):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    out = np.zeros((len(X), V.shape[1]))
    for i in range(len(X)):
        s = np.array([Q[i] @ K[j] / math.sqrt(K.shape[1]) if (j <= i or not causal) else -np.inf for j in range(len(X))])
        w = np.exp(s - s.max())
        out[i] = (w / w.sum()) @ V
    return out


@right("attention_head", "float32 throughout with scipy.special.softmax, as a list")
def _(X, W_q, W_k, W_v, causal=False):
    X, W_q, W_k, W_v = f32(X, W_q, W_k, W_v)
    S = (X @ W_q) @ (X @ W_k).T / np.sqrt(F32(W_k.shape[1]))
    if causal:
        S = np.where(np.tril(np.ones(S.shape, bool)), S, -np.inf)
    return (scipy.special.softmax(S, axis=-1) @ (X @ W_v)).tolist()


bank_variants("attention_head", "forgetting the value projection W_v", "A.T instead of A", "not passing `causal` on to the attention pattern",
           "forgetting to divide the scores by sqrt(d_k)")


@right("input_basis_coordinates", "port: scipy.linalg.solve(W_v.T, Z.T).T (scipy/linalg/_basic.py)")
def _(Z, W_v):
    return scipy.linalg.solve(np.asarray(W_v).T, np.asarray(Z).T).T


@right("input_basis_coordinates", "Z @ inv(W_v) in float32, float64 out")
def _(Z, W_v):
    Z, W_v = f32(Z, W_v)
    return double(Z @ np.linalg.inv(W_v))


@right("input_basis_coordinates", "least squares, as a list")
def _(Z, W_v):
    return np.linalg.lstsq(np.asarray(W_v).T, np.asarray(Z).T, rcond=None)[0].T.tolist()


@right("input_basis_coordinates", "row by row")
def _(Z, W_v):
    return np.array([np.linalg.solve(np.asarray(W_v).T, z) for z in np.asarray(Z)])


bank_variants("input_basis_coordinates", "multiplying by W_v^T instead of inverting", "W_v^-1 on the wrong side", "solving with W_v where W_v^T is needed",
           "multiplying by W_v again")


@right("ov_circuit", "port: TransformerLens FactoredMatrix(W_V, W_O).AB (transformer_lens/FactoredMatrix.py)")
def _(W_v, W_o):
    A, B = np.asarray(W_v), np.asarray(W_o)
    return A @ B  # FactoredMatrix.AB


@right("ov_circuit", "einsum in float32, .tolist()")
def _(W_v, W_o):
    return np.einsum("mh,hn->mn", *f32(W_v, W_o)).tolist()


@right("ov_circuit", "a sum of outer products over the head's axes")
def _(W_v, W_o):
    W_v, W_o = np.asarray(W_v), np.asarray(W_o)
    return sum(np.outer(W_v[:, k], W_o[k]) for k in range(W_v.shape[1]))


@right("ov_circuit", "np.dot, as np.matrix")
def _(W_v, W_o):
    return np.matrix(np.dot(W_v, W_o))


bank_variants("ov_circuit", "W_o @ W_v (the order reversed)", "the column-convention circuit W_o^T W_v^T",
           "the entrywise product instead of the matrix product")


@right("multi_head_attention", "port: nanoGPT model.py CausalSelfAttention.forward (heads side by side, c_proj), float32, .double()")
def _(X, W_q, W_k, W_v, W_o, causal=False):
    x, W_q, W_k, W_v, W_o = f32(X, W_q, W_k, W_v, W_o)
    nh, C, hs = W_q.shape
    T = len(x)
    # c_attn as one (C, 3 * nh * hs) matrix, then q, k, v split and .view(B, T, nh, hs).transpose(1, 2)
    c_attn = np.concatenate([W.transpose(1, 0, 2).reshape(C, nh * hs) for W in (W_q, W_k, W_v)], axis=1)
    q, k, v = np.split(x @ c_attn, 3, axis=1)
    q, k, v = (t.reshape(T, nh, hs).transpose(1, 0, 2) for t in (q, k, v))  # (nh, T, hs)
    att = (q @ k.transpose(0, 2, 1)) * (1.0 / math.sqrt(hs))
    if causal:
        att = np.where(np.tril(np.ones((T, T), F32)) == 0, F32(-np.inf), att)
    att = np.exp(att - att.max(-1, keepdims=True))
    att = att / att.sum(-1, keepdims=True)
    y = (att @ v).transpose(1, 0, 2).reshape(T, nh * hs)  # re-assemble all head outputs side by side
    c_proj = W_o.reshape(nh * hs, C)
    return double(y @ c_proj)


@right("multi_head_attention", "port: TransformerLens components Attention.forward einsums (IGNORE = -inf), as a list")
def _(X, W_q, W_k, W_v, W_o, causal=False):
    q = np.einsum("pm,imh->pih", X, W_q)
    k = np.einsum("pm,imh->pih", X, W_k)
    v = np.einsum("pm,imh->pih", X, W_v)
    scores = np.einsum("qih,kih->iqk", q, k) / np.sqrt(W_q.shape[-1])
    if causal:
        scores = np.where(np.triu(np.ones(scores.shape[-2:], bool), 1), -np.inf, scores)
    pattern = scipy.special.softmax(scores, axis=-1)
    z = np.einsum("iqk,kih->qih", pattern, v)
    return np.einsum("qih,ihm->qm", z, W_o).tolist()


@right("multi_head_attention", "a loop over heads, float32 throughout, .tolist()")
def _(X, W_q, W_k, W_v, W_o, causal=False):
    X, W_q, W_k, W_v, W_o = f32(X, W_q, W_k, W_v, W_o)
    out = np.zeros(X.shape, F32)
    for h in range(len(W_q)):
        S = (X @ W_q[h]) @ (X @ W_k[h]).T / np.sqrt(F32(W_q.shape[2]))
        if causal:
            S = np.where(np.triu(np.ones(S.shape, bool), 1), -np.inf, S)
        A = np.exp(S - S.max(1, keepdims=True))
        out += (A / A.sum(1, keepdims=True)) @ X @ W_v[h] @ W_o[h]
    return out.tolist()


@right("multi_head_attention", "batched over heads with np.matmul, float64")
def _(X, W_q, W_k, W_v, W_o, causal=False):
    X = np.asarray(X, float)
    Q, K, V = (np.matmul(X[None], W) for W in (W_q, W_k, W_v))  # (h, n, d_head)
    S = Q @ K.transpose(0, 2, 1) / np.sqrt(W_q.shape[2])
    if causal:
        S[:, np.triu(np.ones(S.shape[1:], bool), 1)] = -np.inf
    A = scipy.special.softmax(S, axis=-1)
    return np.sum(A @ V @ W_o, axis=0)


@right("multi_head_attention", "per head, the OV circuit first: A_h @ X @ (W_v[h] @ W_o[h])")
def _(X, W_q, W_k, W_v, W_o, causal=False):
    out = 0
    for h in range(len(W_q)):
        S = (X @ W_q[h]) @ (X @ W_k[h]).T / math.sqrt(W_q.shape[2])
        if causal:
            S = np.where(np.triu(np.ones(S.shape, bool), 1), -np.inf, S)
        out = out + scipy.special.softmax(S, axis=1) @ X @ (W_v[h] @ W_o[h])
    return out


bank_variants("multi_head_attention", "averaging the heads instead of summing them", "keeping only the last head's output",
           "scaling the scores by sqrt(d_model) instead of sqrt(d_head)", "not passing `causal` on to the heads")


# ====================================================================== lesson 5

@right("center_projector", "port: scikit-learn preprocessing/_data.py KernelCenterer.transform applied to K = I")
def _(d):
    K = np.eye(d)
    n = K.shape[0]
    K_fit_rows_ = np.sum(K, axis=0) / n
    K_fit_all_ = K_fit_rows_.sum() / n
    K_pred_cols = (np.sum(K, axis=1) / K_fit_rows_.shape[0])[:, np.newaxis]
    return K - K_fit_rows_ - K_pred_cols + K_fit_all_


@right("center_projector", "float32, as a list")
def _(d):
    return (np.eye(d, dtype=F32) - np.full((d, d), 1 / d, F32)).tolist()


@right("center_projector", "I - outer(1, 1) / d")
def _(d):
    one = np.ones(d)
    return np.identity(d) - np.outer(one, one) / d


@right("center_projector", "entry by entry")
def _(d):
    return [[(1.0 if i == j else 0.0) - 1.0 / d for j in range(d)] for i in range(d)]


bank_variants("center_projector", "ones / d: the averaging matrix", "I - ones, forgetting to divide by d", "subtracting 1/d on the diagonal only")


@right("layer_norm", "port: TransformerLens components LayerNorm.forward (no w, b), float32, .tolist()")
def _(X, eps=1e-5):
    x = np.asarray(X, F32)
    x = x - x.mean(-1, keepdims=True)  # [batch, pos, length]
    scale = np.sqrt((x ** 2).mean(-1, keepdims=True) + F32(eps))
    return (x / scale).tolist()


@right("layer_norm", "port: torch F.layer_norm as nanoGPT calls it (biased var, eps inside), float32, .double()")
def _(X, eps=1e-5):
    x = np.asarray(X, F32)
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return double((x - mean) / np.sqrt(var + F32(eps)))


@right("layer_norm", "np.var and the reciprocal square root")
def _(X, eps=1e-5):
    X = np.asarray(X)
    return (X - X.mean(axis=-1, keepdims=True)) * (1.0 / np.sqrt(X.var(axis=-1, keepdims=True) + eps))


@right("layer_norm", "a loop over rows, with the centring projector")
def _(X, eps=1e-5):
    X = np.asarray(X, float)
    d = X.shape[-1]
    P = np.eye(d) - np.ones((d, d)) / d
    rows = np.atleast_2d(X)
    out = np.array([P @ x / math.sqrt((P @ x) @ (P @ x) / d + eps) for x in rows])
    return out.reshape(X.shape)


@right("layer_norm", "np.std, as float32")
def _(X, eps=1e-5):
    X = np.asarray(X, F32)
    C = X - X.mean(axis=-1, keepdims=True)
    return C / np.sqrt(np.std(X, axis=-1, keepdims=True) ** 2 + F32(eps))


bank_variants("layer_norm", "forgetting eps", "eps outside the square root", "the unbiased variance (ddof=1)",
           "normalising each column instead of each row", "ignoring the eps argument", "scaling to length 1 instead of variance 1")


def _ln32(x, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + F32(eps))


def _nanogpt_attention(x, W_q, W_k, W_v, W_o, causal):
    nh, C, hs = W_q.shape
    T = len(x)
    q, k, v = ((x @ W.transpose(1, 0, 2).reshape(C, nh * hs)).reshape(T, nh, hs).transpose(1, 0, 2) for W in (W_q, W_k, W_v))
    att = (q @ k.transpose(0, 2, 1)) * (1.0 / math.sqrt(hs))
    if causal:
        att = np.where(np.tril(np.ones((T, T), F32)) == 0, F32(-np.inf), att)
    att = np.exp(att - att.max(-1, keepdims=True))
    att = att / att.sum(-1, keepdims=True)
    return (att @ v).transpose(1, 0, 2).reshape(T, nh * hs) @ W_o.reshape(nh * hs, C)


@right("transformer_block", "port: nanoGPT model.py Block.forward (ln_1, attn, ln_2, mlp with ReLU), float32, .double()")
def _(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True):
    x, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out = f32(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out)
    x = x + _nanogpt_attention(_ln32(x), W_q, W_k, W_v, W_o, causal)  # x = x + self.attn(self.ln_1(x))
    x = x + (np.maximum(_ln32(x) @ W_in + b_in, 0) @ W_out + b_out)  # x = x + self.mlp(self.ln_2(x))
    return double(x)


@right("transformer_block", "TransformerLens-style einsums in float64, as a list")
def _(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True):
    def ln(x):
        x = x - x.mean(-1, keepdims=True)
        return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-5)
    X = np.asarray(X, float)
    r = ln(X)
    q, k, v = (np.einsum("pm,imh->pih", r, W) for W in (W_q, W_k, W_v))
    s = np.einsum("qih,kih->iqk", q, k) / np.sqrt(W_q.shape[-1])
    if causal:
        s = np.where(np.triu(np.ones(s.shape[-2:], bool), 1), -np.inf, s)
    z = np.einsum("iqk,kih->qih", scipy.special.softmax(s, axis=-1), v)
    H = X + np.einsum("qih,ihm->qm", z, W_o)
    return (H + np.maximum(ln(H) @ W_in + b_in, 0) @ W_out + b_out).tolist()


@right("transformer_block", "float32 throughout, returned as float32")
def _(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True):
    x, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out = f32(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out)
    H = x + _nanogpt_attention(_ln32(x), W_q, W_k, W_v, W_o, causal)
    return H + np.maximum(_ln32(H) @ W_in + b_in, 0) @ W_out + b_out


@right("transformer_block", "token by token (each row reads only its prefix when causal), float64")
def _(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True):
    X = np.asarray(X, float)

    def ln(x):
        return (x - x.mean()) / math.sqrt(x.var() + 1e-5)
    N = np.array([ln(x) for x in X])
    H = X.copy()
    for i in range(len(X)):
        seen = N[: i + 1] if causal else N
        for h in range(len(W_q)):
            s = (seen @ W_k[h]) @ (N[i] @ W_q[h]) / math.sqrt(W_q.shape[2])
            w = np.exp(s - s.max())
            H[i] += (w / w.sum()) @ (seen @ W_v[h]) @ W_o[h]
    return np.array([h + np.maximum(ln(h) @ W_in + b_in, 0) @ W_out + b_out for h in H])


bank_variants("transformer_block", "post-LN: normalising after adding", "leaving out LayerNorm", "forgetting the residual connections",
           "not passing `causal` on to the attention")


@wrong("transformer_block", "GELU (tanh form, as in nanoGPT) instead of ReLU")
def _(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True):
    x, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out = f32(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out)
    x = x + _nanogpt_attention(_ln32(x), W_q, W_k, W_v, W_o, causal)
    h = _ln32(x) @ W_in + b_in
    h = 0.5 * h * (1 + np.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)))
    return double(x + h @ W_out + b_out)


# ====================================================================== lesson 6

@right("mlp_activations", "port: CS231n assignment2 layer_utils.py affine_relu_forward (x.reshape(N, -1).dot(w) + b)")
def _(X, weights, biases):
    out, layers = np.asarray(X), [np.asarray(X)]
    for W, b in zip(weights, biases):
        w = np.asarray(W).T  # CS231n stores w as (D, M)
        a = out.reshape(out.shape[0], -1).dot(w) + b  # affine_forward
        out = np.maximum(0, a)  # relu_forward
        layers.append(out)
    return layers


@right("mlp_activations", "float32, a tuple of lists")
def _(X, weights, biases):
    H = np.asarray(X, F32)
    out = [H.tolist()]
    for W, b in zip(weights, biases):
        H = np.maximum(H @ np.asarray(W, F32).T + np.asarray(b, F32), 0)
        out.append(H.tolist())
    return tuple(out)


@right("mlp_activations", "einsum, float64")
def _(X, weights, biases):
    layers = [np.array(X, float)]
    for W, b in zip(weights, biases):
        layers.append(np.maximum(np.einsum("oi,ni->no", W, layers[-1]) + b, 0))
    return layers


@right("mlp_activations", "a loop over points and units")
def _(X, weights, biases):
    layers = [np.asarray(X, float)]
    for W, b in zip(weights, biases):
        H = layers[-1]
        out = np.zeros((len(H), len(b)))
        for n in range(len(H)):
            for j in range(len(b)):
                out[n, j] = max(0.0, float(np.dot(W[j], H[n]) + b[j]))
        layers.append(out)
    return layers


bank_variants("mlp_activations", "leaving X out of the list", "forgetting the bias", "H @ W instead of H @ W.T", "forgetting the ReLU")


@right("pca_project", "port: scikit-learn decomposition/_pca.py PCA.fit_transform (svd_flip, U[:, :k] * S[:k])")
def _(H, k):
    X = np.asarray(H, float)
    X = X - X.mean(axis=0)
    U, S, Vt = scipy.linalg.svd(X, full_matrices=False)
    max_abs = np.argmax(np.abs(U), axis=0)  # svd_flip(U, Vt)
    signs = np.sign(U[max_abs, range(U.shape[1])])
    U, Vt = U * signs, Vt * signs[:, None]
    return U[:, :k] * S[:k]


@right("pca_project", "eigh of the covariance in float32, .double()")
def _(H, k):
    X = np.asarray(H, F32)
    Xc = X - X.mean(0)
    lam, V = np.linalg.eigh(np.cov(Xc, rowvar=False).astype(F32))
    return double(Xc @ V[:, ::-1][:, :k])


@right("pca_project", "SVD in float32, as a list")
def _(H, k):
    Xc = np.asarray(H, F32) - np.asarray(H, F32).mean(0)
    return (Xc @ np.linalg.svd(Xc, full_matrices=False)[2][:k].T).tolist()


@right("pca_project", "power iteration with deflation, to convergence")
def _(H, k):
    Xc = np.asarray(H, float) - np.mean(H, axis=0)
    C = Xc.T @ Xc
    out = []
    for _ in range(k):
        v = np.ones(C.shape[0]) / math.sqrt(C.shape[0])
        for _ in range(20_000):
            new = C @ v
            new /= np.linalg.norm(new)
            if np.linalg.norm(new - v) < 1e-15:
                break
            v = new
        out.append(Xc @ v)
        C = C - (v @ C @ v) * np.outer(v, v)
    return np.column_stack(out)


bank_variants("pca_project", "forgetting to centre the data", "projecting the uncentred rows", "the bottom-k directions",
           "returning the directions instead of the coordinates", "columns of Vt instead of rows")


@wrong("pca_project", "whitened (sklearn PCA(whiten=True))")
def _(H, k):
    Xc = np.asarray(H, float) - np.mean(H, axis=0)
    U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    return U[:, :k] * math.sqrt(len(Xc) - 1)


@right("participation_ratio", "port: from scikit-learn PCA's explained_variance_ (S ** 2 / (n - 1))")
def _(H):
    X = np.asarray(H, float)
    S = scipy.linalg.svd(X - X.mean(0), compute_uv=False)
    ev = S ** 2 / (len(X) - 1)  # PCA.explained_variance_
    return ev.sum() ** 2 / (ev ** 2).sum()


@right("participation_ratio", "traces, no eigenvalues: tr(C)^2 / tr(C C), float32, as np.longdouble")
def _(H):
    X = np.asarray(H, F32)
    C = np.cov(X, rowvar=False, bias=True).astype(F32)
    return np.longdouble(np.trace(C) ** 2 / np.sum(C * C))


@right("participation_ratio", "eigvalsh of np.cov, returned as a one-element list")
def _(H):
    lam = np.linalg.eigvalsh(np.atleast_2d(np.cov(H, rowvar=False)))
    return [float(lam.sum() ** 2 / (lam ** 2).sum())]


@right("participation_ratio", "np.float32 of the ratio")
def _(H):
    lam = np.clip(np.linalg.eigvalsh(np.atleast_2d(np.cov(np.asarray(H, F32), rowvar=False))), 0, None)
    return F32(lam.sum() ** 2 / np.sum(lam ** 2))


bank_variants("participation_ratio", "the ratio upside down", "singular values instead of eigenvalues", "forgetting to centre the data",
           "counting the non-zero eigenvalues (the rank)")


@right("linear_probe_accuracy", "port: scikit-learn linear_model LinearRegression (centre, lstsq, intercept_) on 2y - 1")
def _(H, y):
    X, t = np.asarray(H, float), 2.0 * np.asarray(y) - 1.0
    X_offset, y_offset = X.mean(axis=0), t.mean()  # _preprocess_data
    coef_, *_ = scipy.linalg.lstsq(X - X_offset, t - y_offset)
    intercept_ = y_offset - X_offset @ coef_
    return float(np.mean((X @ coef_ + intercept_ > 0) == (np.asarray(y) == 1)))


@right("linear_probe_accuracy", "pinv, float32 returned as np.float32")
def _(H, y):
    A = np.hstack([np.asarray(H, float), np.ones((len(H), 1))])
    w = np.linalg.pinv(A) @ (2.0 * np.asarray(y) - 1)
    return F32(np.mean((A @ w > 0).astype(int) == y))


@right("linear_probe_accuracy", "a count divided by n, in a list")
def _(H, y):
    A = np.c_[H, np.ones(len(H))]
    w = np.linalg.lstsq(A, 2 * np.asarray(y) - 1, rcond=None)[0]
    return [sum(int(p == (t == 1)) for p, t in zip(A @ w > 0, y)) / len(y)]


@right("linear_probe_accuracy", "normal equations with 0/1 targets and a 0.5 threshold (the same plane)")
def _(H, y):
    A = np.hstack([H, np.ones((len(H), 1))])
    w = np.linalg.lstsq(A.T @ A, A.T @ np.asarray(y, float), rcond=None)[0]
    return np.mean((A @ w > 0.5) == (np.asarray(y) == 1))


bank_variants("linear_probe_accuracy", "no bias column", "fitting the 0/1 labels directly", "returning the error rate", "counting the correct predictions")


@wrong("linear_probe_accuracy", "port: scikit-learn RidgeClassifier (alpha=1.0, intercept not penalised) instead of least squares")
def _(H, y):
    X, t = np.asarray(H, float), 2.0 * np.asarray(y) - 1
    X_offset, t_offset = X.mean(0), t.mean()
    Xc = X - X_offset
    coef = np.linalg.solve(Xc.T @ Xc + 1.0 * np.eye(X.shape[1]), Xc.T @ (t - t_offset))
    return float(np.mean((Xc @ coef + t_offset > 0) == (np.asarray(y) == 1)))


@wrong("linear_probe_accuracy", "logistic regression by gradient descent instead of least squares")
def _(H, y):
    X, y = np.c_[H, np.ones(len(H))], np.asarray(y)
    w = np.zeros(X.shape[1])
    for _ in range(3000):
        w -= 0.05 * X.T @ (1 / (1 + np.exp(-np.clip(X @ w, -50, 50))) - y) / len(y)
    return float(np.mean((X @ w > 0) == (y == 1)))


# ====================================================================== the tests

@pytest.mark.parametrize("name,fn", RIGHT)
def test_right_implementations_get_full_marks(name, fn):
    result = grader.grade(name, fn)
    assert result.score == 1.0, result.feedback


@pytest.mark.parametrize("name,fn,named", WRONG)
def test_wrong_implementations_are_caught_and_not_misnamed(name, fn, named):
    result = grader.grade(name, fn)
    assert result.score < 1.0, result.feedback
    if named is not None:
        assert result.misconceptions == [named], result.feedback
        assert f"Likely misconception - {named}" in result.feedback


CONTRACT = re.findall(r"^\| `(\w+)\(", CURRICULUM.read_text(), re.M)  # the 29 of ../shared/curriculum.md


def test_every_exercise_has_a_port_three_other_right_variants_and_wrong_ones():
    """For the contract's 29 exercises (lesson 7's four are held by their banks in test_grader and test_practice)."""
    assert len(CONTRACT) == 29
    rights = {n: [p for p in RIGHT if p.values[0] == n] for n in CONTRACT}
    wrongs = {n: [p for p in WRONG if p.values[0] == n] for n in CONTRACT}
    for n in CONTRACT:
        assert any("port:" in p.id for p in rights[n]), n
        assert sum("port:" not in p.id for p in rights[n]) >= 3, n
        assert len(wrongs[n]) >= 2, n


# ---------------------------------------------------------------- family: tolerance from the returned dtype

@pytest.mark.parametrize("name", grader.NAMES)
def test_the_reference_computed_in_float32_passes_returned_as_float64_or_lists(name, reference_copy):
    """Each reference function re-run with every float array cast to float32 and its arithmetic in float32."""
    fn = _float32_reference(reference_copy, name)
    for out in (double, tolist):
        result = grader.grade(name, lambda *a, **k: _map(out, fn(*a, **k)))
        assert result.score == 1.0, result.feedback


def _map(f, value):
    if isinstance(value, (list, tuple)):
        return [f(v) for v in value]
    return f(value) if np.asarray(value).dtype.kind == "f" else value


def _float32_reference(reference_copy, name):
    """The reference's own code, with `float` meaning float32 (its np.asarray(x, float) casts), in a fresh namespace."""
    ns = dict(vars(reference_copy))
    ns["np"] = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    ns["float"] = F32
    for key in list(ns):
        f = ns[key]
        if isinstance(f, types.FunctionType) and f.__module__ == "reference_copy":
            ns[key] = types.FunctionType(f.__code__, ns, f.__name__, f.__defaults__)
    return ns[name]


def test_a_float32_answer_cast_to_float64_is_judged_like_the_float32_one():
    def softmax32(S, axis=-1):
        x = np.asarray(S, F32)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    a = grader.grade("softmax", softmax32)
    b = grader.grade("softmax", lambda S, axis=-1: softmax32(S, axis).astype(float))
    c = grader.grade("softmax", lambda S, axis=-1: softmax32(S, axis).tolist())
    assert a.score == b.score == c.score == 1.0


def test_the_tolerance_of_a_case_follows_its_float32_sensitivity():
    """A well-conditioned case is judged tightly (a float16-level error fails), whatever the dtype returned."""
    from grader.reference.judge import expected_outputs, float32_deviations
    ex = grader.exercise("from_basis")
    cases = grader.cases("from_basis")
    devs = float32_deviations(ex, cases, expected_outputs(ex, cases))
    assert all(d < 1e-5 for d in devs)
    with tol.case_slack(devs[2]):
        assert np.all(tol.allowed(np.ones(3)) < 1e-4)


# ---------------------------------------------------------------- family: return types the contract allows

@pytest.mark.parametrize("name,convert", [
    ("map_in_basis", np.matrix), ("relu", lambda a: np.asarray(a).view(type("Sub", (np.ndarray,), {}))),
    ("attention_pattern", lambda a: np.ma.masked_array(a, mask=np.zeros(np.shape(a), bool))),
    ("participation_ratio", np.longdouble), ("kept_cone", lambda a: np.asarray(a, np.longdouble)),
    ("count_activation_patterns", lambda n: type("Count", (int,), {})(n)),
    ("linear_probe_accuracy", lambda v: type("Acc", (float,), {"__eq__": lambda s, o: True})(v)),
])
def test_return_types_np_asarray_accepts_get_full_marks(name, convert, reference_copy):
    ref = getattr(reference_copy, name)
    result = grader.grade(name, lambda *a, **k: convert(ref(*a, **k)))
    assert result.score == 1.0, result.feedback


def test_a_masked_array_counts_its_masked_entries_as_zero(reference_copy):
    def attention_pattern(X, W_q, W_k, causal=False):
        A = reference_copy.attention_pattern(X, W_q, W_k, causal)
        hidden = np.triu(np.ones(A.shape, bool), 1) & causal
        return np.ma.masked_array(np.where(hidden, 7.0, A), mask=hidden)  # garbage under the mask
    assert grader.grade("attention_pattern", attention_pattern).score == 1.0


def test_an_ndarray_subclass_cannot_change_how_it_is_compared():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, bool)

        def __sub__(self, other):
            return np.zeros(self.shape)

        def __array__(self, *args, **kwargs):
            raise RuntimeError("never called")

        def astype(self, *args, **kwargs):
            raise RuntimeError("never called")
    result = grader.grade("relu", lambda x: np.full(np.shape(x), 3.0).view(Liar))
    assert result.score < 1 and "entries are wrong" in result.feedback


@pytest.fixture
def fake_torch(monkeypatch):
    """A module called torch whose Tensor converts like torch's (torch is not installed here)."""
    torch = types.ModuleType("torch")

    class Tensor:
        def __init__(self, data, dtype=F32):
            self._data = np.asarray(data, dtype)

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self._data

        def double(self):
            return Tensor(self._data, np.float64)

        def __eq__(self, other):
            return True
    Tensor.__module__ = "torch"
    torch.Tensor = Tensor
    monkeypatch.setitem(sys.modules, "torch", torch)
    return torch


def test_torch_tensors_are_accepted(fake_torch, reference_copy):
    for name in ("relu", "softmax"):
        ref = getattr(reference_copy, name)
        result = grader.grade(name, lambda *a, **k: fake_torch.Tensor(ref(*a, **k)))
        assert result.score == 1.0, result.feedback
    result = grader.grade("relu", lambda x: fake_torch.Tensor(np.zeros(np.shape(x)) + 1))
    assert result.score < 1


def test_a_class_that_only_claims_to_be_torch_is_not_converted(fake_torch):
    class Tensor:  # not torch.Tensor, though its module says torch
        def numpy(self):
            return np.zeros(3)
    Tensor.__module__ = "torch"
    result = grader.grade("relu", lambda x: Tensor())
    assert result.score == 0 and "np.asarray" in result.feedback


def test_untrusted_objects_get_a_sentence_saying_what_to_return():
    class Box:
        pass
    result = grader.grade("relu", lambda x: Box())
    assert result.score == 0 and "Box" in result.feedback and "np.asarray" in result.feedback
    result = grader.grade("relu", lambda x: np.asarray(x) + 0j)
    assert result.score == 0 and "complex" in result.feedback


# ---------------------------------------------------------------- family: a first heavy import inside the function

HEAVY = '''
import os, time
_MARK = os.path.join(os.path.dirname(__file__), "{name}.started")
if os.path.exists(_MARK):  # like torch after an interrupted first import
    raise RuntimeError("Only a single TORCH_LIBRARY can be used to register the namespace")
open(_MARK, "w").close()
time.sleep({seconds})
os.remove(_MARK)
'''


@pytest.fixture
def heavy_module(tmp_path, monkeypatch):
    def make(name, seconds):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(HEAVY.format(name=name, seconds=seconds)))
        return name
    monkeypatch.syspath_prepend(str(tmp_path))
    yield make
    for name in list(sys.modules):
        if name.startswith("fakeheavy"):
            del sys.modules[name]


def test_a_first_heavy_import_is_not_timed_out_and_the_next_exercise_imports_it_too(heavy_module):
    name = heavy_module("fakeheavy_torch", 1.0)

    def relu(x):
        mod = __import__(name)
        assert mod is not None
        return np.maximum(x, 0)
    cases = grader.cases("relu")
    start = time.perf_counter()
    run = runner.run_cases(relu, cases, timeout=0.4)  # the import alone takes longer than the limit
    assert all(o.status == "ok" for o in run.outcomes), [o.message for o in run.outcomes]
    assert time.perf_counter() - start < 5
    import importlib

    def softmax(S, axis=-1):
        importlib.import_module(name)  # imported again: no "Only a single TORCH_LIBRARY" error
        E = np.exp(S - np.max(S, axis=axis, keepdims=True))
        return E / E.sum(axis=axis, keepdims=True)
    run = runner.run_cases(softmax, grader.cases("softmax"), timeout=0.4)
    assert all(o.status == "ok" for o in run.outcomes), [o.message for o in run.outcomes]


def test_importlib_import_module_is_not_interrupted_either(heavy_module):
    import importlib
    name = heavy_module("fakeheavy_importlib", 0.8)
    run = runner.run_cases(lambda x: (importlib.import_module(name), np.maximum(x, 0))[1], grader.cases("relu")[:2], timeout=0.3)
    assert [o.status for o in run.outcomes] == ["ok", "ok"], [o.message for o in run.outcomes]


def test_a_heavy_import_then_an_endless_loop_is_stopped_and_says_so(heavy_module):
    name = heavy_module("fakeheavy_loop", 0.6)

    def relu(x):
        __import__(name)
        while True:
            pass
    run = runner.run_cases(relu, grader.cases("relu")[:2], timeout=0.3)
    assert run.outcomes[0].status == "timeout"
    assert "not counting" in run.outcomes[0].message and "importing" in run.outcomes[0].message
    assert name in sys.modules  # the import finished: the kernel is not poisoned


def test_a_heavy_import_off_the_main_thread_is_not_interrupted(heavy_module):
    import threading
    name = heavy_module("fakeheavy_thread", 0.8)
    box = {}

    def relu(x):
        __import__(name)
        return np.maximum(x, 0)
    t = threading.Thread(target=lambda: box.setdefault("run", runner.run_cases(relu, grader.cases("relu")[:2], timeout=0.3)))
    t.start()
    t.join(20)
    assert [o.status for o in box["run"].outcomes] == ["ok", "ok"], [o.message for o in box["run"].outcomes]


def test_an_import_that_hangs_is_stopped_after_the_grace(heavy_module, monkeypatch):
    monkeypatch.setattr(tol, "IMPORT_GRACE", 0.5)
    name = heavy_module("fakeheavy_hang", 30)
    run = runner.run_cases(lambda x: __import__(name), grader.cases("relu")[:1], timeout=0.2)
    assert run.outcomes[0].status == "timeout" and "while importing" in run.outcomes[0].message


# ---------------------------------------------------------------- family: feedback that misleads

def test_a_misconception_right_on_cases_the_student_fails_is_not_named():
    def to_basis(B, x):  # wrong on single points only
        Binv = np.linalg.inv(B)
        return Binv.T @ x if np.ndim(x) == 1 else x @ Binv.T
    result = grader.grade("to_basis", to_basis)
    assert "the batch multiplied on the wrong side" not in result.misconceptions
    assert result.misconceptions == ["inv(B).T applied to a single point"]


def test_a_tiny_error_is_described_relative_to_the_tolerance_and_printed_so_it_shows():
    def relu(x):  # an error of 3e-5, invisible at 4 digits, above the tolerance of the public case
        return np.maximum(x, 0) + 3e-5 * (np.asarray(x) > 0)
    result = grader.grade("relu", relu)
    assert result.score < 1
    assert "times the tolerance" in result.feedback and "too small to show" in result.feedback
    lines = result.feedback.splitlines()
    expected = next(i for i, l in enumerate(lines) if l.strip().startswith("expected:"))
    got = next(i for i, l in enumerate(lines) if l.strip().startswith("got:"))
    assert lines[expected + 1:got] != lines[got + 1:got + 1 + (got - expected - 1)]  # the printouts differ


def test_grading_stays_fast(reference_copy):
    for name in grader.NAMES:
        fn = getattr(reference_copy, name)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            assert grader.grade(name, fn).score == 1.0
            times.append(time.perf_counter() - start)
        assert sorted(times)[1] < 0.2, (name, times)
