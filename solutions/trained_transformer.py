"""Lesson 7: the course's claims measured on a trained two-layer transformer.

Row convention of lessons 4-5. An attention pattern A (n, n) has one row per
reading token; an OV circuit W_v W_o re-bases what a head reads; the
residual stream's rows are points of R^d_model whose spread we measure.
"""
import numpy as np


def previous_token_score(A):
    """Mean of A[i, i - 1] over i >= 1: how much each token reads the token just before it."""
    A = np.asarray(A, float)  # (n, n)
    return float(np.mean(np.diag(A, k=-1)))  # the first sub-diagonal, (n - 1,)


def prefix_matching_score(A, tokens):
    """Mean over positions i with an earlier copy of tokens[i] of the attention on the tokens that followed the copies."""
    A, tokens = np.asarray(A, float), np.asarray(tokens)  # (n, n), (n,)
    n = len(tokens)
    target = np.zeros((n, n), bool)  # target[i, j]: tokens[j - 1] == tokens[i], j <= i
    target[:, 1:] = tokens[None, :-1] == tokens[:, None]
    target &= np.tril(np.ones((n, n), bool))
    rows = target.any(axis=1)  # (n,): the positions that have something to look up
    if not rows.any():
        return 0.0
    return float(np.mean(np.sum(A * target, axis=1)[rows]))


def copying_score(W_E, W_v, W_o, W_U):
    """sum(lambda) / sum(|lambda|) over the eigenvalues of W_E W_v W_o W_U: +1 when the head copies tokens."""
    M = np.asarray(W_E, float) @ np.asarray(W_v, float) @ np.asarray(W_o, float) @ np.asarray(W_U, float)  # (vocab, vocab)
    lam = np.linalg.eigvals(M)  # (vocab,), complex in general
    return float(np.sum(lam).real / np.sum(np.abs(lam)))


def subspace_variance_share(H, B):
    """Share of the centred rows' variance inside the span of the columns of B: |Hc P|^2 / |Hc|^2."""
    H, B = np.asarray(H, float), np.asarray(B, float)  # (n, d), (d, k)
    Hc = H - H.mean(axis=0)  # spread around the mean
    P = B @ np.linalg.pinv(B)  # (d, d): the orthogonal projector onto the span of B's columns
    return float(np.sum((Hc @ P) ** 2) / np.sum(Hc ** 2))
