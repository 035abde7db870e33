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
