"""Figures of lesson 2: ReLU keeps the first orthant of the current basis and clamps the rest onto its faces.

These helpers ship to learners, so they compute no exercise's answer: a figure
that shows one is handed the learner's result (``Y=``, ``codes=``, ``mask=``,
``G=``) or function (``code=``, ``count=``, ``fn=``). Before an exercise, a figure
draws what needs no answer: points coloured by the signs of their coordinates
(a pair of booleans, not the orthant code), the kept region from its
inequalities, a hand-set example.
"""
import matplotlib.pyplot as plt
import numpy as np

from actspace.plotting.bases import draw_basis, fmt, panels, rotate_shear_basis, shade_cone, vec
from actspace.plotting.common import COLORS, plane

KEPT = COLORS["kept"]  # the yellow of "what ReLU keeps"
# one colour per quadrant, keyed by its sign pair (x1 > 0, x2 > 0): the colours of lesson 1's quadrants
SIGN_COLORS = {(False, False): "#CC79A7", (True, False): "#D55E00", (False, True): "#0072B2", (True, True): "#009E73"}
# the four quadrants of the map in section 2, written out by hand: its code, its corner, its words
QUADRANTS = ((0, (-1, -1), "x1 ≤ 0, x2 ≤ 0"), (1, (1, -1), "x1 > 0, x2 ≤ 0"),
             (2, (-1, 1), "x1 ≤ 0, x2 > 0"), (3, (1, 1), "x1 > 0, x2 > 0"))
CODE_COLORS = {code: SIGN_COLORS[(sx > 0, sy > 0)] for code, (sx, sy), _ in QUADRANTS}  # for the learner's codes
UNIT_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00")
W_LAYER = np.array([[1.0, 1.0], [-1.0, 2.0]])  # the layer of sections 3 to 5 of the lesson


def lattice(lim=2.5, n=11):
    """(n * n, 2): an evenly spaced square of points."""
    g = np.linspace(-lim, lim, n)
    return np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)


def _code_scatter(ax, P, codes, s=18, **kw):
    """The points P (n, 2), each in the colour of its quadrant code (the learner's codes, 0 to 3)."""
    for k in sorted(CODE_COLORS):
        m = codes == k
        if m.any():
            ax.scatter(*P[m].T, color=CODE_COLORS[k], s=s, zorder=6, ec="white", lw=0.4, **kw)


def _in_quadrant(S, signs):
    """(n,) booleans: the rows of the sign pairs S (n, 2) equal to `signs`, a pair of booleans."""
    return (S[:, 0] == signs[0]) & (S[:, 1] == signs[1])


def _sign_scatter(ax, P, S, s=18, **kw):
    """The points P (n, 2), each in the colour of its sign pair, the row of S (n, 2) booleans."""
    for signs, color in SIGN_COLORS.items():
        m = _in_quadrant(S, signs)
        if m.any():
            ax.scatter(*P[m].T, color=color, s=s, zorder=6, ec="white", lw=0.4, **kw)


def clamp(X, Y, axes=None, lim=3.0):
    """Points X before ReLU and their images Y after: the kept quadrant stays put, the others slide onto its edges.

    Y is given: a hand-set example before the exercise, the learner's relu(X) after it.
    """
    X, Y = np.asarray(X, float), np.asarray(Y, float)  # (n, 2), (n, 2) the images
    axes = axes or panels(2)
    S = X > 0  # (n, 2) the sign pair of each point: its quadrant
    for ax in axes:
        plane(ax, lim=lim)
        ax.fill([0, 2 * lim, 2 * lim, 0], [0, 0, 2 * lim, 2 * lim], color=KEPT, alpha=0.6, lw=0, zorder=0.5)
        ax.set(xlabel="$x_1$", ylabel="$x_2$")
    moved = np.linalg.norm(Y - X, axis=1) > 1e-9
    axes[0].quiver(*X[moved].T, *(Y - X)[moved].T, angles="xy", scale_units="xy", scale=1, width=0.004,
                   color="#888888", alpha=0.7, zorder=4)
    _sign_scatter(axes[0], X, S)
    axes[0].set_title(f"before: {len(X)} points, coloured by quadrant\narrows: where ReLU sends them", fontsize=11)
    where = {(True, True): "stay", (False, True): "→ the x2 axis", (True, False): "→ the x1 axis",
             (False, False): "→ the origin"}
    for signs, words in where.items():
        m = _in_quadrant(S, signs)
        if m.any():
            axes[1].scatter(*Y[m].T, color=SIGN_COLORS[signs], s=22, zorder=6, ec="white", lw=0.4, alpha=0.8,
                            label=f"{m.sum()} point{'s' if m.sum() > 1 else ''} {words}")
    axes[1].legend(loc="lower left", fontsize=9, framealpha=0.95)
    n_origin = int(np.sum(np.all(np.abs(Y) < 1e-9, axis=1)))
    axes[1].set_title(f"after ReLU: all {len(Y)} points are still there\n"
                      f"({n_origin} of them on top of each other at 0)", fontsize=11)
    return axes


