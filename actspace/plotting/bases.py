"""Figures of lesson 1: coordinates, bases, maps written in a basis, composition, collapse.

A basis is a (2, 2) matrix whose columns are the basis vectors; x = B c. These
helpers ship to learners, so they compute no exercise's answer: coordinates come
from the learner's ``to_basis`` (or a hand-set ``c``), a map's matrix in a basis,
a product of layers and a null space only from the learner's results (``M=``,
``N=``). Everything else is plain NumPy: multiplying, drawing.
"""
import matplotlib.pyplot as plt
import numpy as np

from actspace.plotting.common import COLORS, arrow, basis_grid, plane

B_NOTES = np.array([[2.0, 0.0], [-1.0, 2.0]])  # the basis of the notes: columns (2, -1) and (0, 2)
SHAPE = "#56B4E9"  # the input shape (sky blue)
IMAGE = "#E69F00"  # its image under a map (orange)
# one colour per quadrant code (Okabe-Ito): bit 0 = (c1 > 0), bit 1 = (c2 > 0); code 3 is the kept quadrant
QUADRANT_COLORS = {0: "#CC79A7", 1: "#D55E00", 2: "#0072B2", 3: "#009E73"}
WIDE, WIDER = (9.5, 4.6), (13.0, 4.6)  # figure sizes of two and three panels


def panels(n, figsize=None):
    """n square panels side by side; returns the list of axes."""
    _, axes = plt.subplots(1, n, figsize=figsize or (WIDE if n == 2 else WIDER), layout="constrained")
    return list(np.atleast_1d(axes))


def fmt(M, name=None):
    """A small matrix as its column vectors, the course's convention: "b1 = (2, -1), b2 = (0, 2)".

    With ``name`` (say "b"), the columns are named b1, b2, ...; without it the
    text reads "columns (2, -1), (0, 2)". Never numpy's rows: the columns are
    the basis vectors (or where the layer sends e1, e2, ...).
    """
    M = np.atleast_2d(np.asarray(M, float))
    cols = [vec(c) for c in M.T]
    if name:
        return ", ".join(f"{name}{i + 1} = {c}" for i, c in enumerate(cols))
    return "columns " + ", ".join(cols)


def vec(v):
    """A point as text: (1.5, -0.25)."""
    return "(" + ", ".join(f"{x:.3g}" for x in np.where(np.abs(v) < 5e-13, 0.0, v)) + ")"


def rotation(angle):
    """(2, 2): rotation by `angle` degrees."""
    t = np.deg2rad(angle)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def rotate_shear_basis(angle, shear):
    """(2, 2): the standard basis sheared (b2 = (shear, 1)), then rotated by `angle` degrees."""
    return rotation(angle) @ np.array([[1.0, shear], [0.0, 1.0]])


def letter_f(offset=(0.35, 0.3), scale=1.0):
    """(10, 2): the corners of a letter F, a shape that shows any flip, turn or stretch."""
    F = np.array([[0, 0], [0.3, 0], [0.3, 0.6], [0.75, 0.6], [0.75, 0.9], [0.3, 0.9],
                  [0.3, 1.2], [0.95, 1.2], [0.95, 1.5], [0, 1.5]], float)
    return scale * F + np.asarray(offset, float)


def draw_shape(P, ax, color=SHAPE, filled=True, label=None, alpha=0.75):
    """The closed polygon with corners P (k, 2), filled or as a dashed outline."""
    if filled:
        ax.fill(P[:, 0], P[:, 1], color=color, alpha=alpha, ec="black", lw=0.8, zorder=3, label=label)
    else:
        Q = np.vstack([P, P[:1]])
        ax.plot(Q[:, 0], Q[:, 1], color=color, lw=1.5, ls="--", zorder=3, label=label)
    return ax


