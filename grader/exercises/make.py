"""Random inputs for the cases: well-conditioned bases, batches, layers whose outputs straddle zero."""
import numpy as np


def basis(rng, d, max_cond=8.0):
    """A random invertible (d, d) matrix with condition number below `max_cond`."""
    while True:
        B = rng.normal(size=(d, d))
        if np.linalg.cond(B) < max_cond:
            return B


def contraction(rng, d, norm=0.8):
    """A random (d, d) matrix with spectral norm exactly `norm` (< 1)."""
    W = rng.normal(size=(d, d))
    return W * (norm / np.linalg.norm(W, 2))


def points(rng, n, d, scale=1.0):
    """A batch (n, d) of standard normal points."""
    return scale * rng.normal(size=(n, d))


def straddling_bias(rng, W, X):
    """A bias that puts the layer's outputs on both sides of zero for the batch X."""
    Z = X @ W.T  # (n, d_out)
    return -np.median(Z, axis=0) + 0.1 * rng.normal(size=W.shape[0])


def off_kinks(rng, W, b, X, margin=1e-3):
    """X with every row whose pre-activation W x + b lies within `margin` of 0 nudged off that kink.

    Keeps sign tests (> 0, >= 0) stable under any order of summation, even in float32; rows
    already clear are unchanged.
    """
    X = np.array(X, float)  # (n, d_in)
    while True:
        bad = np.any(np.abs(X @ W.T + b) < margin, axis=1)  # (n,)
        if not bad.any():
            return X
        X[bad] += 10 * margin * rng.normal(size=(int(bad.sum()), X.shape[1]))


def rotation(rng, d):
    """A random orthogonal (d, d) matrix: its columns are an orthonormal basis of R^d."""
    Q, R = np.linalg.qr(rng.normal(size=(d, d)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)  # (d, d), signs fixed so Q is uniform


def cloud(rng, n, scales, mean=0.0):
    """(n, d) points, n > d, spread with (population) standard deviation exactly `scales[i]` along the i-th of d random orthogonal directions, around `mean`."""
    scales = np.asarray(scales, float)  # (d,)
    Z = rng.normal(size=(n, scales.size))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))  # (n, d): orthonormal, mean-zero columns
    return np.sqrt(n) * Q * scales @ rotation(rng, scales.size).T + mean  # (n, d)


def heads(rng, h, d_model, d_head, scale=1.0):
    """Per-head weights (row convention): W_q, W_k, W_v of shape (h, d_model, d_head), W_o (h, d_head, d_model)."""
    W_q, W_k, W_v = (scale * rng.normal(size=(h, d_model, d_head)) / np.sqrt(d_model) for _ in range(3))
    W_o = scale * rng.normal(size=(h, d_head, d_model)) / np.sqrt(d_head)
    return W_q, W_k, W_v, W_o