def orthant_map(X=None, codes=None, ax=None, lim=3.0):
    """The four quadrants with their codes; the points X (if given) coloured by `codes`, the learner's codes of X."""
    if X is not None:
        if codes is None:
            raise TypeError("orthant_map: with points X, pass codes= (your orthant_code(X)) to colour them")
        X, codes = np.asarray(X, float), np.asarray(codes).astype(int)  # (n, 2), (n,)
    ax = plane(ax, lim=lim)
    for k, (sx, sy), words in QUADRANTS:
        color, alpha = (KEPT, 0.6) if k == 3 else (CODE_COLORS[k], 0.12)
        ax.fill([0, sx * 2 * lim, sx * 2 * lim, 0], [0, 0, sy * 2 * lim, sy * 2 * lim], color=color,
                alpha=alpha, lw=0, zorder=0.5)
        ax.text(sx * lim / 2, sy * lim * 0.82, f"code {k} = 0b{k:02b}\n{words}", ha="center",
                va="center", fontsize=9.5, color="black" if k == 3 else CODE_COLORS[k], zorder=7,
                bbox=dict(fc="white", ec="none", alpha=0.75, pad=1.5))
    if X is not None:
        _code_scatter(ax, X, codes)
    ax.set(xlabel="$x_1$ (bit 0, value 1)", ylabel="$x_2$ (bit 1, value 2)")
    ax.set_title("orthant codes: bit i is set iff $x_i > 0$\nReLU keeps the yellow one, code 0b11", fontsize=11)
    return ax


