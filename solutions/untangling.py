"""Lesson 6: stacked layers expand and untangle the data.

Each layer re-bases and clamps; measured layer by layer, the activations use
more directions (participation ratio) and the classes become linearly
separable (linear-probe accuracy).
"""
import numpy as np


def mlp_activations(X, weights, biases):
    """[X, H_1, ..., H_L] with H_l = relu(H_{l-1} W_l^T + b_l): the data after every layer."""
    H = np.asarray(X, float)  # (n, d_0)
    layers = [H]
    for W, b in zip(weights, biases):  # W: (d_l, d_{l-1}), b: (d_l,)
        H = np.maximum(H @ np.asarray(W, float).T + np.asarray(b, float), 0.0)  # (n, d_l)
        layers.append(H)
    return layers


def pca_project(H, k):
    """The centred rows of H in coordinates of its top-k principal directions."""
    H = np.asarray(H, float)  # (n, d)
    Hc = H - H.mean(axis=0)  # PCA describes spread around the mean
    _, _, Vt = np.linalg.svd(Hc, full_matrices=False)  # rows of Vt: directions by variance
    return Hc @ Vt[:k].T  # (n, k)


def participation_ratio(H):
    """(sum lambda)^2 / sum lambda^2 over covariance eigenvalues: how many directions the cloud really uses."""
    H = np.asarray(H, float)  # (n, d)
    lam = np.linalg.eigvalsh(np.cov(H, rowvar=False).reshape(H.shape[1], H.shape[1]))  # (d,)
    lam = np.clip(lam, 0.0, None)  # round-off can make zero eigenvalues slightly negative
    return float(lam.sum() ** 2 / np.sum(lam ** 2))


def linear_probe_accuracy(H, y):
    """Training accuracy of a least-squares linear classifier on [H, 1] with targets 2y - 1."""
    H, y = np.asarray(H, float), np.asarray(y)  # (n, d), (n,) in {0, 1}
    A = np.hstack([H, np.ones((H.shape[0], 1))])  # (n, d + 1): the 1 is the bias
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)  # (d + 1,)
    return float(np.mean((A @ w > 0) == (y == 1)))
