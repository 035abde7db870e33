"""Figures of lesson 4: attention re-bases the values and mixes them with the attention weights.

Row convention, as in the lesson: one token per row of X, weights multiply from the
right (V = X @ W_v). No exercise's answer is computed here: no softmax, no attention
pattern, no head, no OV circuit. Figures that need one take it, or the learner's
``softmax`` / ``attention_pattern`` / ``attention_head`` / ``ov_circuit`` /
``multi_head_attention``, as an argument (the lesson calls them inside
``needs(...)``); the others draw given patterns (the lesson's hand-set ``A_given``)
and plain products.
Helpers that draw one panel take ``ax=None`` and return the axis; helpers that draw
several take ``axes=None`` and return them.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Polygon

from actspace.plotting.common import COLORS, square_limits, arrow, basis_grid, plane

# colour-blind friendly (Okabe-Ito): one colour per token, and the roles
TOKENS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999", "#000000"]
HULL = "#dddddd"
WRITES = "#cab2d6"  # the subspace a head writes into
NAIVE = "#d55e00"
STABLE = "#0072b2"


def _axes(axes, nrows, ncols, figsize):
    if axes is None:
        _, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained")
    return np.asarray(axes).ravel()


def _colour(i):
    return TOKENS[i % len(TOKENS)]


def _turn(o, a, b):
    """> 0 when o -> a -> b turns left (counter-clockwise)."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(P):
    """The corners of the convex hull of points P (n, 2), counter-clockwise (Andrew's monotone chain)."""
    P = sorted(map(tuple, np.asarray(P, float)))
    if len(P) < 3:
        return np.array(P)

    def half(points):
        out = []
        for p in points:
            while len(out) >= 2 and _turn(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out[:-1]

    return np.array(half(P) + half(P[::-1]))  # (k, 2)


def _scaled_scores(scores):
    """The scale t (m,) and the scores t s (m, k) of the overflow figures."""
    t = np.logspace(0, 4, 400)  # (m,)
    return t, t[:, None] * np.asarray(scores, float)[None, :]


def _naive_weights(ax, t, S, s):
    """exp(t s) / sum exp(t s), orange and dashed, with the band where it is nan shaded."""
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)  # nan once exp overflows
    for k in range(S.shape[1]):
        ax.semilogx(t, naive[:, k], color=NAIVE, lw=1.2, ls="--", label="exp(t s) / sum exp(t s)" if k == 0 else None)
    broken = t[np.isnan(naive).any(axis=1)]
    if broken.size:
        ax.axvspan(broken[0], t[-1], color=NAIVE, alpha=0.1)
        ax.text(broken[0] * 1.15, 0.5, f"naive form: nan\nfor t > {broken[0]:.0f}\n(exp(t · {s.max():g}) = inf)",
                color=NAIVE, fontsize=9)
    ax.set_xlabel("scale t of the scores t · s")
    ax.set_ylabel("weight")
    ax.set_ylim(-0.05, 1.05)
    ax.grid(alpha=0.3)
    return ax


