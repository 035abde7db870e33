"""Figures of lesson 3: a skip connection adds a cone to its input and keeps the input's geometry.

No exercise's answer is computed here: no residual block, no branch, no inverse.
Figures that need one take the learner's function as an argument (``block`` is
the learner's ``residual_block(X, W, b) = X + relu(X W^T + b)``, ``invert`` the
learner's ``invert_residual(y, W, b, n_steps)``), and call it before they make
their axes; the lesson calls them inside ``needs(...)``. The plain layer
relu(W x + b) is the block's branch, ``block(X, W, b) - X``. Helpers that draw
one panel take ``ax=None`` and return the axis; helpers that draw several take
``axes=None`` and return them.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import ListedColormap
from matplotlib.patches import Polygon
from matplotlib.path import Path

from actspace.plotting.common import COLORS, square_limits, arrow, plane

# colour-blind friendly (Okabe-Ito), on top of COLORS from common
BRANCH = "#009e73"  # the branch's basis (columns of W2)
KEPT_CELL = "#a6cee3"  # a grid cell that keeps its orientation
FLIPPED = "#e66101"  # a grid cell turned inside out (det J < 0)
COVERED_TWICE = "#5e3c99"  # an output reached from two inputs


def _run(block, X, W, b):
    """The learner's block on a batch X (n, d), as floats of X's shape."""
    return np.asarray(block(X, W, b), float).reshape(np.shape(X))


def _branch(block, X, W, b):
    """relu(X W^T + b), the plain layer, read off the learner's block as block(X, W, b) - X."""
    return _run(block, X, W, b) - X


def _axes(axes, nrows, ncols, figsize):
    if axes is None:
        _, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained")
    return np.asarray(axes)


def grid_lines(lim=2.0, n=9, m=80):
    """A square grid as polylines: (n, m, 2) lines along e1 (x2 fixed) and (n, m, 2) along e2 (x1 fixed)."""
    k, t = np.linspace(-lim, lim, n), np.linspace(-lim, lim, m)
    along_e1 = np.stack([np.broadcast_to(t, (n, m)), np.broadcast_to(k[:, None], (n, m))], axis=-1)  # (n, m, 2)
    along_e2 = along_e1[..., ::-1]  # (n, m, 2)
    return along_e1, along_e2


def draw_grid(along_e1, along_e2, ax=None, lw=1.1, alpha=0.9):
    """Two families of polylines: red ones started along e1, blue ones along e2."""
    ax = ax or plane()
    ax.add_collection(LineCollection(list(along_e1), colors=COLORS["e1"], lw=lw, alpha=alpha, zorder=2))
    ax.add_collection(LineCollection(list(along_e2), colors=COLORS["e2"], lw=lw, alpha=alpha, zorder=2))
    return ax


def _map_lines(f, lines):
    """Apply a batch map f to (k, m, 2) polylines."""
    k, m, d = lines.shape
    return f(lines.reshape(-1, d)).reshape(k, m, d)


def cone(vectors, ax=None, origin=(0.0, 0.0), reach=10.0, color=COLORS["kept"], alpha=0.55, label=None):
    """The first orthant of two vectors, {a u + b v : a, b >= 0}, shaded from `origin` (u, v in the columns)."""
    ax = ax or plane()
    V = np.asarray(vectors, float)  # (2, 2), columns u, v
    o = np.asarray(origin, float)
    u, v = V[:, 0] / np.linalg.norm(V[:, 0]), V[:, 1] / np.linalg.norm(V[:, 1])
    ax.add_patch(Polygon([o, o + reach * u, o + reach * (u + v), o + reach * v], closed=True,
                         facecolor=color, edgecolor="none", alpha=alpha, zorder=0.5, label=label))
    return ax