def draw_basis(B, ax=None, lim=3.0, names=("b_1", "b_2"), grid=True, n=12):
    """The grid of basis B and its two basis vectors (B's columns) as arrows."""
    ax = plane(ax, lim=lim)
    B = np.asarray(B, float)
    if grid:
        basis_grid(B, ax=ax, lim=lim, n=n)
    for i, c in enumerate((COLORS["e1"], COLORS["e2"])):
        v, other = B[:, i], B[:, 1 - i]
        arrow(v, ax=ax, color=c, lw=2.2)
        away = v - (v @ other) / max(other @ other, 1e-12) * other  # the side away from the other vector
        tip = v + 0.32 * v / max(np.linalg.norm(v), 1e-12) + 0.18 * away / max(np.linalg.norm(away), 1e-12)
        ax.text(*tip, f"${names[i]}$", color=c, fontsize=12, ha="center", va="center", zorder=9,
                bbox=dict(fc="white", ec="none", alpha=0.85, pad=0.5))  # above any data point
    return ax


def shade_cone(G, ax, apex=(0.0, 0.0), color=COLORS["kept"], alpha=0.6, reach=60.0, **kw):
    """Fill the cone apex + {G c : c >= 0} spanned by the two columns of G (far enough to fill the view)."""
    G, o = np.asarray(G, float), np.asarray(apex, float)
    g1, g2 = (reach * G[:, i] / np.linalg.norm(G[:, i]) for i in (0, 1))
    P = np.array([o, o + g1, o + g1 + g2, o + g2])  # the cone, cut to a huge parallelogram
    ax.fill(P[:, 0], P[:, 1], facecolor=color, alpha=alpha, lw=0, zorder=0.5, **kw)
    return ax


def _path(ax, start, steps, colors):
    """Wide pale bands walking from `start` along `steps`: the recipe c1 b1 + c2 b2 of a point."""
    p = np.asarray(start, float)
    for step, c in zip(steps, colors):
        q = p + step
        ax.plot([p[0], q[0]], [p[1], q[1]], color=c, lw=7, alpha=0.3, solid_capstyle="butt", zorder=2)
        p = q
    return p


def coordinates(B, x, c, axes=None, lim=3.5):
    """One point, two recipes: x = x1 e1 + x2 e2 on the standard grid, and x = c1 b1 + c2 b2 on B's grid.

    ``c`` is given (worked out by hand, or the learner's ``to_basis(B, x)``); it must satisfy B c = x.
    """
    B, x, c = np.asarray(B, float), np.asarray(x, float), np.asarray(c, float)
    if not np.allclose(B @ c, x):
        raise ValueError(f"c = {vec(c)} is not the coordinates of x = {vec(x)} in B: B c = {vec(B @ c)}")
    axes = axes or panels(2)
    for ax, M, coef, names, title in (
            (axes[0], np.eye(2), x, ("e_1", "e_2"), f"standard basis: x = {vec(x)}\n"
                                                     f"x = {x[0]:.3g}·e1 + {x[1]:.3g}·e2"),
            (axes[1], B, c, ("b_1", "b_2"), f"basis {fmt(B, 'b')}: the same point\n"
                                             f"x = {c[0]:.3g}·b1 + {c[1]:.3g}·b2, so c = {vec(c)}")):
        draw_basis(M, ax=ax, lim=lim, names=names)
        _path(ax, (0, 0), [coef[0] * M[:, 0], coef[1] * M[:, 1]], (COLORS["e1"], COLORS["e2"]))
        ax.plot(*x, "o", color="black", ms=7, zorder=6)
        ax.annotate("x", x, xytext=(6, 6), textcoords="offset points", fontsize=12, zorder=6)
        ax.set_title(title, fontsize=11)
    return axes