def softmax_overflow(scores=(2.0, 1.0, 0.5, -1.0), axes=None):
    """The scores t s for a growing scale t. Left: the naive weights exp(t s) / sum exp(t s) break (nan) at
    t s > 709. Right: the shifted scores t s - max t s, all <= 0 and the largest exactly 0, so their
    exponentials lie in [0, 1] for every t. No softmax here: the learner's is drawn by `softmax_stable`."""
    s = np.asarray(scores, float)  # (k,)
    t, S = _scaled_scores(s)  # (m,), (m, k)
    shifted = S - S.max(axis=1, keepdims=True)  # (m, k), <= 0
    axes = _axes(axes, 1, 2, (11, 3.8))
    _naive_weights(axes[0], t, S, s)
    axes[0].set_title("naive weights: break once exp overflows", fontsize=10)
    axes[0].legend(fontsize=8, loc="center left")
    ax = axes[1]
    for k in range(len(s)):
        ax.semilogx(t, shifted[:, k], color=STABLE, lw=2, alpha=0.7,
                    label="t s$_j$ - max$_k$ t s$_k$" if k == 0 else None)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.axhspan(-1e6, -745, color="#999999", alpha=0.2, label="below -745: exp underflows to 0 (harmless)")
    ax.set_ylim(shifted.min() * 2, 1.0)
    ax.set_xlabel("scale t of the scores t · s")
    ax.set_ylabel("shifted score (symlog)")
    ax.set_title("shifted scores: all ≤ 0, the largest exactly 0,\nso exp of each lies in [0, 1]", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    return axes


def softmax_stable(softmax, scores=(2.0, 1.0, 0.5, -1.0), ax=None):
    """The learner's softmax(t s) (blue) over the naive weights (orange) for a growing scale t: the two agree
    where the naive form works, and the learner's stays finite where it breaks."""
    s = np.asarray(scores, float)  # (k,)
    t, S = _scaled_scores(s)  # (m,), (m, k)
    stable = np.asarray(softmax(S, axis=1), float).reshape(S.shape)  # the learner's, before any axes
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    for k in range(len(s)):
        ax.semilogx(t, stable[:, k], color=STABLE, lw=2.5, alpha=0.45,
                    label="your softmax(t s)" if k == 0 else None)
    _naive_weights(ax, t, S, s)
    ax.set_title(f"scores t · s, s = {tuple(float(v) for v in s)}: your softmax and the naive form", fontsize=10)
    ax.legend(fontsize=8, loc="center left")
    return ax


def weight_bars(weights, labels=None, ax=None, title="softmax weights"):
    """Several weight vectors (rows of `weights`) as grouped bars, one group per entry."""
    W = np.atleast_2d(np.asarray(weights, float))  # (m, k)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    m, k = W.shape
    width = 0.8 / m
    shades = plt.cm.Blues(np.linspace(0.35, 0.95, m))
    for r in range(m):
        ax.bar(np.arange(k) + (r - (m - 1) / 2) * width, W[r], width, color=shades[r],
               label=None if labels is None else labels[r])
    ax.set_xticks(np.arange(k))
    ax.set_xlabel("entry")
    ax.set_ylabel("weight")
    ax.set_ylim(0, 1.05)
    ax.set_title(title, fontsize=11)
    if labels is not None:
        ax.legend(fontsize=8)
    return ax


def heatmap(A, ax=None, title="attention pattern A", annotate=True):
    """An (n, n) pattern as a heat map: row i = what token i reads, column j = how much token j is read."""
    A = np.asarray(A, float)  # (n, n)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4))
    im = ax.imshow(A, cmap="Blues", vmin=0, vmax=1)
    n = A.shape[0]
    if annotate and n <= 10:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{A[i, j]:.2f}", ha="center", va="center",
                        fontsize=8, color="white" if A[i, j] > 0.55 else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("key j (is read)")
    ax.set_ylabel("query i (reads)")
    ax.set_title(title, fontsize=11)
    plt.colorbar(im, ax=ax, shrink=0.75)
    return ax


def patterns(A, A_causal, axes=None):
    """A pattern without (left) and with (right) the causal mask, e.g. the learner's attention_pattern's."""
    axes = _axes(axes, 1, 2, (8.8, 3.9))
    heatmap(A, ax=axes[0], title="A: every token reads every token")
    heatmap(A_causal, ax=axes[1], title="causal A: no reading ahead (j > i)")
    return axes


def tokens(X, ax=None, name="x", hull=True, size=60, label_points=True):
    """The rows of X (n, 2) as coloured points (one colour per token), optionally with their convex hull."""
    X = np.asarray(X, float)
    ax = plane(ax)
    if hull and len(X) >= 3:
        ax.add_patch(Polygon(convex_hull(X), closed=True, facecolor=HULL, edgecolor="#999999", lw=1, zorder=0.5))
    for i, x in enumerate(X):
        ax.scatter(*x, s=size, color=_colour(i), edgecolor="black", lw=0.6, zorder=4)
        if label_points:
            ax.annotate(f"${name}_{i}$", x, xytext=(5, 5), textcoords="offset points", fontsize=10, zorder=5)
    return ax


def outputs(Z, ax=None, name="z", size=70, label_points=True):
    """Output rows Z (n, 2) as diamonds in the colour of their token."""
    Z = np.asarray(Z, float)
    ax = ax or plane()
    for i, z in enumerate(Z):
        ax.scatter(*z, s=size, marker="D", color=_colour(i), edgecolor="black", lw=0.8, zorder=6)
        if label_points:
            ax.annotate(f"${name}_{i}$", z, xytext=(5, -12), textcoords="offset points", fontsize=9, zorder=6)
    return ax


def place_labels(ax, groups, radius=11.0, fontsize=9.5):
    """Label points without collisions: ``groups`` is a list of (points (n, 2), name); point i gets $name_i$.

    Call it once the view limits are final. Each label goes to the one of 12 directions around its
    point that lies farthest (on screen) from every point and every label already placed.
    """
    pts = []
    for P, name in groups:  # points that coincide share one label, "$z_{0,1,2}$"
        P = np.asarray(P, float)
        used = np.zeros(len(P), bool)
        for i in range(len(P)):
            if used[i]:
                continue
            same = np.flatnonzero(~used & (np.abs(P - P[i]).max(axis=1) < 1e-6 * (1 + np.abs(P).max())))
            used[same] = True
            idx = str(i) if len(same) == 1 else "{" + ",".join(map(str, same)) + "}"
            pts.append((P[i], f"${name}_{idx}$"))
    screen = ax.transData.transform(np.array([p for p, _ in pts]))  # (m, 2) pixels
    dpi_scale = ax.figure.dpi / 72.0
    angles = np.deg2rad(np.arange(0, 360, 30) + 15)
    taken = list(screen)
    for (p, text), s in zip(pts, screen):
        best, best_gap = None, -1.0
        for a in angles:
            off = radius * np.array([np.cos(a), np.sin(a)])
            c = s + off * dpi_scale * 1.3
            gap = min(np.linalg.norm(c - t) for t in taken)
            if gap > best_gap:
                best, best_gap = off, gap
        taken.append(s + best * dpi_scale * 1.3)
        ax.annotate(text, p, xytext=best, textcoords="offset points", fontsize=fontsize, zorder=8,
                    ha="left" if best[0] > 2 else "right" if best[0] < -2 else "center",
                    va="bottom" if best[1] > 2 else "top" if best[1] < -2 else "center",
                    bbox=dict(fc="white", ec="none", alpha=0.6, pad=0.2))
    return ax


def rebasing(X, W_v, axes=None):
    """Left: the tokens on the standard grid. Right: V = X W_v, the same coordinates on the grid of W_v's rows.

    Row i of X W_v is x_i1 (row 1 of W_v) + x_i2 (row 2 of W_v): each token keeps its coordinates,
    only the basis changes (the basis vectors are the rows of W_v, the columns of W_v^T).
    """
    X, W_v = np.asarray(X, float), np.asarray(W_v, float)  # (n, 2), (2, 2)
    V = X @ W_v  # (n, 2)
    axes = _axes(axes, 1, 2, (9, 4.4))
    lim = 1.1 * max(np.abs(X).max(), np.abs(V).max())
    for ax, P, B, name, title in ((axes[0], X, np.eye(2), "x", "X: tokens in the standard basis"),
                                  (axes[1], V, W_v.T, "v", "V = X W$_v$: the same coordinates, basis = rows of W$_v$")):
        plane(ax, lim=lim)
        basis_grid(B, ax=ax, lim=lim, n=int(4 * lim) + 2)
        tokens(P, ax=ax, name=name, hull=False)
        arrow(B[:, 0], ax=ax, color=COLORS["e1"], label="$e_1$" if name == "x" else "row 1")
        arrow(B[:, 1], ax=ax, color=COLORS["e2"], label="$e_2$" if name == "x" else "row 2")
        ax.set_title(title, fontsize=10)
    return axes


def hull_and_outputs(V, Z, A=None, ax=None, title="outputs inside the hull of the values", view=None, names=("v", "z")):
    """The value rows V (n, 2) with their convex hull (grey) and the outputs Z = A V (diamonds) inside it.

    With A given, thin lines join each output to the values it reads, thicker for larger weights.
    """
    V, Z = np.asarray(V, float), np.asarray(Z, float)
    ax = plane(ax)
    if A is not None:
        A = np.asarray(A, float)
        for i in range(len(Z)):
            for j in range(len(V)):
                if A[i, j] > 0.02:
                    ax.plot(*np.stack([Z[i], V[j]]).T, color=_colour(i), lw=3 * A[i, j], alpha=0.5, zorder=2)
    tokens(V, ax=ax, name=names[0], label_points=False)
    outputs(Z, ax=ax, name=names[1], label_points=False)
    if view is None:
        square_limits(ax, [V, Z], pad=0.15, origin=True)
    else:
        ax.set_xlim(-view, view)
        ax.set_ylim(-view, view)
    place_labels(ax, [(V, names[0]), (Z, names[1])])
    ax.set_title(title, fontsize=11)
    return ax


def mixing(X, W_q, W_k, W_v, pattern, head, beta=1.0, ax=None):
    """Z = A V with A = softmax(beta Q K^T / sqrt(d_k)): beta -> 0 sends every output to the mean of the values,
    a large beta sends each output to the one value it reads most.

    ``pattern`` is an attention_pattern(X, W_q, W_k) and ``head`` an attention_head(X, W_q, W_k, W_v)
    (the learner's); beta scales the logits through W_q. The pattern draws the lines, the head the outputs.
    """
    X, W_q, W_k, W_v = (np.asarray(a, float) for a in (X, W_q, W_k, W_v))
    A = np.asarray(pattern(X, beta * W_q, W_k), float)  # (n, n)
    Z = np.asarray(head(X, beta * W_q, W_k, W_v), float)  # (n, 2)
    V = X @ W_v  # (n, 2)
    view = 1.15 * np.abs(V).max()
    return hull_and_outputs(V, Z, A, ax=ax, view=view,
                            title=f"logits × {beta:g}: outputs $z_i$ in the hull of the $v_j$")


def commuting_square(X, A, W_v, axes=None):
    """Mix then re-base, or re-base then mix: A (X W_v) = (A X) W_v, drawn as a square of four panels."""
    X, A, W_v = (np.asarray(a, float) for a in (X, A, W_v))
    axes = _axes(axes, 2, 2, (8.2, 8))
    panels = [(X, "X: the tokens", "x"), (X @ W_v, "→ re-base (right): V = X W$_v$", "v"),
              (A @ X, "↓ mix (left): A X", "c"), (A @ (X @ W_v), "Z = A (X W$_v$) = (A X) W$_v$", "z")]
    lim = 1.1 * max(np.abs(P).max() for P, _, _ in panels)
    for ax, (P, title, name) in zip(axes, panels):
        plane(ax, lim=lim)
        tokens(P, ax=ax, name=name, hull=True, size=45)
        ax.set_title(title, fontsize=10)
    Z2 = (A @ X) @ W_v
    axes[3].scatter(Z2[:, 0], Z2[:, 1], marker="x", s=90, color="black", lw=1.2, zorder=7, label="(A X) W$_v$")
    axes[3].scatter([], [], s=45, color="white", edgecolor="black", label="A (X W$_v$)")
    axes[3].legend(fontsize=8, loc="upper left")
    return axes


def ov_writes(X, A, W_v, W_o, ov, ax=None):
    """A head with d_head = 1: its output A X W_OV lies on the line of W_o's row, whatever the tokens.

    ``A`` is a given pattern (the lesson's hand-set A_given), ``ov`` the learner's ov_circuit(W_v, W_o).
    """
    X, A, W_v, W_o = (np.asarray(a, float) for a in (X, A, W_v, W_o))  # (n, 2), (n, n), (2, 1), (1, 2)
    W_ov = np.asarray(ov(W_v, W_o), float).reshape(X.shape[1], W_o.shape[1])  # (2, 2), the learner's
    out = A @ X @ W_ov  # (n, 2)
    ax = plane(ax)
    tokens(X, ax=ax, hull=False, size=35)
    u = W_o[0] / np.linalg.norm(W_o[0])
    ax.plot(*np.stack([-10 * u, 10 * u]).T, color=WRITES, lw=6, zorder=1,
            label="span of W$_o$: where the head can write")
    outputs(out, ax=ax, name="o")
    square_limits(ax, [X, out], pad=0.15, origin=True)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("X → A X W$_{OV}$, your W$_{OV}$ (rank 1)", fontsize=11)
    return ax


def heads_sum(X, W_q, W_k, W_v, W_o, mha, axes=None):
    """Each head's output A_h X W_v[h] W_o[h] (left panels) and what the layer writes (right): the heads add up.

    ``mha`` is a multi_head_attention(X, W_q, W_k, W_v, W_o) (the learner's): each head's part is it run
    on that head's weights alone, the right panel it run on all the heads.
    """
    X = np.asarray(X, float)
    W_q, W_k, W_v, W_o = (np.asarray(W, float) for W in (W_q, W_k, W_v, W_o))
    H = W_q.shape[0]
    parts = [np.asarray(mha(X, W_q[h:h + 1], W_k[h:h + 1], W_v[h:h + 1], W_o[h:h + 1]), float)
             for h in range(H)]  # H x (n, 2)
    total = np.asarray(mha(X, W_q, W_k, W_v, W_o), float)  # (n, 2)
    axes = _axes(axes, 1, H + 1, (3.6 * (H + 1), 3.9))
    lim = 1.15 * max(np.abs(P).max() for P in parts + [total])
    for h, (ax, P) in enumerate(zip(axes, parts)):
        plane(ax, lim=lim)
        for k in range(W_o.shape[1]):
            u = W_o[h, k] / np.linalg.norm(W_o[h, k])
            ax.plot(*np.stack([-10 * u, 10 * u]).T, color=WRITES, lw=5, zorder=1)
        outputs(P, ax=ax, name="o", label_points=False)
        place_labels(ax, [(P, "o")])
        ax.set_title(f"head {h}: A$_{h}$ X W$_v$[{h}] W$_o$[{h}]", fontsize=10)
    ax = plane(axes[H], lim=lim)
    for i, z in enumerate(total):
        o = np.zeros(2)
        for h, P in enumerate(parts):
            ax.annotate("", xy=o + P[i], xytext=o, arrowprops=dict(arrowstyle="-|>", color=_colour(i), lw=1,
                                                                  ls="-" if h == 0 else ":"))
            o = o + P[i]
    outputs(total, ax=ax, name="o", label_points=False)
    place_labels(ax, [(total, "o")])
    ax.set_title("the sum: head 0 (solid) + head 1 (dotted)" if H == 2 else "the sum of the heads", fontsize=10)
    return axes


def residual_update(X, U, ax=None, title="each token plus what the heads write"):
    """Tokens X (dots) moved to X + U (diamonds): what attention adds to the residual stream."""
    X, U = np.asarray(X, float), np.asarray(U, float)  # (n, 2) each
    ax = plane(ax)
    tokens(X, ax=ax, hull=False)
    for i in range(len(X)):
        ax.annotate("", xy=X[i] + U[i], xytext=X[i],
                    arrowprops=dict(arrowstyle="-|>", color=_colour(i), lw=1.2, shrinkA=3, shrinkB=3))
    outputs(X + U, ax=ax, name="y")
    square_limits(ax, [X, X + U], pad=0.15, origin=True)
    ax.set_title(title, fontsize=11)
    return ax


def not_linear(X, W_q, W_k, W_v, pattern, head, c=2.0, axes=None):
    """The pattern of X and of c X differ (logits scale by c^2), so Z(c X) is not c Z(X).

    ``pattern`` is an attention_pattern(X, W_q, W_k) and ``head`` an attention_head(X, W_q, W_k, W_v)
    (the learner's): the pattern draws the heat maps, the head the outputs.
    """
    X, W_q, W_k, W_v = (np.asarray(a, float) for a in (X, W_q, W_k, W_v))
    A1, A2 = np.asarray(pattern(X, W_q, W_k), float), np.asarray(pattern(c * X, W_q, W_k), float)
    Z = _head_pair(head, X, W_q, W_k, W_v, c)  # the learner's, before any axes
    axes = _axes(axes, 1, 3, (13, 4.1))
    heatmap(A1, ax=axes[0], title="pattern of X")
    heatmap(A2, ax=axes[1], title=f"pattern of {c:g} X: sharper")
    _draw_scaled(X, W_v, c, Z, axes[2])
    return axes


def _head_pair(head, X, W_q, W_k, W_v, c):
    """(Z(X), Z(c X)) from the learner's attention_head."""
    return np.asarray(head(X, W_q, W_k, W_v), float), np.asarray(head(c * X, W_q, W_k, W_v), float)


def scaled(X, W_q, W_k, W_v, head, c=2.0, ax=None):
    """c Z(X) (the linear guess, hollow) against Z(c X) (the head, filled), inside the hull of c X W_v.

    ``head`` is an attention_head(X, W_q, W_k, W_v) (the learner's).
    """
    X, W_q, W_k, W_v = (np.asarray(a, float) for a in (X, W_q, W_k, W_v))
    return _draw_scaled(X, W_v, c, _head_pair(head, X, W_q, W_k, W_v, c), ax)


def _draw_scaled(X, W_v, c, Z, ax):
    """The panel of `scaled`, from Z = (Z(X), Z(c X)) already computed."""
    guess, actual = c * Z[0], Z[1]
    V = c * X @ W_v  # (n, 2)
    ax = plane(ax)
    ax.add_patch(Polygon(convex_hull(V), closed=True, facecolor=HULL, edgecolor="#999999", lw=1, zorder=0.5))
    for i in range(len(V)):
        ax.annotate("", xy=actual[i], xytext=guess[i],
                    arrowprops=dict(arrowstyle="-|>", color=_colour(i), lw=1.2, shrinkA=4, shrinkB=4), zorder=3)
        ax.scatter(*guess[i], s=70, marker="D", facecolor="white", edgecolor=_colour(i), lw=1.5, zorder=4)
    outputs(actual, ax=ax)
    ax.scatter([], [], s=60, marker="D", facecolor="white", edgecolor="black", label=f"{c:g} · Z(X): linear guess")
    ax.scatter([], [], s=60, marker="D", color="grey", edgecolor="black", label=f"Z({c:g} X): what the head does")
    gap = np.abs(actual - guess).max()
    square_limits(ax, [V, guess, actual], pad=0.15, origin=True)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"scale the input by {c:g}: largest gap {gap:.2f}", fontsize=11)
    return ax