def skip_plus_branch(x, W1, b1, W2, block, ax=None, lim=3.0):
    """One point: y = x + W2 c with c = relu(W1 x + b1) >= 0, so y lies in the cone of W2's columns placed at x.

    ``block`` is the learner's residual_block: the branch's activations are c = block(x, W1, b1) - x
    (W1 square, h = d = 2, as in the lesson's figure).
    """
    x, W1, b1, W2 = (np.asarray(a, float) for a in (x, W1, b1, W2))  # (2,), (2, 2), (2,), (2, 2)
    c = _branch(block, x[None], W1, b1)[0]  # (2,), >= 0
    y = x + W2 @ c  # (2,)
    ax = plane(ax, lim=lim)
    cone(W2, ax=ax, origin=x, label="x + first orthant of $W_2$")
    arrow(x[0] * np.array([1.0, 0.0]), ax=ax, color=COLORS["e1"], lw=1.8)
    arrow(x[1] * np.array([0.0, 1.0]), ax=ax, origin=(x[0], 0.0), color=COLORS["e2"], lw=1.8)
    arrow(c[0] * W2[:, 0], ax=ax, origin=x, color=BRANCH, lw=2.2)
    arrow(c[1] * W2[:, 1], ax=ax, origin=x + c[0] * W2[:, 0], color=BRANCH, lw=2.2)
    ax.plot(*x, "o", color=COLORS["data"], ms=7, zorder=6)
    ax.plot(*y, "*", color="black", ms=15, zorder=6)
    ax.annotate("x", x, xytext=(-18, -4), textcoords="offset points", fontsize=13)
    ax.annotate("y", y, xytext=(7, 4), textcoords="offset points", fontsize=13)
    ax.text(0.03, 0.03, f"skip: x = {x[0]:g} e$_1$ + {x[1]:g} e$_2$  (red, blue)\n"
            f"branch: {c[0]:.2f} w$_1$ + {c[1]:.2f} w$_2$  (green, c $\\geq$ 0)",
            transform=ax.transAxes, fontsize=9, va="bottom",
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.85))
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title("one point: y = [I, W$_2$] @ [x, c]", fontsize=11)
    return ax


def shift_field(W1, b1, W2, block, ax=None, lim=3.0, n=7, shrink=0.5):
    """Arrows x -> x + shrink (y - x), y = x + W2 relu(W1 x + b1), over a grid: every shift points into the cone of W2.

    ``block`` is the learner's residual_block: the branch's activations are block(X, W1, b1) - X.
    """
    W1, b1, W2 = (np.asarray(a, float) for a in (W1, b1, W2))
    g = np.linspace(-lim * 0.8, lim * 0.8, n)
    X = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)  # (n*n, 2)
    S = _branch(block, X, W1, b1) @ W2.T  # (n*n, 2), the shifts y - x
    ax = plane(ax, lim=lim)
    cone(W2, ax=ax, alpha=0.45, label="first orthant of $W_2$ (at 0)")
    for k in range(2):
        arrow(W2[:, k], ax=ax, color="black", lw=1.2, label=f"$w_{k + 1}$")
    moved = np.linalg.norm(S, axis=1) > 1e-9
    ax.quiver(X[moved, 0], X[moved, 1], S[moved, 0], S[moved, 1], angles="xy", scale_units="xy", scale=1 / shrink,
              color=BRANCH, width=0.007, zorder=3)
    ax.plot(X[:, 0], X[:, 1], ".", color=COLORS["data"], ms=5, zorder=4)
    ax.set_title("many points: each shift y - x is in the cone", fontsize=11)
    if shrink != 1:
        ax.set_xlabel(f"arrows y - x drawn at {shrink:g} of their length", fontsize=9)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    return ax


def decomposition(x, W1, b1, W2, block, axes=None):
    """Both views of y = x + W2 relu(W1 x + b1): one point taken apart (left), the shifts of many points (right).

    ``block`` is the learner's residual_block (its branch with W1 gives the activations c).
    """
    _branch(block, np.asarray(x, float)[None], np.asarray(W1, float), np.asarray(b1, float))  # waits before any axes
    axes = _axes(axes, 1, 2, (10, 4.9)).ravel()
    skip_plus_branch(x, W1, b1, W2, block, ax=axes[0])
    shift_field(W1, b1, W2, block, ax=axes[1])
    return axes