def rotate_shear(ax=None, angle=20.0, shear=-0.6, x=(1.0, 2.0), lim=3.5, *, to_basis):
    """A fixed point x under a basis that turns and shears: the point stays, its coordinates change.

    The coordinates are the learner's ``to_basis(B, x)``.
    """
    B = rotate_shear_basis(angle, shear)
    x = np.asarray(x, float)
    if abs(np.linalg.det(B)) < 1e-9:
        ax = draw_basis(B, ax=ax, lim=lim)
        ax.set_title("b1 and b2 are parallel: no basis", fontsize=11)
        return ax
    c = np.asarray(to_basis(B, x), float)  # the learner's coordinates, before any axes
    ax = draw_basis(B, ax=ax, lim=lim)
    _path(ax, (0, 0), [c[0] * B[:, 0], c[1] * B[:, 1]], (COLORS["e1"], COLORS["e2"]))
    ax.plot(*x, "o", color="black", ms=7, zorder=6)
    ax.annotate("x", x, xytext=(6, 6), textcoords="offset points", fontsize=12, zorder=6)
    ax.set_title(f"{fmt(B, 'b')}\nx = {vec(x)} has coordinates c = {vec(c)}", fontsize=10)
    return ax


def first_quadrant(B=None, ax=None, lim=3.0):
    """The first quadrant of basis B, {B c : c >= 0}, shaded yellow: the cone spanned by B's columns."""
    B = np.eye(2) if B is None else np.asarray(B, float)
    ax = draw_basis(B, ax=ax, lim=lim)
    shade_cone(B, ax)
    b1, b2 = vec(B[:, 0]), vec(B[:, 1])
    ax.set_title(f"basis b1 = {b1}, b2 = {b2}\nshaded: every point with c1 ≥ 0 and c2 ≥ 0", fontsize=10.5)
    return ax


def notes_figures(axes=None, B=B_NOTES, lim=3.0):
    """The two figures of the notes: the first quadrant of the standard basis, and of basis B."""
    axes = axes or panels(2)
    first_quadrant(np.eye(2), ax=axes[0], lim=lim)
    first_quadrant(B, ax=axes[1], lim=lim)
    return axes


def coordinates_view(X, C, B, axes=None, lim=3.0, names=("b_1", "b_2")):
    """Points X (n, 2) on B's grid, and their coordinates C (n, 2): B's grid straightened into the square one.

    Each point is coloured by the signs of its given coordinates C: the quadrant of B it lies in.
    """
    axes = axes or panels(2)
    X, C, B = (np.asarray(a, float) for a in (X, C, B))
    code = (C > 0).astype(int) @ [1, 2]  # (n,) colour: the quadrant of the coordinates given
    cell = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)  # the unit cell of coordinates
    draw_basis(B, ax=axes[0], lim=lim, names=names)
    draw_shape(cell @ B.T, axes[0], color=SHAPE, alpha=0.3)
    draw_basis(np.eye(2), ax=axes[1], lim=min(lim, max(1.5, 1.1 * np.abs(C).max())), names=names)
    draw_shape(cell, axes[1], color=SHAPE, alpha=0.3)
    for ax, P in ((axes[0], X), (axes[1], C)):
        for k, color in QUADRANT_COLORS.items():
            ax.scatter(*P[code == k].T, color=color, s=16, zorder=6, ec="white", lw=0.3)
    axes[0].set(xlabel="$x_1$", ylabel="$x_2$")
    axes[0].set_title("points x on the grid of B\n(colour: the quadrant of B they lie in)", fontsize=11)
    axes[1].set(xlabel="$c_1$", ylabel="$c_2$")
    axes[1].set_title("their coordinates c = to_basis(B, x):\nB's grid and quadrants become the square ones",
                      fontsize=11)
    return axes


def layer_as_basis(W, X, axes=None, lim=3.0):
    """A square layer read as a change of basis: its outputs W x are the coordinates of x in basis W^-1."""
    W, X = np.asarray(W, float), np.asarray(X, float)
    axes = coordinates_view(X, X @ W.T, np.linalg.inv(W), axes=axes, lim=lim, names=("u_1", "u_2"))
    axes[0].set_title(f"inputs x on the grid of $W^{{-1}}$ (columns $u_1, u_2$)\nW: {fmt(W)}", fontsize=11)
    axes[1].set(xlabel="$y_1$", ylabel="$y_2$")
    axes[1].set_title("outputs y = W x: the coordinates of x in $W^{-1}$", fontsize=11)
    return axes