def kept_fraction(rng, dims=range(1, 11), n=20000, ax=None):
    """How often a Gaussian point lies in the first orthant of R^d: one orthant in 2^d."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
    dims = np.asarray(list(dims))
    frac = [np.mean(np.all(rng.normal(size=(n, d)) > 0, axis=1)) for d in dims]
    ax.bar(dims, frac, color=KEPT, ec="#8c6d00", label=f"measured on {n} Gaussian points")
    ax.plot(dims, 0.5 ** dims, "o-", color="black", ms=4, lw=1.2, label="$2^{-d}$")
    ax.set_yscale("log")
    ax.set(xlabel="d (units of the layer)", ylabel="share of points left unchanged", xticks=dims)
    ax.legend(fontsize=9)
    ax.set_title("ReLU on $\\mathbb{R}^d$ leaves a point alone in only 1 orthant of $2^d$", fontsize=11)
    return ax


def kept_polygon(W, b, lim=3.0):
    """(k, 2): the corners of {x : W x + b >= 0} inside the square view [-lim, lim]^2 (empty if none)."""
    W, b = np.asarray(W, float), np.asarray(b, float)
    P = 1.02 * lim * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float)
    for w, c in zip(W, b):  # clip the polygon by the half-plane w . x + c >= 0 (Sutherland-Hodgman)
        if len(P) == 0:
            break
        s = P @ w + c  # (k,) signed values at the corners
        out = []
        for i in range(len(P)):
            j = (i + 1) % len(P)
            if s[i] >= 0:
                out.append(P[i])
            if (s[i] >= 0) != (s[j] >= 0):
                out.append(P[i] + s[i] / (s[i] - s[j]) * (P[j] - P[i]))
        P = np.array(out).reshape(-1, 2)
    return P


def _unit_lines(W, b, ax, lim, labels=True, target=None):
    """The lines w_i . x + b_i = 0 where unit i switches, with a tick pointing to its 'on' side (near `target`)."""
    for i, (w, c) in enumerate(zip(np.asarray(W, float), np.asarray(b, float))):
        nw = np.linalg.norm(w)
        if nw < 1e-12:
            continue
        color = UNIT_COLORS[i % len(UNIT_COLORS)]
        p0, d = -c * w / nw ** 2, np.array([-w[1], w[0]]) / nw  # closest point to 0, direction of the line
        t = np.array([-4 * lim, 4 * lim])
        ax.plot(*(p0 + np.outer(t, d)).T, color=color, lw=1.8, zorder=3)
        # a tick towards the 'on' side: at the point nearest `target`, else part-way along the visible line
        ts = np.linspace(-3 * lim, 3 * lim, 601)
        inside = np.all(np.abs(p0 + np.outer(ts, d)) < 0.7 * lim, axis=1)
        if labels and inside.any():
            t_in = ts[inside]
            t = t_in[0] + (0.85 if i % 2 == 0 else 0.15) * (t_in[-1] - t_in[0])
            if target is not None:  # the point of the line closest to `target`, kept inside the view
                t = np.clip((np.asarray(target) - p0) @ d, t_in[0], t_in[-1])
            q = p0 + t * d
            u = w / nw  # points to the 'on' side
            tick = q - 0.75 * d
            ax.annotate("", xy=tick + 0.45 * u, xytext=tick, zorder=4,
                        arrowprops=dict(arrowstyle="-|>", color=color, lw=1.5))
            angle = np.degrees(np.arctan2(d[1], d[0]))
            angle = angle - 180 if angle > 90 else angle + 180 if angle <= -90 else angle
            ax.text(*(q + 0.25 * d + 0.25 * u), f"unit {i + 1} on", color=color, fontsize=9, ha="center",
                    va="center", rotation=angle, rotation_mode="anchor", zorder=7,
                    bbox=dict(fc="white", ec="none", alpha=0.7, pad=0.5))
    return ax


def layer_kept(W, b, X=None, mask=None, ax=None, lim=3.0, labels=True, title=None):
    """The inputs a layer relu(W x + b) leaves unchanged: where every unit is on, W x + b >= 0 (yellow).

    The points X (if given) are filled where `mask`, the learner's kept_mask(W, b, X), says they are kept.
    """
    if X is not None:
        if mask is None:
            raise TypeError("layer_kept: with points X, pass mask= (your kept_mask(W, b, X)) to mark the kept ones")
        X, mask = np.asarray(X, float), np.asarray(mask, bool)  # (n, 2), (n,)
    ax = plane(ax, lim=lim)
    W, b = np.asarray(W, float), np.asarray(b, float)
    P = kept_polygon(W, b, lim)
    if len(P):
        ax.fill(*P.T, color=KEPT, alpha=0.6, lw=0, zorder=0.5)
    _unit_lines(W, b, ax, lim, labels, target=P.mean(0) if len(P) else None)
    head = "kept by relu(W x + b): W x + b ≥ 0"
    if X is not None:
        ax.scatter(*X[mask].T, color="black", s=14, zorder=6)
        ax.scatter(*X[~mask].T, facecolor="none", ec="#888888", s=14, zorder=6)
        head = f"kept (filled): {mask.sum()} of {len(X)} points"
    if W.shape == (2, 2) and abs(np.linalg.det(W)) > 1e-9:
        apex = np.linalg.solve(W, -b)  # where every unit sits exactly at 0
        ax.plot(*apex, "o", color="black", ms=6, zorder=7)
        ax.annotate("apex $-W^{-1}b$", apex, xytext=(0, -14), textcoords="offset points", ha="center",
                    va="top", fontsize=9, zorder=8, bbox=dict(fc="white", ec="none", alpha=0.85, pad=1))
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(title or f"{head}\nW: {fmt(W)}, b = {vec(b)}", fontsize=10.5)
    return ax


def bias_slider(ax=None, b1=0.5, b2=-0.5, W=W_LAYER, lim=3.0):
    """The kept region of relu(W x + b) for the bias (b1, b2): moving b slides the cone, never turns it."""
    return layer_kept(W, np.array([b1, b2]), ax=ax, lim=lim)


def _sides(B, X):
    """(n, 2) booleans: is x on b1's side of the line along b2, on b2's side of the line along b1?

    That is the sign pair of x's coordinates in the basis B (n, 2 columns), read off the two lines.
    """
    cross = lambda u, V: u[0] * V[..., 1] - u[1] * V[..., 0]  # u x v, for each row v of V
    b1, b2 = B[:, 0], B[:, 1]
    return np.stack([cross(b2, X) * cross(b2, b1) > 0, cross(b1, X) * cross(b1, b2) > 0], axis=1)


def in_basis(B, X, Y=None, ax=None, lim=3.0):
    """ReLU in basis B: the cone spanned by b1 and b2, and the points X coloured by the quadrant of B they lie in.

    With Y, the learner's relu_in_basis(B, X), arrows show where the points go: along B's grid lines onto the cone.
    """
    B, X = np.asarray(B, float), np.asarray(X, float)
    Y = None if Y is None else np.asarray(Y, float)  # (n, 2) the images
    ax = draw_basis(B, ax=ax, lim=lim)
    shade_cone(B, ax)
    if Y is not None:
        moved = np.linalg.norm(Y - X, axis=1) > 1e-9
        ax.quiver(*X[moved].T, *(Y - X)[moved].T, angles="xy", scale_units="xy", scale=1, width=0.004,
                  color="#888888", alpha=0.7, zorder=4)
    _sign_scatter(ax, X, _sides(B, X), s=16)
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    arrows = "\narrows: where your relu_in_basis sends them" if Y is not None else ""
    ax.set_title(f"ReLU in basis {fmt(B, 'b')}\ncolour: quadrant of the coordinates c = B⁻¹x{arrows}",
                 fontsize=10.5)
    return ax


def basis_slider(ax=None, angle=20.0, shear=-0.4, lim=3.0, *, fn):
    """ReLU in a basis you turn and shear, by the learner's fn = relu_in_basis: the kept cone turns with the basis."""
    B, P = rotate_shear_basis(angle, shear), lattice(2.5, 9)
    return in_basis(B, P, Y=fn(B, P), ax=ax, lim=lim)


