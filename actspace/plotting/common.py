"""Small drawing pieces every lesson uses: a plane, arrows, a basis grid."""
import matplotlib.pyplot as plt
import numpy as np

COLORS = {"e1": "#d62728", "e2": "#1f77b4", "kept": "#ffd92f", "data": "#444444", "grid": "#bbbbbb"}


def plane(ax=None, lim=3.0, title=None):
    """A square, equal-aspect view of the plane with the axes drawn through the origin."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.axhline(0, color="black", lw=0.8, zorder=1)
    ax.axvline(0, color="black", lw=0.8, zorder=1)
    if title:
        ax.set_title(title)
    return ax


def arrow(v, ax=None, origin=(0.0, 0.0), color="black", label=None, lw=2.0):
    """The vector v drawn as an arrow from `origin`, optionally labelled at its tip."""
    ax = ax or plane()
    v, o = np.asarray(v, float), np.asarray(origin, float)
    ax.annotate("", xy=o + v, xytext=o, arrowprops=dict(arrowstyle="-|>", color=color, lw=lw), zorder=5)
    if label:
        ax.text(*(o + 1.08 * v), label, color=color, fontsize=11, ha="center", va="center", zorder=6)
    return ax


def basis_grid(B, ax=None, lim=3.0, n=7, color=COLORS["grid"], lw=0.8):
    """The coordinate grid of basis B (columns): lines c_1 = k and c_2 = k for integer k."""
    ax = ax or plane(lim=lim)
    B = np.asarray(B, float)
    t = np.linspace(-4 * lim, 4 * lim, 2)
    for k in range(-n, n + 1):
        for i in (0, 1):
            line = np.outer(t, B[:, 1 - i]) + k * B[:, i]  # points k b_i + t b_j
            ax.plot(line[:, 0], line[:, 1], color=color, lw=lw, zorder=0)
    return ax


def square_limits(ax, points, pad=0.1, origin=False):
    """Square, equal-aspect limits around every array in `points` (and the origin if asked)."""
    parts = [np.asarray(p, float).reshape(-1, 2) for p in points] + ([np.zeros((1, 2))] if origin else [])
    P = np.concatenate(parts)
    lo, hi = P.min(axis=0), P.max(axis=0)
    c, r = (lo + hi) / 2, max((hi - lo).max() / 2, 1e-3) * (1 + pad)
    ax.set_xlim(c[0] - r, c[0] + r)
    ax.set_ylim(c[1] - r, c[1] + r)
    ax.set_aspect("equal")
    return ax