def map_two_ways(A, B, M=None, axes=None, lim=2.5, F=None, *, to_basis):
    """The map x -> A x drawn twice: on points, and on B-coordinates (the learner's ``to_basis``).

    Without ``M`` the right panel is the coordinates of F and of A F, point by point. With the
    learner's ``M`` (``map_in_basis(A, B)``) it is M applied to F's coordinates (filled), over the
    coordinates of A F (dotted): they coincide when M = B^-1 A B.
    """
    A, B = np.asarray(A, float), np.asarray(B, float)
    F = letter_f((-0.35, 0.35), 0.7) if F is None else np.asarray(F, float)  # (k, 2) corners
    Fc = np.asarray(to_basis(B, F), float)  # (k, 2) the same corners in B-coordinates
    AFc = np.asarray(to_basis(B, F @ A.T), float)  # (k, 2) the corners of A F in B-coordinates
    axes = axes or panels(2)
    draw_basis(B, ax=axes[0], lim=lim)
    draw_shape(F, axes[0], color="black", filled=False, label="F")
    draw_shape(F @ A.T, axes[0], color=IMAGE, label="A F")
    axes[0].set_title(f"x → A x on points (standard coordinates)\nA: {fmt(A)}", fontsize=11)
    draw_basis(np.eye(2), ax=axes[1], lim=lim)
    draw_shape(Fc, axes[1], color="black", filled=False, label="F, in B-coordinates")
    if M is None:
        draw_shape(AFc, axes[1], color=IMAGE, label="A F, in B-coordinates")
        axes[1].set_title("the same map on B-coordinates\n(corners: to_basis(B, ·) of F and of A F)", fontsize=11)
    else:
        M = np.asarray(M, float)
        draw_shape(Fc @ M.T, axes[1], color=IMAGE, label="your M on F's coordinates")
        Q = np.vstack([AFc, AFc[:1]])
        axes[1].plot(Q[:, 0], Q[:, 1], color="black", lw=2.2, ls=":", zorder=7, label="A F, in B-coordinates")
        axes[1].set_title(f"the same map on B-coordinates\nyour M: {fmt(M)}", fontsize=11)
    axes[1].set(xlabel="$c_1$ (along $b_1$)", ylabel="$c_2$ (along $b_2$)")
    for ax in axes:
        ax.legend(loc="lower left", fontsize=9, framealpha=0.95)
    axes[0].set(xlabel="$x_1$", ylabel="$x_2$")
    return axes


def compose_order(W1, W2, axes=None, lim=3.0):
    """The letter F through W1 then W2 (W2 W1), and through W2 then W1 (W1 W2): different results.

    Each layer is applied to the points in turn; no product matrix is formed (that is the
    learner's ``compose``). The view grows to hold every shape (nothing is clipped); the shape
    after the first layer is a dashed outline, so the final shape reads clearly on top of it.
    """
    axes = axes or panels(3)
    W1, W2 = np.asarray(W1, float), np.asarray(W2, float)
    F = letter_f()
    shapes = [F, F @ W1.T, F @ W2.T, F @ W1.T @ W2.T, F @ W2.T @ W1.T]
    lim = max(lim, 1.12 * max(np.abs(P).max() for P in shapes))
    plane(axes[0], lim=lim)
    draw_shape(F, axes[0], color=SHAPE, label="F")
    axes[0].set_title(f"the input F\nW1: {fmt(W1)}\nW2: {fmt(W2)}", fontsize=10)
    for ax, first, second, name in ((axes[1], W1, W2, "W1 first, then W2\nx → W2 (W1 x) = (W2 W1) x"),
                                    (axes[2], W2, W1, "W2 first, then W1\nx → W1 (W2 x) = (W1 W2) x")):
        plane(ax, lim=lim)
        draw_shape(F, ax, color="#999999", filled=False, label="F")
        draw_shape(F @ first.T, ax, color=SHAPE, filled=False, label="after the first layer")
        draw_shape(F @ first.T @ second.T, ax, color=IMAGE, label="after both")
        ax.set_title(name, fontsize=10)
    for ax in axes:
        ax.legend(loc="lower left", fontsize=8.5, framealpha=0.9)
    return axes