def cone_confusion(W, G=None, ax=None, lim=3.0):
    """{x : W x >= 0} (yellow), between the units' lines, is not the cone of the columns of W (hatched).

    With G, the learner's kept_cone(W), its columns are drawn: they should run along the yellow cone's edges.
    """
    W = np.asarray(W, float)
    G = None if G is None else np.asarray(G, float)  # (2, 2) one generator per column
    ax = plane(ax, lim=lim)
    P = kept_polygon(W, np.zeros(2), lim)  # the truth, from the inequalities alone
    ax.fill(*P.T, color=KEPT, alpha=0.6, lw=0, zorder=0.5, label="{x : W x ≥ 0}")
    _unit_lines(W, np.zeros(2), ax, lim, labels=False)  # its edges lie on these lines
    for i in range(2):
        ax.plot([], [], color=UNIT_COLORS[i], lw=1.8, label=f"unit {i + 1} switches: $w_{i + 1} \\cdot x = 0$")
    shade_cone(W, ax, color="none", alpha=1.0, hatch="///", ec="#CC79A7", label="cone of W's columns")
    for j in range(2):
        ax.annotate("", xy=W[:, j], xytext=(0, 0), zorder=5, arrowprops=dict(arrowstyle="-|>", color="#CC79A7", lw=2.5))
    ax.plot([], [], color="#CC79A7", lw=2.5, label="columns of $W$")
    if G is not None:
        for j in range(G.shape[1]):
            g = G[:, j] / max(np.linalg.norm(G[:, j]), 1e-12)
            ax.annotate("", xy=2.2 * g, xytext=(0, 0), zorder=6,
                        arrowprops=dict(arrowstyle="-|>", color="#009E73", lw=2.5))
            ax.plot([0, 2.9 * lim * g[0]], [0, 2.9 * lim * g[1]], color="black", lw=2, ls=":", zorder=6)
        ax.plot([], [], color="#009E73", lw=2.5, label="columns of your kept_cone(W)\n(scaled), dotted: their rays")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    last = ("green (yours) should span the yellow cone" if G is not None
            else "its edges lie on the units' lines")
    ax.set_title(f"W: {fmt(W)}\npink (W's own columns) does not span the yellow cone;\n{last}", fontsize=10.5)
    return ax


REGION_COLORS = ("#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9", "#f7c6e0", "#b2dfdb",
                 "#e6d3b3", "#cfd8dc")  # light tints, no yellow: yellow is kept for "all units on"


def _region_colors(img, k):
    """(k, 3) a light colour per region: all different while they last, never the same as a neighbour's."""
    touch = set()
    for a, b in ((img[:, 1:], img[:, :-1]), (img[1:], img[:-1])):
        m = a != b
        touch |= set(zip(a[m].tolist(), b[m].tolist()))
    colors = []
    for r in range(k):
        taken = {colors[o] for o in range(r) if (r, o) in touch or (o, r) in touch}
        free = [c for c in range(len(REGION_COLORS)) if c not in taken] or list(range(len(REGION_COLORS)))
        colors.append(min(free, key=colors.count))  # the least used colour no neighbour has
    return np.array([plt.matplotlib.colors.to_rgb(REGION_COLORS[c]) for c in colors])


