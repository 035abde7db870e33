"""Figures of lesson 5: LayerNorm as a projection plus a rescale, and the residual stream of a stack of blocks.

Row convention (one token per row of X, weights on the right). No exercise's
answer is computed here: the figures that need LayerNorm or a transformer block
take the learner's ``layer_norm`` or ``transformer_block`` as an argument (the
lesson calls them inside ``needs(...)``); the others centre, measure and draw only.
"""
import matplotlib.pyplot as plt
import numpy as np

from actspace.weights import random_block_weights

# Okabe-Ito colours (colour-blind safe), named by their role in the figures
C = {"input": "#999999", "centred": "#0072B2", "normed": "#E69F00", "ones": "#D55E00",
     "line": "#009E73", "no_eps": "#CC79A7", "erank": "#E69F00"}

ONES = np.ones(3) / np.sqrt(3.0)  # (3,) the unit all-ones direction
PLANE = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -2.0]]).T / np.sqrt([2.0, 6.0])  # (3, 2) orthonormal, both _|_ ONES


def _spectrum(H):
    """Eigenvalues of the covariance of the rows of H, largest first, clipped at 0."""
    H = np.asarray(H, float)
    return np.clip(np.linalg.eigvalsh(np.cov(H, rowvar=False)), 0.0, None)[::-1]  # (d,)


def _effective_rank(H):
    """How many directions the rows of H spread along: exp(entropy of lambda / sum lambda).

    It is k when the rows spread equally along k directions and not at all along the others.
    (Lesson 6 teaches another count, the participation ratio, as an exercise: it is not computed here.)
    """
    lam = _spectrum(H)
    p = lam[lam > 0] / lam.sum()
    return float(np.exp(-np.sum(p * np.log(p))))


# ---------------------------------------------------------------- LayerNorm in R^3

def _axes_3d_and_plane(axes):
    if axes is not None:
        return axes
    fig = plt.figure(figsize=(10.5, 5))
    return fig.add_subplot(1, 2, 1, projection="3d"), fig.add_subplot(1, 2, 2)