def random_stack(rng, depth, d=2, bias=0.5):
    """`depth` layers (W, b): W a random rotation or reflection (spectral norm 1), b of scale `bias`."""
    Ws, bs = [], []
    for _ in range(depth):
        Q, R = np.linalg.qr(rng.normal(size=(d, d)))
        Ws.append(Q * np.sign(np.diag(R)))  # (d, d), orthogonal
        bs.append(bias * rng.normal(size=d))  # (d,)
    return Ws, bs


def _cells(along_e1):
    """The grid's cells as quadrilaterals (k, 4, 2), from the lines along e1 sampled at the crossings."""
    n = along_e1.shape[0]
    P = along_e1[:, np.linspace(0, along_e1.shape[1] - 1, n).astype(int)]  # (n, n, 2) crossings
    return np.stack([P[:-1, :-1], P[:-1, 1:], P[1:, 1:], P[1:, :-1]], axis=2).reshape(-1, 4, 2)


def _signed_areas(Q):
    """Shoelace areas of quadrilaterals (k, 4, 2): negative when a cell is turned inside out."""
    x, y = Q[..., 0], Q[..., 1]
    return 0.5 * np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1)  # (k,)


def plain_vs_residual(Ws, bs, block, depths=(0, 1, 3, 10), branch_scale=0.35, axes=None, lim=2.0):
    """The same grid after k plain layers relu(W x + b) (top) and k residual blocks x + relu(s W x + s b) (bottom).

    ``block`` is the learner's residual_block; a plain layer is its branch, block(P, W, b) - P.
    Each panel zooms to its own points (the shape matters, not the size) and counts the grid cells
    that still have an area: a crushed cell is a region the layers can no longer tell apart.
    """
    e1, e2 = grid_lines(lim, n=9, m=9 * 16 - 15)
    area0 = _signed_areas(_cells(e1))
    stacks = (("plain", lambda P, W, b: _branch(block, P, W, b)),
              ("residual", lambda P, W, b: _run(block, P, branch_scale * W, branch_scale * b)))
    panels = []  # every stack run first: the learner's block before any axes
    for name, step in stacks:
        for k in depths:
            a, b = e1, e2
            for W, bias in zip(Ws[:k], bs[:k]):
                a = _map_lines(lambda P: step(P, W, bias), a)
                b = _map_lines(lambda P: step(P, W, bias), b)
            panels.append((name, k, a, b))
    axes = _axes(axes, 2, len(depths), (2.6 * len(depths), 5.8))
    for i, (name, k, a, b) in enumerate(panels):
        row, col = divmod(i, len(depths))
        ax = axes[row, col]
        draw_grid(a, b, ax=ax, lw=0.9)
        crossings = a[:, ::16].reshape(-1, 2)
        ax.plot(crossings[:, 0], crossings[:, 1], ".", color=COLORS["data"], ms=3, zorder=3)
        square_limits(ax, [a, b], pad=0.08)
        alive = np.mean(np.abs(_signed_areas(_cells(a))) > 1e-6 * np.abs(area0))
        ax.set_xlabel(f"{alive:.0%} of cells keep an area", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name}, {k} layer{'s' if k != 1 else ''}", fontsize=10)
    return axes


def grid_under(f, ax=None, lim=2.0, title="the grid after the block"):
    """The square grid pushed through a batch map f ((n, 2) -> (n, 2)), drawn over the faint original."""
    e1, e2 = grid_lines(lim)
    a, b = _map_lines(f, e1), _map_lines(f, e2)  # f (the learner's block) first, before any axes
    ax = plane(ax, lim=lim)
    draw_grid(e1, e2, ax=ax, lw=0.6, alpha=0.2)
    draw_grid(a, b, ax=ax)
    square_limits(ax, [e1, a, b], pad=0.05)
    ax.set_title(title, fontsize=11)
    return ax


