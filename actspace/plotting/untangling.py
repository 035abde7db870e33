"""Figures of lesson 6: a tangled data set, and what each layer of a trained network does to it.

Dense-layer convention: a layer is x -> W x + b, on a batch X @ W.T + b. The
measurements (PCA, participation ratio, linear probe) are computed here in
plain NumPy, so the teaching figures never wait for the learner's code.
"""
import matplotlib.pyplot as plt
import numpy as np

from actspace import training

# Okabe-Ito colours (colour-blind safe)
CLASS = np.array(["#0072B2", "#E69F00"])  # class 0, class 1
C = {"plain": "#CC79A7", "residual": "#009E73", "line": "#333333", "dead": "#D55E00"}


def _pca2(H):
    """(n, 2): the centred rows of H in its top two principal directions (zeros where there is no spread)."""
    Hc = H - H.mean(axis=0)  # (n, d)
    _, _, Vt = np.linalg.svd(Hc, full_matrices=False)
    P = Hc @ Vt[:2].T  # (n, min(2, d))
    return np.hstack([P, np.zeros((len(H), 2 - P.shape[1]))])


def _probe(H, y):
    """Least-squares weights on [H, 1] against 2y - 1, and the training accuracy of their sign."""
    A = np.hstack([H, np.ones((len(H), 1))])  # (n, d + 1)
    w = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)[0]  # (d + 1,)
    return w, float(np.mean((A @ w > 0) == (y == 1)))


def _participation(H):
    """(sum lambda)^2 / sum lambda^2 of the covariance of H; 0 for a cloud with no spread at all."""
    lam = np.clip(np.linalg.eigvalsh(np.atleast_2d(np.cov(H, rowvar=False))), 0.0, None)
    return float(lam.sum() ** 2 / np.sum(lam ** 2)) if lam.sum() > 1e-12 else 0.0


def measure(layers, y):
    """(participation ratios, probe accuracies), one of each per layer in `layers`."""
    y = np.asarray(y)
    return ([_participation(H) for H in layers], [_probe(H, y)[1] for H in layers])


# ---------------------------------------------------------------- the data

def spirals_figure(X, y, ax=None):
    """The two classes, and the best a straight line can do (a least-squares linear probe)."""
    ax = ax or plt.subplots(figsize=(4.6, 4.6))[1]
    X, y = np.asarray(X, float), np.asarray(y)
    ax.scatter(*X.T, c=CLASS[y], s=10)
    (w1, w2, b), acc = _probe(X, y)
    t = np.linspace(-1.2, 1.2, 2)
    if abs(w2) > abs(w1):
        ax.plot(t, -(w1 * t + b) / w2, color=C["line"], ls="--", lw=1.5)
    else:
        ax.plot(-(w2 * t + b) / w1, t, color=C["line"], ls="--", lw=1.5)
    for k in (0, 1):
        ax.scatter([], [], color=CLASS[k], s=10, label=f"class {k}")
    ax.plot([], [], color=C["line"], ls="--", label=f"best line: {acc:.0%} right")
    ax.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), aspect="equal", xlabel="$x_1$", ylabel="$x_2$",
           title="two spirals: no line separates them")
    ax.legend(fontsize=8, loc="upper left", frameon=True, framealpha=0.9)
    return ax


# ---------------------------------------------------------------- layer by layer