def layer_norm_figure(X, Y=None, axes=None, n_3d=8):
    """Rows of X (n, 3), centred, then normalised: 3-D view (left) and the view down (1, 1, 1) (right).

    ``Y`` is LayerNorm of X (the learner's, passed in): it lies on the circle of
    radius sqrt(3) in the plane orthogonal to (1, 1, 1). Without ``Y`` the figure
    shows the centring only, and the circle as the target the rescale will reach.
    """
    X = np.asarray(X, float)  # (n, 3)
    Xc = X - X.mean(axis=1, keepdims=True)  # (n, 3), in the plane
    Y = None if Y is None else np.asarray(Y, float)  # (n, 3), on the circle
    ax3, ax2 = _axes_3d_and_plane(axes)
    r = np.sqrt(3.0)
    t = np.linspace(0, 2 * np.pi, 200)
    circle = r * (np.outer(np.cos(t), PLANE[:, 0]) + np.outer(np.sin(t), PLANE[:, 1]))  # (200, 3)

    # left: the three stages in R^3, for a few tokens only (all of them are on the right)
    show = np.arange(min(len(X), n_3d))
    s = np.linspace(-1, 1, 2) * 2.6
    P0, P1 = np.meshgrid(s, s)
    disc = P0[..., None] * PLANE[:, 0] + P1[..., None] * PLANE[:, 1]  # (2, 2, 3): the plane sum(x) = 0
    ax3.plot_surface(disc[..., 0], disc[..., 1], disc[..., 2], color=C["centred"], alpha=0.07, linewidth=0)
    ax3.plot(*np.stack([-3.2 * ONES, 4.2 * ONES]).T, color=C["ones"], lw=1.2, ls="--")  # the line through 1
    ax3.text(*(4.4 * ONES), "(1,1,1)", color=C["ones"], fontsize=9)
    for k in show:
        ax3.plot(*np.stack([X[k], Xc[k]]).T, color=C["input"], lw=0.9)  # slide along (1, 1, 1)
        if Y is not None:
            ax3.plot(*np.stack([Xc[k], Y[k]]).T, color=C["centred"], lw=0.9)  # then scale along the ray
    ax3.plot(*circle.T, color=C["normed"], lw=1.5, label=None if Y is not None else "radius $\\sqrt{3}$: the target")
    ax3.scatter(*X[show].T, color=C["input"], s=18, label="input rows x", depthshade=False)
    ax3.scatter(*Xc[show].T, color=C["centred"], s=18, label="centred: P x", depthshade=False)
    if Y is not None:
        ax3.scatter(*Y[show].T, color=C["normed"], s=24, label="LayerNorm(x)", depthshade=False, zorder=5,
                    edgecolor="black", linewidth=0.4)
    lim = max(3.0, float(np.abs(X).max()))
    ax3.set(xlim=(-lim, lim), ylim=(-lim, lim), zlim=(-lim, lim), xlabel="$x_1$", ylabel="$x_2$", zlabel="$x_3$")
    ax3.set(xticks=[-2, 0, 2], yticks=[-2, 0, 2], zticks=[-2, 0, 2])
    ax3.set_box_aspect((1, 1, 1), zoom=1.05)
    ax3.view_init(elev=30, azim=5)  # the plane seen at an angle, not edge-on
    then = "then scale" if Y is not None else "then scale onto the circle"
    ax3.set_title(f"in $\\mathbb{{R}}^3$ ({len(show)} of {len(X)} tokens):\nslide along (1,1,1), {then}", fontsize=11)
    ax3.legend(loc="upper left", fontsize=8, frameon=False)

    # right: looking down the ones direction, in coordinates of the plane
    xc = Xc @ PLANE  # (n, 2)
    if Y is not None:
        y = Y @ PLANE  # (n, 2)
        for a, b in zip(xc, y):
            ax2.plot(*np.stack([a, b]).T, color=C["input"], lw=0.5, alpha=0.6)
    ax2.plot(r * np.cos(t), r * np.sin(t), color=C["normed"], lw=1.2,
             label=None if Y is not None else "where the rescale puts them")
    ax2.scatter(*xc.T, color=C["centred"], s=12, label="centred: P x", zorder=3)
    if Y is not None:
        ax2.scatter(*y.T, color=C["normed"], s=16, label="LayerNorm(x)", zorder=4)
    ax2.annotate("radius $\\sqrt{3}$", xy=(r * np.cos(2.2), r * np.sin(2.2)), xytext=(-2.9, 2.6),
                 color=C["normed"], arrowprops=dict(arrowstyle="->", color=C["normed"]))
    lim2 = max(3.2, 1.1 * float(np.abs(xc).max()))
    ax2.set(xlim=(-lim2, lim2), ylim=(-lim2, lim2), aspect="equal",
            xlabel="along $(1,-1,0)/\\sqrt{2}$", ylabel="along $(1,1,-2)/\\sqrt{6}$")
    ax2.axhline(0, color="black", lw=0.6, zorder=1)
    ax2.axvline(0, color="black", lw=0.6, zorder=1)
    ax2.set_title("the plane $\\perp$ (1,1,1), seen from above")
    ax2.legend(loc="lower left", fontsize=8, frameon=False)
    ax3.figure.tight_layout()
    return ax3, ax2


# ---------------------------------------------------------------- the residual stream