# on/off patterns of the two units: none, one, both (yellow: ReLU keeps everything, as in lesson 2)
_PATTERN_COLORS = {0: "#d9d9d9", 1: "#a6d854", 2: COLORS["kept"]}


def _circle_images(block, W, b, lim, n, r, m=60):
    g = np.linspace(-lim, lim, n)
    centres = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)  # (k, 2)
    t = np.linspace(0, 2 * np.pi, m)
    ring = r * np.stack([np.cos(t), np.sin(t)], axis=-1)  # (m, 2)
    circles = centres[:, None, :] + ring[None]  # (k, m, 2)
    on = (_branch(block, centres, W, b) > 0).sum(axis=1)  # (k,) units on at the centre: relu(z) > 0 iff z > 0
    return circles, on


def local_circles(W, b, block, axes=None, lim=2.0, n=5, r=0.3):
    """Small circles (left), their images under relu(W x + b) (middle) and under x + relu(W x + b) (right).

    ``block`` is the learner's residual_block; the plain layer is its branch, block(P, W, b) - P.
    Near a point the layer acts as its Jacobian: D W for the plain layer (a unit that is off
    squashes the circle flat), I + D W for the residual block (it only stretches the circle).
    """
    W, b = np.asarray(W, float), np.asarray(b, float)
    circles, on = _circle_images(block, W, b, lim, n, r)
    panels = [("small circles, coloured by units on", circles),
              ("plain: J = D W", _map_lines(lambda P: _branch(block, P, W, b), circles)),
              ("residual: J = I + D W", _map_lines(lambda P: _run(block, P, W, b), circles))]
    axes = _axes(axes, 1, 3, (11, 3.9)).ravel()
    colours = [_PATTERN_COLORS[int(k)] for k in on]
    for ax, (title, shapes) in zip(axes, panels):
        ax.add_collection(PolyCollection(list(shapes), facecolors=colours, edgecolors=COLORS["data"],
                                         linewidths=0.7, zorder=2))
        # a circle squashed to a segment or a point has no area left: draw its outline thick, and its centre
        ax.add_collection(LineCollection(list(shapes), colors=colours, linewidths=3, zorder=3))
        centres = shapes.mean(axis=1)
        ax.plot(centres[:, 0], centres[:, 1], ".", color=COLORS["data"], ms=3, zorder=4)
        square_limits(ax, [shapes], pad=0.1)
        ax.set_title(title, fontsize=11)
        ax.grid(alpha=0.3)
    handles = [Polygon([[0, 0]], facecolor=c, edgecolor=COLORS["data"], label=f"{k} unit{'s' if k != 1 else ''} on")
               for k, c in _PATTERN_COLORS.items()]
    axes[0].legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
    return axes


def plane_points(lim=3.0, n=81):
    """An (n*n, 2) grid of points covering the square [-lim, lim]^2, row by row."""
    g = np.linspace(-lim, lim, n)
    return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)


def det_map(P, dets, ax=None, title="det J over the plane"):
    """Colour the points P (from plane_points) by the determinant of the Jacobian there (orange: below 0)."""
    P, dets = np.asarray(P, float), np.asarray(dets, float)  # (n*n, 2), (n*n,)
    n = int(round(np.sqrt(len(P))))
    lim = np.abs(P).max()
    ax = plane(ax, lim=lim)
    top = max(np.abs(dets).max(), 1e-9)
    im = ax.imshow(dets.reshape(n, n), origin="lower", extent=(-lim, lim, -lim, lim), cmap="PuOr",
                   vmin=-top, vmax=top, zorder=0)
    plt.colorbar(im, ax=ax, shrink=0.8, label="det J")
    ax.set_title(title, fontsize=11)
    return ax