def linear_regions(W, b, code, ax=None, lim=3.0, res=400):
    """The plane cut by the switching lines of h units; one colour per on/off pattern (yellow: all on).

    `code` is the learner's orthant_code: the code of a pixel's pre-activations names its pattern.
    """
    W, b = np.asarray(W, float), np.asarray(b, float)
    g = np.linspace(-lim, lim, res)
    P = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)  # (res^2, 2) pixel centres
    Z = P @ W.T + b  # (res^2, h) the pre-activations
    codes = np.asarray(code(Z)).reshape(-1)  # (res^2,) the learner's code of each pixel's pattern
    if ax is None:
        _, ax = plt.subplots(figsize=(6.2, 4.6), layout="constrained")
    ax = plane(ax, lim=lim)
    uniq, first, idx = np.unique(codes, return_index=True, return_inverse=True)
    img = idx.reshape(res, res)  # region index per pixel
    on = Z[first] > 0  # (regions, h) the on/off pattern of one pixel of each region
    colors = _region_colors(img, len(uniq))
    kept = 0.6 * np.array(plt.matplotlib.colors.to_rgb(KEPT)) + 0.4  # the yellow at alpha 0.6, as elsewhere
    colors[on.all(axis=1)] = kept  # all units on: what the layer keeps
    ax.imshow(colors[img], origin="lower", extent=(-lim, lim, -lim, lim), zorder=0, interpolation="nearest")
    _unit_lines(W, b, ax, lim, labels=False)
    for r in range(len(uniq)):  # write each pattern (unit 1 first) near the middle of its region
        m = img == r
        if m.sum() > 0.01 * res * res:
            i, j = np.argwhere(m).mean(0)
            ax.text(g[int(j)], g[int(i)], "".join("1" if u else "0" for u in on[r]), fontsize=8, ha="center",
                    va="center", zorder=5, family="monospace")
    for i in range(len(W)):
        ax.plot([], [], color=UNIT_COLORS[i % len(UNIT_COLORS)], lw=1.8, label=f"unit {i + 1}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, title="switching lines",
              title_fontsize=9)
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(f"{len(W)} units cut the view into linear regions,\ntold apart by your orthant_code of W x + b\n"
                 f"label: which units are on, unit 1 first; yellow: all on", fontsize=10.5)
    return ax


def region_counts(W, b, count, ax=None, lim=8.0, res=300):
    """Regions of the first h units, for h = 1..len(W), counted by the learner's count_activation_patterns.

    About h^2/2 on the plane, far below the 2^h patterns.
    """
    W, b = np.asarray(W, float), np.asarray(b, float)
    g = np.linspace(-lim, lim, res)
    P = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)  # (res^2, 2)
    hs = np.arange(1, len(W) + 1)
    n = [int(count(W[:h], b[:h], P)) for h in hs]  # the learner's counts, before any axes
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
    ax.plot(hs, 2.0 ** hs, "--", color="#999999", label="$2^h$ on/off patterns")
    ax.plot(hs, 1 + hs + hs * (hs - 1) / 2, "-", color="black", lw=1.2,
            label="$1 + h + h(h-1)/2$, most possible on a plane")
    ax.plot(hs, n, "o", color="#D55E00", ms=7, label="regions your count_activation_patterns finds")
    ax.set_yscale("log")
    ax.set(xlabel="h (units)", ylabel="linear regions", xticks=hs)
    ax.legend(fontsize=9)
    ax.set_title("h lines cut a plane into about $h^2/2$ pieces", fontsize=11)
    return ax


def where_it_stops(axes=None, lim=3.0):
    """Three layers on the plane whose kept region is not a cone spanned by two vectors."""
    axes = axes or panels(3)
    cases = [
        (W_LAYER, np.array([0.5, -0.5]),
         "square, invertible: a cone with 2 edges\nspanned by the columns of $W^{-1}$"),
        (np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([0.5, -1.0]),
         "square, singular (rank 1): a half-plane\nno $W^{-1}$, no apex: it holds a whole line"),
        (np.array([[0.0, 1.0], [-0.87, -0.5], [0.87, -0.5]]), np.array([1.0, 1.0, 1.0]),
         "3 units on a 2-D input: a triangle\nbounded, 3 edges: not a cone at all"),
    ]
    for ax, (W, b, title) in zip(axes, cases):
        layer_kept(W, b, ax=ax, lim=lim, title=title)
    return axes