def layers_figure(layers, y, axes=None, title=None):
    """One panel per layer: its activations on their top two principal directions, coloured by class.

    Each panel says how many directions the layer uses (participation ratio,
    PR) and how well a straight cut separates the classes there (probe).
    """
    y = np.asarray(y)
    n = len(layers)
    if axes is None:
        ncols = n if n <= 4 else int(np.ceil(n / 2))
        nrows = int(np.ceil(n / ncols))
        fig, axes = plt.subplots(nrows, ncols, figsize=(2.7 * ncols, 2.75 * nrows + 0.4), squeeze=False)
        for ax in axes.flat[n:]:
            ax.axis("off")
        axes = axes.flat[:n]
    prs, accs = measure(layers, y)
    for l, (ax, H) in enumerate(zip(axes, layers)):
        P = _pca2(np.asarray(H, float))
        ax.scatter(*P.T, c=CLASS[y], s=4)
        ax.set_aspect("equal", adjustable="datalim")  # true proportions: a flat cloud looks flat
        ax.set_xticks([])
        ax.set_yticks([])
        width = np.asarray(H).shape[1]
        name = "input" if l == 0 else f"layer {l}"
        ax.set_title(f"{name} ({width} units)", fontsize=10)
        if prs[l] == 0:
            ax.text(0.5, 0.5, "dead: every unit is 0", transform=ax.transAxes, ha="center", color=C["dead"])
        ax.set_xlabel(f"PR {prs[l]:.1f}   probe {accs[l]:.0%}", fontsize=9)
    fig = axes[0].figure
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return axes


def measures_figure(curves, axes=None):
    """Participation ratio and probe accuracy against depth; ``curves`` maps a label to (prs, accs)."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.5, 3.5))
    ax, bx = axes
    for label, (prs, accs) in curves.items():
        colour = C.get(label)
        ax.plot(prs, "o-", color=colour, label=label)
        bx.plot(accs, "o-", color=colour, label=label)
    depth = np.arange(max(len(p) for p, _ in curves.values()))
    for a in axes:
        a.set_xticks(depth, ["input"] + [str(l) for l in depth[1:]])
        a.set_xlabel("layer")
        a.legend(frameon=False, fontsize=9)
    ax.set(ylabel="participation ratio", title="how many directions each layer uses", ylim=(0, None))
    bx.axhline(0.5, color="gray", lw=0.8, ls=":")
    bx.set(ylabel="linear-probe accuracy", ylim=(0.45, 1.03), title="how well a straight cut separates the classes")
    axes[0].figure.tight_layout()
    return axes


# ---------------------------------------------------------------- where it stops holding

def width_figure(X, y, nets_by_kind, ax=None):
    """Probe accuracy at the last layer against the width of the layers; ``nets_by_kind``: label -> {width: Net}."""
    ax = ax or plt.subplots(figsize=(5.2, 3.6))[1]
    y = np.asarray(y)
    for label, nets in nets_by_kind.items():
        widths = sorted(nets)
        accs = [_probe(training.activations(X, nets[w])[-1], y)[1] for w in widths]
        ax.plot(widths, accs, "o-", color=C.get(label), label=label)
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax.text(ax.get_xlim()[1], 0.51, "coin toss", ha="right", va="bottom", fontsize=8, color="gray")
    ax.set(xlabel="units per layer", ylabel="probe accuracy, last layer", ylim=(0.45, 1.03),
           title="too narrow, and the spirals stay tangled")
    ax.legend(frameon=False, fontsize=9, loc="upper left")
    return ax


def probe_map(X, y, net, layer, ax=None, lim=1.2):
    """The best straight cut at `layer`, seen back in the input plane: deeper, it bends along the spirals."""
    ax = ax or plt.subplots(figsize=(4.6, 4.6))[1]
    X, y = np.asarray(X, float), np.asarray(y)
    layer = int(round(layer))
    w, acc = _probe(training.activations(X, net)[layer], y)  # the cut, fitted on the data at that layer
    g = np.linspace(-lim, lim, 200)
    G = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)  # (200 * 200, 2): the input plane
    z = (training.activations(G, net)[layer] @ w[:-1] + w[-1]).reshape(len(g), len(g))  # which side of the cut
    ax.contourf(g, g, z > 0, levels=[-0.5, 0.5, 1.5], colors=[CLASS[0], CLASS[1]], alpha=0.25)
    ax.contour(g, g, z, levels=[0], colors=C["line"], linewidths=1)
    ax.scatter(*X.T, c=CLASS[y], s=6)
    name = "the input" if layer == 0 else f"layer {layer}"
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(f"a straight cut at {name}: {acc:.0%} right", fontsize=11)
    return ax