def _iterates(invert, y, W, b, n_steps):
    """x_0, ..., x_{n_steps}: the learner's invert_residual stopped after t = 0, 1, ..., n_steps steps."""
    return np.array([np.asarray(invert(y, W, b, n_steps=t), float).reshape(np.shape(y))
                     for t in range(n_steps + 1)])  # (n_steps + 1, d)


def fixed_point(ys, W, b, invert, n_steps=30, axes=None):
    """Left: the iterates x_t walking from y to the x with x + relu(W x + b) = y. Right: their error, and ||W||^t.

    ``invert`` is the learner's invert_residual(y, W, b, n_steps): x_t is it stopped after t steps,
    the solution x it run for 200.
    x <- y - relu(W x + b) moves every error by at most ||W|| (ReLU never lengthens a difference),
    so with ||W|| < 1 the errors shrink at least geometrically.
    """
    ys, W, b = np.asarray(ys, float), np.asarray(W, float), np.asarray(b, float)  # (k, 2), (2, 2), (2,)
    runs = [(_iterates(invert, y, W, b, n_steps), np.asarray(invert(y, W, b, n_steps=200), float).reshape(y.shape))
            for y in ys]  # the learner's inverse first, before any axes
    axes = _axes(axes, 1, 2, (9.5, 4.2)).ravel()
    norm = np.linalg.norm(W, 2)
    ax = plane(axes[0])
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
    seen = []
    for k, (y, (path, x_star)) in enumerate(zip(ys, runs)):
        c = colours[k % len(colours)]
        seen.append(path)
        ax.plot(path[:, 0], path[:, 1], "-", color=c, lw=1, alpha=0.7)
        ax.plot(path[:, 0], path[:, 1], ".", color=c, ms=5)
        ax.plot(*y, "*", color=c, ms=13, mec="black", mew=0.6)
        ax.plot(*x_star, "o", color="white", mec=c, mew=2, ms=9)
        err = np.linalg.norm(path - x_star, axis=1)
        axes[1].semilogy(err + 1e-18, ".-", color=c, lw=1, ms=4)
        axes[1].semilogy(err[0] * norm ** np.arange(n_steps + 1), "--", color=c, lw=1, alpha=0.6)
    ax.plot([], [], "*", color="gray", ms=11, label="y (start: x$_0$ = y)")
    ax.plot([], [], "o", color="white", mec="gray", mew=2, ms=8, label="the x with x + relu(Wx+b) = y")
    square_limits(ax, seen, pad=0.35)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title("iterates x$_t$ of x ← y - relu(W x + b)", fontsize=11)
    axes[1].plot([], [], "k--", lw=1, label=f"bound ||W||$^t$ · error$_0$, ||W|| = {norm:.2f}")
    axes[1].plot([], [], "k.-", lw=1, label="error ||x$_t$ - x||")
    axes[1].set_ylim(1e-6, 1e1)
    axes[1].set_xlabel("step t")
    axes[1].set_title("the error shrinks at least like ||W||$^t$", fontsize=11)
    axes[1].legend(fontsize=8, loc="lower left")
    axes[1].grid(alpha=0.3, which="both")
    return axes


def round_trip(X, Y, X_back, ax=None, lim=3.0):
    """Points X (grey), their images Y under the block (green), and X_back recovered from Y (black crosses)."""
    X, Y, X_back = (np.asarray(a, float) for a in (X, Y, X_back))  # (n, 2) each
    ax = plane(ax, lim=lim)
    for x, y in zip(X, Y):
        ax.annotate("", xy=y, xytext=x, arrowprops=dict(arrowstyle="-|>", color=BRANCH, lw=0.8, alpha=0.6))
    ax.plot(X[:, 0], X[:, 1], "o", color=COLORS["grid"], ms=9, label="x")
    ax.plot(Y[:, 0], Y[:, 1], ".", color=BRANCH, ms=6, label="y = x + relu(W x + b)")
    ax.plot(X_back[:, 0], X_back[:, 1], "x", color="black", ms=6, label="your inverse of y")
    square_limits(ax, [X, Y, X_back], pad=0.12)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title("block, then your inverse: back where it started?", fontsize=11)
    return ax