def two_readings(W, x, axes=None, lim=3.0):
    """The two readings of "y = W x is a change of basis", side by side, with the same numbers y.

    Left, passive: the point x stays where it is; the grid is W^-1's, and on it x has coordinates y.
    Right, active: the coordinates stay x; the basis vectors move to W's columns, and the point
    x1 w1 + x2 w2 is y. The two grids are W^-1 and W: the readings are inverse to each other.
    """
    axes = axes or panels(2)
    W, x = np.asarray(W, float), np.asarray(x, float)
    y, Winv = W @ x, np.linalg.inv(W)
    for ax, M, coef, names, where, title in (
            (axes[0], Winv, y, ("u_1", "u_2"), x,
             f"passive (lesson 1): the point stays at x = {vec(x)}\n"
             f"the grid is W⁻¹'s; on it x has coordinates y = {vec(y)}"),
            (axes[1], W, x, ("w_1", "w_2"), y,
             f"active (lesson 4): the coordinates stay {vec(x)}\n"
             f"the grid moves to W's columns; the point lands at y = {vec(y)}")):
        basis_grid(np.eye(2), ax=plane(ax, lim=lim), lim=lim, color="#e4e4e4", lw=0.6)
        draw_basis(M, ax=ax, lim=lim, names=names)
        _path(ax, (0, 0), [coef[0] * M[:, 0], coef[1] * M[:, 1]], (COLORS["e1"], COLORS["e2"]))
        if ax is axes[1]:  # where the point was: active moves it
            ax.plot(*x, "o", mfc="white", mec="black", ms=7, zorder=6)
            ax.annotate("x (before)", x, xytext=(6, -12), textcoords="offset points", fontsize=9, zorder=6)
        ax.plot(*where, "o", color="black", ms=7, zorder=6)
        ax.annotate("x" if ax is axes[0] else "y = W x", where, xytext=(6, 6) if ax is axes[0] else (-8, 8),
                    textcoords="offset points", ha="left" if ax is axes[0] else "right",
                    fontsize=11, zorder=6, bbox=dict(fc="white", ec="none", alpha=0.7, pad=0.5))
        ax.set_title(title, fontsize=10)
    axes[0].text(0.02, 0.02, f"W: {fmt(W)}\nW⁻¹: {fmt(Winv)}", transform=axes[0].transAxes, fontsize=8.5,
                 va="bottom", bbox=dict(fc="white", ec="#999999", alpha=0.9))
    return axes


def morph(ax=None, t=0.5, W=((1.0, 0.5), (-0.5, 1.0)), lim=3.0):
    """The grid carried by M(t) = (1 - t) I + t W: the standard grid at t = 0, W's grid at t = 1.

    Faint: both ends (grey the start, dashed orange the end). The letter F rides along, and its
    coordinates on the moving grid never change.
    """
    W = np.asarray(W, float)
    M = (1 - t) * np.eye(2) + t * W
    ax = plane(ax, lim=lim)
    basis_grid(np.eye(2), ax=ax, lim=lim, color="#e4e4e4", lw=0.6)
    t_line = np.linspace(-4 * lim, 4 * lim, 2)
    for k in range(-8, 9):
        for i in (0, 1):
            line = np.outer(t_line, W[:, 1 - i]) + k * W[:, i]
            ax.plot(line[:, 0], line[:, 1], color=IMAGE, lw=0.6, ls="--", alpha=0.5, zorder=0)
    if abs(np.linalg.det(M)) < 1e-9:
        ax.set_title(f"t = {t:.2f}: M(t) is singular, the grid is flat", fontsize=10)
        return ax
    draw_basis(M, ax=ax, lim=lim, names=("M\\,e_1", "M\\,e_2"), n=10)
    draw_shape(letter_f(), ax, color="#999999", filled=False)
    draw_shape(letter_f() @ M.T, ax, color=SHAPE)
    ax.set_title(f"M(t) = (1 − t) I + t W at t = {t:.2f}\nM: {fmt(M)}", fontsize=10)
    return ax