def stream_of_blocks(rng, block, n_blocks=12, n_tokens=128, d_model=32, n_heads=8, sharpness=3.0,
                     write_scale=1.0):
    """[X_0, X_1, ..., X_L]: the residual stream after each of a stack of random pre-LN blocks.

    X_0 holds n_tokens random tokens in a 2-D subspace of R^d_model. Each block
    gets fresh random weights (``random_block_weights``, with W_q and W_k
    scaled by ``sharpness`` so that heads pick out a few tokens rather than
    averaging all). ``write_scale`` multiplies what the blocks write (W_o,
    W_out and b_out): at 1 a block writes unit-size outputs into a stream whose
    tokens are about 1.4 long; real models keep their writes small next to the
    stream. ``block`` is the transformer block to run: the lesson passes the
    learner's ``transformer_block``.
    """
    U = np.linalg.qr(rng.normal(size=(d_model, 2)))[0]  # (d, 2) orthonormal: where the tokens start
    X = rng.normal(size=(n_tokens, 2)) @ U.T  # (n, d), rank 2
    stream = [X]
    for _ in range(n_blocks):
        w = random_block_weights(rng, d_model, n_heads=n_heads, d_head=d_model // n_heads)
        w["W_q"], w["W_k"] = sharpness * w["W_q"], sharpness * w["W_k"]
        for name in ("W_o", "W_out", "b_out"):
            w[name] = write_scale * w[name]
        X = np.asarray(block(X, **w), float)  # (n, d): the stream plus this block's two writes
        stream.append(X)
    return stream


def input_plane(stream):
    """(d, 2): an orthonormal basis of the plane the input tokens X_0 lie in.

    X_0 has rank 2 (stream_of_blocks puts every token in one plane), so its first two tokens span
    that plane; QR makes them orthonormal. No principal directions are needed to find it.
    """
    X0 = np.asarray(stream[0], float)  # (n, d), rank 2
    return np.linalg.qr(X0[:2].T)[0]  # (d, 2)


def stream_measures(stream):
    """Per block: effective rank, share of the variance inside the input's plane, share of the variance
    along the top two principal directions, and the mean token length.

    The two shares are different questions: the input plane is fixed (where X_0 lies); the top
    principal directions are wherever the stream happens to spread most, after the blocks' writes.
    """
    U = input_plane(stream)
    rows = []
    for X in stream:
        Xc = np.asarray(X, float) - np.mean(X, axis=0)  # (n, d), centred
        total = float(np.sum(Xc ** 2))
        lam = _spectrum(X)
        rows.append(dict(erank=_effective_rank(X), in_plane=float(np.sum((Xc @ U) ** 2)) / total,
                         top2=float(lam[:2].sum() / lam.sum()), length=float(np.linalg.norm(X, axis=1).mean())))
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def directions_plot(stream, ax=None, ylim=None, measures=None):
    """Effective rank of the stream after each block."""
    m = measures or stream_measures(stream)
    ax = ax or plt.subplots(figsize=(5, 3.8))[1]
    depth = np.arange(len(stream))
    ax.plot(depth, m["erank"], "s-", color=C["erank"], label="effective rank")
    ax.axhline(2, color="gray", lw=0.8, ls=":")
    ax.text(len(stream) - 1, 2.15, "the input's 2 directions", ha="right", va="bottom", fontsize=8, color="gray")
    ax.set(xlabel="blocks applied", ylabel="directions used", ylim=ylim or (0, None),
           title=f"directions the stream uses (ceiling: $d$ = {stream[0].shape[1]})")
    ax.set_xticks(depth[::2])
    ax.legend(frameon=False, fontsize=9, loc="upper left")
    return ax


def share_plot(stream, ax=None, measures=None):
    """Share of the stream's variance inside the input's plane, next to the share of its top two principal
    directions: the first is where the input was, the second wherever the stream spreads most."""
    m = measures or stream_measures(stream)
    ax = ax or plt.subplots(figsize=(5, 3.8))[1]
    depth = np.arange(len(stream))
    ax.plot(depth, 100 * m["in_plane"], "o-", color=C["line"], label="inside the input's plane")
    ax.plot(depth, 100 * m["top2"], "^--", color=C["no_eps"], label="along the top 2 principal directions")
    ax.set(xlabel="blocks applied", ylabel="share of the variance (%)", ylim=(0, 105),
           title=f"where the variance is (token length ×{m['length'][-1] / m['length'][0]:.1f} by block "
                 f"{len(stream) - 1})")
    ax.set_xticks(depth[::2])
    ax.legend(frameon=False, fontsize=8.5, loc="upper right")
    return ax


def stream_figure(stream, axes=None):
    """Left: directions used. Middle: share of the variance inside the input's plane. Right: the spectrum."""
    m = stream_measures(stream)
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(15, 3.9))
    ax, cx, bx = axes
    directions_plot(stream, ax, measures=m)
    share_plot(stream, cx, measures=m)
    d = stream[0].shape[1]
    picks = sorted({0, 1, 3, len(stream) // 2, len(stream) - 1})
    shades = plt.cm.viridis(np.linspace(0.0, 0.85, len(picks)))
    for k, colour in zip(picks, shades):
        lam = _spectrum(stream[k])
        lam = lam / lam.sum()
        bx.semilogy(np.arange(1, d + 1), np.maximum(lam, 1e-12), "o-", ms=3, color=colour, label=f"after {k} blocks")
    bx.set(xlabel="direction (principal component)", ylabel="share of the variance", ylim=(1e-6, 1.5),
           title="variance per principal direction")
    bx.legend(frameon=False, fontsize=8)
    ax.figure.tight_layout()
    return axes


def draw_stream(ax=None, sharpness=3.0, write_scale=1.0, seed=0, *, block):
    """The experiment of stream_of_blocks at a given attention sharpness and write scale, on one axis:
    effective rank (left scale) and the share of the variance inside the input's plane (right scale).
    ``block`` is the transformer block to run (the learner's ``transformer_block``)."""
    stream = stream_of_blocks(np.random.default_rng(seed), block, sharpness=sharpness, write_scale=write_scale)
    m = stream_measures(stream)
    ax = ax or plt.subplots(figsize=(5.5, 4))[1]
    depth = np.arange(len(stream))
    ax.plot(depth, m["erank"], "o-", color=C["erank"], label="effective rank (left)")
    ax.axhline(2, color="gray", lw=0.8, ls=":")
    ax.set(xlabel="blocks applied", ylim=(0, 14), xticks=depth[::2])
    ax.set_ylabel("effective rank", color=C["erank"])
    tx = ax.twinx()
    tx.plot(depth, 100 * m["in_plane"], "s--", color=C["line"], label="% of variance in the input's plane (right)")
    tx.set_ylim(0, 105)
    tx.set_ylabel("% of variance in the input's plane", color=C["line"])
    lines = ax.get_lines()[:1] + tx.get_lines()
    ax.legend(lines, [l.get_label() for l in lines], frameon=False, fontsize=8, loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncol=1)
    ax.set_title(f"sharpness {sharpness:g}, write scale {write_scale:g}: "
                 f"eff. rank {m['erank'][-1]:.1f}, {100 * m['in_plane'][-1]:.0f}% in plane at block {len(stream) - 1}",
                 fontsize=10)
    return ax


# ---------------------------------------------------------------- where it stops holding

def line_to_arc(layer_norm, ax=None, n=9):
    """Equally spaced points on a straight line in R^3 and their LayerNorms (``layer_norm``, the learner's): a line goes to an arc."""
    a, b = np.array([2.0, -1.0, 0.5]), np.array([-1.0, 0.0, 2.5])  # two rows
    t = np.linspace(0, 1, n)[:, None]
    X = (1 - t) * a + t * b  # (n, 3) on the segment from a to b
    Y = np.asarray(layer_norm(X), float)  # (n, 3)
    mid = (np.asarray(layer_norm(a), float) + np.asarray(layer_norm(b), float)) / 2  # what a linear map would give at t = 1/2
    ax = ax or plt.subplots(figsize=(4.8, 4.8))[1]  # after the learner's layer_norm ran: no empty figure if it cannot
    r = np.sqrt(3.0)
    s = np.linspace(0, 2 * np.pi, 200)
    ax.plot(r * np.cos(s), r * np.sin(s), color=C["normed"], lw=0.8, alpha=0.5)
    xc, y = (X - X.mean(axis=1, keepdims=True)) @ PLANE, Y @ PLANE  # (n, 2) each
    for a, b in zip(xc, y):
        ax.plot(*np.stack([a, b]).T, color=C["input"], lw=0.6, zorder=1)
    ax.plot(*xc.T, "o-", color=C["line"], ms=4, label="inputs on a line (centred)")
    ax.plot(*y.T, "o", color=C["normed"], ms=5, label="their LayerNorms: an arc")
    ax.plot(*y[[0, -1]].T, "--", color=C["ones"], lw=0.8)  # the chord between the ends' LayerNorms
    ax.plot(*(mid @ PLANE), "x", color=C["ones"], ms=10, mew=2, label="halfway between the ends' LN")
    ax.plot(*(Y[n // 2] @ PLANE), "o", mfc="none", mec=C["ones"], ms=12, mew=1.5, label="LN of the halfway point")
    ax.set(aspect="equal", xlim=(-3, 3), ylim=(-3, 3), title="LayerNorm bends lines",
           xlabel="along $(1,-1,0)/\\sqrt{2}$", ylabel="along $(1,1,-2)/\\sqrt{6}$")
    ax.axhline(0, color="black", lw=0.6, zorder=0)
    ax.axvline(0, color="black", lw=0.6, zorder=0)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return ax


def output_radius(layer_norm, ax=None, eps_values=(0.0, 1e-5, 1e-2), seed=0):
    """|LayerNorm(x)| / sqrt(d) against the spread of x (``layer_norm``, the learner's, at each eps):
    without eps, even a rounding error is blown up to full size."""
    z = np.random.default_rng(seed).normal(size=16)  # (16,) the structure
    X = 5.0 + np.logspace(-8, 1, 200)[:, None] * z  # (200, 16): a constant row plus a little structure
    spreads = X.std(axis=1)  # (200,) each row's spread, measured
    Ys = [np.asarray(layer_norm(X, eps=eps), float) for eps in eps_values]  # (200, 16) each, the learner's
    ax = ax or plt.subplots(figsize=(5.2, 3.8))[1]
    shades = [C["no_eps"], C["centred"], C["line"]]
    for eps, Y, colour in zip(eps_values, Ys, shades):
        ax.semilogx(spreads, np.linalg.norm(Y, axis=1) / np.sqrt(z.size), color=colour, lw=2,
                    label=f"eps = {eps:g}" + (" (the noise is scaled up to full size)" if eps == 0 else ""))
    ax.set(xlabel="spread of the row, std(x)", ylabel="|LayerNorm(x)| / $\\sqrt{d}$", ylim=(-0.05, 1.15),
           title="tiny-variance rows: eps decides")
    ax.legend(fontsize=8, frameon=False, loc="center left")
    ax.figure.tight_layout()
    return ax


def draw_tiny_spread(ax=None, log10_spread=-3.0, eps=1e-5, seed=1, *, layer_norm):
    """Rows (5, 5, 5) + s z for 40 random z, normalised (``layer_norm``, the learner's) with and without eps,
    seen down (1, 1, 1)."""
    s = 10.0 ** log10_spread
    z = np.random.default_rng(seed).normal(size=(40, 3))  # (40, 3), the same cloud for every slider value
    X = 5.0 + s * z
    without = np.asarray(layer_norm(X, eps=0.0), float)  # (40, 3), eps = 0
    ax = ax or plt.subplots(figsize=(5, 5))[1]
    r = np.sqrt(3.0)
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(r * np.cos(t), r * np.sin(t), color=C["normed"], lw=0.8, alpha=0.6)
    ax.scatter(*(without @ PLANE).T, s=40, facecolors="none", edgecolors=C["no_eps"], label="eps = 0")
    ax.scatter(*(np.asarray(layer_norm(X, eps=eps), float) @ PLANE).T, s=14, color=C["centred"], label=f"eps = {eps:g}")
    ax.set(aspect="equal", xlim=(-2.6, 2.6), ylim=(-2.6, 2.6), title=f"rows (5,5,5) + noise of size {s:.0e}",
           xlabel="along $(1,-1,0)/\\sqrt{2}$", ylabel="along $(1,1,-2)/\\sqrt{6}$")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    return ax