def _cobweb(ax, t, g_t, xs, xlim, colour):
    """The cobweb of x_{t+1} = g(x_t): up to the graph of g (values g_t over t), across to the diagonal, and again."""
    xs = np.clip(np.asarray(xs, float), -1e3, 1e3)  # (n_steps + 1,)
    px = np.append(np.repeat(xs[:-1], 2), xs[-1])  # x_0, x_0, x_1, x_1, ...
    py = np.append(np.stack([xs[:-1], xs[1:]], axis=1).ravel(), xs[-1])  # x_0, x_1, x_1, x_2, ...
    ax.plot(t, g_t, color=colour, lw=2, label="g(x) = y - relu(w x + b)")
    ax.plot(t, t, color="black", lw=0.8, label="diagonal: g(x) = x")
    ax.plot(px, py, color=COLORS["data"], lw=0.9, alpha=0.8)
    ax.plot(xs[0], xs[0], "o", color=COLORS["data"], ms=5)
    ax.annotate("x$_0$ = y", (xs[0], xs[0]), xytext=(6, -12), textcoords="offset points", fontsize=9)
    ax.set_xlim(*xlim)
    ax.set_ylim(*xlim)
    ax.set_aspect("equal")
    ax.set_xlabel("x$_t$")
    ax.set_ylabel("x$_{t+1}$")
    ax.grid(alpha=0.3)
    return ax