def layer_by_layer(Ws, M, ax=None, lim=3.0):
    """The F through square layers Ws one at a time (filled), and through the single matrix M (dotted).

    ``M`` is the learner's ``compose(Ws)``: the dotted outline sits on the last shape when it is right.
    """
    Ws = [np.asarray(W, float) for W in Ws]
    M = np.asarray(M, float)
    shapes = [letter_f()]
    for W in Ws:
        shapes.append(shapes[-1] @ W.T)  # (10, 2) the F after each layer
    if ax is None:
        _, ax = plt.subplots(figsize=(7.2, 4.5), layout="constrained")
    ax = plane(ax, lim=max(lim, 1.1 * max(np.abs(P).max() for P in shapes)))
    draw_shape(shapes[0], ax, color="#999999", filled=False, label="F")
    blues = plt.get_cmap("Blues")(np.linspace(0.3, 0.55, len(Ws)))
    for i, P in enumerate(shapes[1:]):
        last = i == len(Ws) - 1
        draw_shape(P, ax, color=IMAGE if last else blues[i], alpha=0.8 if last else 0.45,
                   label=f"after layer {i + 1}" + (" (the last)" if last else ""))
    Q = np.vstack([shapes[0], shapes[0][:1]]) @ M.T
    ax.plot(Q[:, 0], Q[:, 1], color="black", lw=2.2, ls=":", zorder=7, label="one matrix: M F")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
    ax.set_title("layer by layer (filled) vs one matrix (dotted)", fontsize=11)
    return ax


def collapse(W, N=None, axes=None, lim=3.0):
    """A rank-1 layer: every line parallel to the null space lands on a single output point.

    Drawn from the outputs alone: a lattice of inputs is mapped by W, the inputs that land on the
    same output are grouped, and a dashed line joins each group (the group that lands on 0 in
    black). The null space itself is drawn only from the learner's ``N`` (``null_space(W)``).
    """
    W = np.asarray(W, float)
    g = np.linspace(-2.4, 2.4, 13)
    X = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)  # (169, 2) a lattice of inputs
    Y = X @ W.T  # (169, 2) their outputs
    outputs, group = np.unique(np.round(Y, 6), axis=0, return_inverse=True)  # the distinct output dots
    group = group.reshape(-1)
    far = outputs[np.argmax(np.linalg.norm(outputs, axis=1))]
    u = far / max(np.linalg.norm(far), 1e-12)  # a direction of the outputs: colour by position along it
    level = Y @ u  # (169,) same output <=> same colour
    axes = axes or panels(2)
    plane(axes[0], lim=lim)
    lines = [k for k in np.argsort(outputs @ u) if np.sum(group == k) > 1]  # dots hit by several inputs
    zero = np.argmin(np.linalg.norm(outputs, axis=1))
    picks = {lines[int(q * (len(lines) - 1))] for q in (1 / 6, 1 / 3, 2 / 3, 5 / 6)} if lines else set()
    for k in sorted(picks - {zero}) + ([zero] if zero in lines else []):
        P = X[group == k]  # inputs that all land on one dot, in lattice order: P[0], P[-1] are the ends
        on_zero = k == zero and np.allclose(outputs[k], 0)
        axes[0].plot(*np.array([P[0], P[-1]]).T, color="black" if on_zero else "#999999",
                     lw=2.5 if on_zero else 1, ls="-" if on_zero else "--", zorder=2 if on_zero else 1,
                     label="inputs with W x = 0" if on_zero else None)
    axes[0].scatter(*X.T, c=level, cmap="viridis", s=14, zorder=3, ec="none")
    if N is not None:
        N = np.asarray(N, float).reshape(2, -1)
        for j in range(N.shape[1]):
            tip = 1.8 * N[:, j] / max(np.linalg.norm(N[:, j]), 1e-12)
            axes[0].annotate("", xy=tip, xytext=(0, 0), zorder=7,
                             arrowprops=dict(arrowstyle="-|>", color="#D55E00", lw=3))
        axes[0].plot([], [], color="#D55E00", lw=3, label="your null_space(W)")
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(loc="lower left", fontsize=9, framealpha=0.95)
    axes[0].set(xlabel="$x_1$", ylabel="$x_2$")
    axes[0].set_title(f"inputs, coloured by where they land\nW: {fmt(W)}", fontsize=11)
    plane(axes[1], lim=max(lim, 1.1 * np.abs(Y).max()))
    axes[1].scatter(*Y.T, c=level, cmap="viridis", s=30, zorder=3, ec="none")
    axes[1].set(xlabel="$y_1$", ylabel="$y_2$")
    axes[1].set_title(f"outputs W x: {len(X)} inputs on {len(outputs)} dots\n"
                      "each dashed line became one dot", fontsize=11)
    return axes