def collapse_limit(X, W_q, W_k, W_v, pattern, head, betas=np.linspace(0.0, 3.0, 61), axes=None):
    """Where "for a given pattern, a change of basis" stops: the mixing A itself can collapse.

    Left: the pattern at zero logits (infinite temperature): every row uniform, rank 1.
    Middle: then every output is the mean of the values, one point. Right: the singular values of
    A against the logit factor beta: all but one fall to 0 as beta -> 0 (the causal running
    average, lower triangular with a positive diagonal, stays invertible: the lesson says so in words).
    ``pattern`` is an attention_pattern(X, W_q, W_k) and ``head`` an attention_head(X, W_q, W_k, W_v)
    (the learner's); beta scales the logits through W_q.
    """
    X, W_q, W_k, W_v = (np.asarray(a, float) for a in (X, W_q, W_k, W_v))
    A0 = np.asarray(pattern(X, 0.0 * W_q, W_k), float)  # (n, n), every entry 1/n
    Z0 = np.asarray(head(X, 0.0 * W_q, W_k, W_v), float)  # (n, 2), every row the mean of the values
    sv = np.array([np.linalg.svd(np.asarray(pattern(X, b * W_q, W_k), float), compute_uv=False)
                   for b in betas])  # (k, n); the learner's functions all run before any axes
    axes = _axes(axes, 1, 3, (13.5, 4.3))
    heatmap(A0, ax=axes[0], title=f"A at logits × 0: every row uniform\nrank {np.linalg.matrix_rank(A0)}")
    V = X @ W_v
    hull_and_outputs(V, Z0, A0, ax=axes[1], view=1.15 * np.abs(V).max(),
                     title="so every output $z_i$ is the mean:\nsix tokens on one point")
    ax = axes[2]
    for i in range(sv.shape[1]):
        ax.semilogy(betas, np.maximum(sv[:, i], 1e-17), color="#0072b2" if i == 0 else "#999999", lw=1.5)
    ax.plot([], [], color="#0072b2", label="largest (always 1)")
    ax.plot([], [], color="#999999", label="the other five")
    ax.set(xlabel="logit factor β (1 / temperature)", ylabel="singular values of A", ylim=(1e-17, 3),
           title="the mixing loses rank as β → 0")
    ax.legend(fontsize=8, loc="lower right")
    return axes