def fold_1d(block, invert, w_small=-0.6, w_big=-1.6, b=1.0, y=0.3, axes=None, n_steps=25):
    """One unit, x + relu(w x + b). Left: with |w| < 1 the graph only rises (one x per y); with |w| > 1 it folds.

    Middle and right: the cobweb of x <- y - relu(w x + b), settling when |w| < 1, thrown out when |w| > 1.
    ``block`` and ``invert`` are the learner's residual_block and invert_residual, run with d = 1:
    the graphs are block(x) and g(x) = y - (block(x) - x), the iterates invert_residual stopped after t steps.
    """
    t = np.linspace(-3, 3, 400)
    T, yy, bb = t[:, None], np.array([y], float), np.array([b], float)  # (400, 1), (1,), (1,)
    runs = []  # the learner's functions first, before any axes
    for w in (w_small, w_big):
        W = np.array([[w]], float)  # (1, 1)
        graph = _run(block, T, W, bb)[:, 0]  # (400,), x + relu(w x + b)
        xs = _iterates(invert, yy, W, bb, n_steps)[:, 0]  # (n_steps + 1,)
        runs.append((graph, y - (graph - t), xs))
    axes = _axes(axes, 1, 3, (11.5, 3.9)).ravel()
    ax = axes[0]
    for w, c, (graph, _, _) in zip((w_small, w_big), (COLORS["e2"], FLIPPED), runs):
        ax.plot(t, graph, color=c, lw=2, label=f"x + relu({w:g} x + {b:g})")
    ax.axhline(y, color=COLORS["data"], lw=1, ls="--")
    ax.text(-2.9, y + 0.12, f"y = {y:g}", fontsize=9, color=COLORS["data"])
    ax.axhline(1.5, color=COLORS["data"], lw=1, ls=":")
    ax.text(-2.9, 1.62, "y = 1.5", fontsize=9, color=COLORS["data"])
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 4)
    ax.set_xlabel("x")
    ax.set_ylabel("block(x)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    ax.set_title("the block: rises, or folds", fontsize=11)
    _cobweb(axes[1], t, runs[0][1], runs[0][2], (-3, 3), COLORS["e2"])
    axes[1].set_title(f"w = {w_small:g}: the iterates settle", fontsize=11)
    _cobweb(axes[2], t, runs[1][1], runs[1][2], (-3, 3), FLIPPED)
    axes[2].set_title(f"w = {w_big:g}: no x exists, they run off", fontsize=11)
    axes[1].legend(fontsize=8, loc="upper left")
    return axes


def fold_2d(W0, b, block, scale=1.0, ax=None, lim=2.0, n=21, res=120):
    """Left: the grid, orange where x + relu(s W0 x + b) turns cells inside out (det J < 0). Right: after the block.

    ``block`` is the learner's residual_block.
    Right: each output point is coloured by how many input cells land on it (pale once, dark twice),
    with the flipped cells outlined: where the block folds the plane, two layers lie on each other.
    Draws two panels inside `ax` (so a slider can redraw it) and returns `ax`.
    """
    W, b = scale * np.asarray(W0, float), np.asarray(b, float)
    g = np.linspace(-lim, lim, n)
    P = np.stack(np.meshgrid(g, g), axis=-1)  # (n, n, 2), P[i, j] = (g[j], g[i])
    cells = np.stack([P[:-1, :-1], P[:-1, 1:], P[1:, 1:], P[1:, :-1]], axis=2).reshape(-1, 4, 2)  # (k, 4, 2)
    images = _run(block, cells.reshape(-1, 2), W, b).reshape(cells.shape)  # the learner's block, before any axes
    flipped = _signed_areas(images) < -1e-9 * _signed_areas(cells)
    colours = [FLIPPED if f else KEPT_CELL for f in flipped]
    e1, e2 = grid_lines(lim, n=9)
    moved = tuple(_map_lines(lambda Q: _run(block, Q, W, b), lines) for lines in (e1, e2))
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.4))
    ax.set_axis_off()
    before, after = ax.inset_axes([0.0, 0.0, 0.45, 0.9]), ax.inset_axes([0.55, 0.0, 0.45, 0.9])
    plane(before, lim=lim)
    before.add_collection(PolyCollection(list(cells), facecolors=colours, edgecolors="none", alpha=0.6, zorder=2))
    draw_grid(e1, e2, ax=before, lw=0.6, alpha=0.5)
    # after: how many layers of the plane cover each output point (1 pale, 2 dark): no see-through mud
    plane(after, lim=lim)
    square_limits(after, [images], pad=0.05)
    (x0, x1), (y0, y1) = after.get_xlim(), after.get_ylim()
    gx, gy = np.linspace(x0, x1, res), np.linspace(y0, y1, res)
    Q = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # (res*res, 2)
    count = np.zeros(len(Q), int)
    for quad in images:
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        near = np.flatnonzero(np.all((Q >= lo) & (Q <= hi), axis=1))
        if near.size:
            count[near] += Path(quad).contains_points(Q[near])
    cover = ListedColormap(["white", KEPT_CELL, COVERED_TWICE, COVERED_TWICE])
    after.imshow(np.minimum(count, 3).reshape(res, res), origin="lower", extent=(x0, x1, y0, y1), cmap=cover,
                 vmin=-0.5, vmax=3.5, interpolation="nearest", zorder=1, aspect="auto")
    after.add_collection(PolyCollection([q for q, f in zip(images, flipped) if f], facecolors="none",
                                        edgecolors=FLIPPED, lw=0.5, zorder=2))
    draw_grid(*moved, ax=after, lw=0.5, alpha=0.35)
    after.set_xlim(x0, x1)
    after.set_ylim(y0, y1)
    for panel in (before, after):
        panel.tick_params(labelsize=8)
    before.set_title("before: orange cells will flip", fontsize=10)
    after.set_title("after: pale = covered once, dark = twice\n(orange outlines: the flipped cells)", fontsize=9.5)
    norm = np.linalg.norm(W, 2)
    verdict = f"{flipped.mean():.0%} of cells turned inside out" if flipped.any() else "no cell turned inside out"
    ax.set_title(f"x + relu(W x + b) with ||W|| = {norm:.2f}: {verdict}", fontsize=11)
    return ax