def ill_conditioned(angle=8.0, x=(1.5, 0.6), radius=0.2, axes=None, lim=3.5, *, to_basis):
    """Nearly parallel basis vectors: a small blur of x becomes a long streak of coordinates.

    The coordinates are the learner's ``to_basis``.
    """
    B = np.array([[1.0, np.cos(np.deg2rad(angle))], [0.0, np.sin(np.deg2rad(angle))]])
    x = np.asarray(x, float)
    t = np.linspace(0, 2 * np.pi, 80)
    disc = x + radius * np.stack([np.cos(t), np.sin(t)], 1)  # (80, 2) a small circle around x
    C = np.asarray(to_basis(B, disc), float)  # (80, 2) its coordinates
    c0 = np.asarray(to_basis(B, x), float)
    axes = axes or panels(2)
    draw_basis(B, ax=axes[0], lim=lim, grid=False)
    _path(axes[0], (0, 0), [c0[0] * B[:, 0], c0[1] * B[:, 1]], (COLORS["e1"], COLORS["e2"]))
    draw_shape(disc, axes[0], color=IMAGE, alpha=0.9)
    axes[0].set(xlabel="$x_1$", ylabel="$x_2$")
    axes[0].set_title(f"b2 is {angle:g}° from b1: x = {c0[0]:.2g}·b1 + {c0[1]:.2g}·b2\n"
                      f"(far out along one, far back along the other)", fontsize=11)
    span = np.max(np.abs(C - c0)) * 1.25
    axes[1].set_aspect("equal")
    axes[1].set(xlim=(c0[0] - span, c0[0] + span), ylim=(c0[1] - span, c0[1] + span),
                xlabel="$c_1$", ylabel="$c_2$")
    axes[1].grid(color=COLORS["grid"], lw=0.6)
    draw_shape(C, axes[1], color=IMAGE, alpha=0.9, label="coordinates of the circle around x")
    draw_shape(c0 + radius * np.stack([np.cos(t), np.sin(t)], 1), axes[1], color="black", filled=False,
               label=f"a circle of radius {radius:g}, for scale")
    axes[1].legend(loc="lower left", fontsize=9, framealpha=0.95)
    axes[1].set_title(f"its coordinates c = to_basis(B, x): a long streak\ncondition number of B: {np.linalg.cond(B):.0f}",
                      fontsize=11)
    return axes
