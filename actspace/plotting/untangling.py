"""Figures of lesson 6: a tangled data set, and what each layer of a trained network does to it.

Dense-layer convention: a layer is x -> W x + b, on a batch X @ W.T + b. The
measurements (PCA, participation ratio, linear probe) are the learner's
exercises: the figures take the learner's functions, or the numbers
``actspace.training.given_measures`` ships for the figures shown before the
exercises; nothing here computes them.
"""
import matplotlib.pyplot as plt
import numpy as np

# Okabe-Ito colours (colour-blind safe)
CLASS = np.array(["#0072B2", "#E69F00"])  # class 0, class 1
C = {"plain": "#CC79A7", "residual": "#009E73", "line": "#333333", "dead": "#D55E00"}


def measure(layers, y, pr, probe):
    """(participation ratios, probe accuracies), one of each per layer, by the functions pr(H) and probe(H, y)."""
    y = np.asarray(y)
    return ([float(pr(H)) for H in layers], [float(probe(H, y)) for H in layers])


# ---------------------------------------------------------------- the data

def spirals_figure(X, y, cut, accuracy, ax=None):
    """The two classes, and the best a straight line can do: the cut w1 x1 + w2 x2 + b = 0 and its accuracy.

    ``cut`` (w1, w2, b) and ``accuracy`` are given: the lesson's least-squares
    linear probe of the input (``training.given_measures()``, layer 0).
    """
    ax = ax or plt.subplots(figsize=(4.6, 4.6))[1]
    X, y = np.asarray(X, float), np.asarray(y)
    ax.scatter(*X.T, c=CLASS[y], s=10)
    (w1, w2, b), acc = np.asarray(cut, float), float(accuracy)
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

def layers_figure(layers, y, pca, measures=None, axes=None, title=None):
    """One panel per layer: its activations on their top two principal directions, coloured by class.

    ``pca(H, k)`` (the learner's pca_project) gives the coordinates. With
    ``measures`` = (participation ratios, probe accuracies), one per layer,
    each panel also says how many directions the layer uses (PR) and how well
    a straight cut separates the classes there (probe).
    """
    y = np.asarray(y)
    n = len(layers)
    points = []
    for H in layers:  # the learner's function first: a figure that waits for it leaves no empty axes
        P = np.asarray(pca(np.asarray(H, float), min(2, np.asarray(H).shape[1])), float).reshape(len(H), -1)
        points.append(np.hstack([P, np.zeros((len(H), 2 - P.shape[1]))]))  # a 1-unit layer: its one coordinate, 0
    if measures is not None:
        prs, accs = measures
        if not len(prs) == len(accs) == n:
            raise ValueError("measures: one participation ratio and one probe accuracy per layer")
    if axes is None:
        ncols = n if n <= 4 else int(np.ceil(n / 2))
        nrows = int(np.ceil(n / ncols))
        fig, axes = plt.subplots(nrows, ncols, figsize=(2.7 * ncols, 2.75 * nrows + 0.4), squeeze=False)
        for ax in axes.flat[n:]:
            ax.axis("off")
        axes = axes.flat[:n]
    for l, (ax, H, P) in enumerate(zip(axes, layers, points)):
        ax.scatter(*P.T, c=CLASS[y], s=4)
        ax.set_aspect("equal", adjustable="datalim")  # true proportions: a flat cloud looks flat
        ax.set_xticks([])
        ax.set_yticks([])
        width = np.asarray(H).shape[1]
        name = "input" if l == 0 else f"layer {l}"
        ax.set_title(f"{name} ({width} units)", fontsize=10)
        if not np.any(np.ptp(np.asarray(H, float), axis=0)):  # no spread at all: every point is the same
            ax.text(0.5, 0.5, "dead: every unit is 0", transform=ax.transAxes, ha="center", color=C["dead"])
        if measures is not None:
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

def width_figure(X, y, nets_by_kind, activations, probe, ax=None):
    """Probe accuracy at the last layer against the width of the layers; ``nets_by_kind``: label -> {width: Net}.

    ``activations(X, net)`` gives the net's layers [X, H_1, ..., H_L] and
    ``probe(H, y)`` a linear-probe accuracy: the learner's functions.
    """
    y = np.asarray(y)
    curves = {label: (sorted(nets), [float(probe(activations(X, nets[w])[-1], y)) for w in sorted(nets)])
              for label, nets in nets_by_kind.items()}  # before the axes: a figure that waits leaves none
    ax = ax or plt.subplots(figsize=(5.2, 3.6))[1]
    for label, (widths, accs) in curves.items():
        ax.plot(widths, accs, "o-", color=C.get(label), label=label)
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax.text(ax.get_xlim()[1], 0.51, "coin toss", ha="right", va="bottom", fontsize=8, color="gray")
    ax.set(xlabel="units per layer", ylabel="probe accuracy, last layer", ylim=(0.45, 1.03),
           title="too narrow, and the spirals stay tangled")
    ax.legend(frameon=False, fontsize=9, loc="upper left")
    return ax


def probe_map(X, y, net, layer, mlp_activations, cuts, accuracies, ax=None, lim=1.2):
    """The best straight cut at `layer`, seen back in the input plane: deeper, it bends along the spirals.

    ``net`` is a plain network, run on a grid of the plane by the learner's
    ``mlp_activations(X, weights, biases)``; ``cuts[layer]`` holds the cut's
    weights on [H_layer, 1] (the bias last) and ``accuracies[layer]`` its
    accuracy on (X, y): given numbers (``training.given_measures()``), fitted
    on the data at that layer.
    """
    if net.residual:
        raise ValueError("probe_map runs the net with mlp_activations: a plain network only")
    X, y = np.asarray(X, float), np.asarray(y)
    layer = int(round(layer))
    g = np.linspace(-lim, lim, 200)
    G = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)  # (200 * 200, 2): the input plane
    H = np.asarray(mlp_activations(G, net.weights, net.biases)[layer], float)  # the plane at that layer
    w, acc = np.asarray(cuts[layer], float), float(accuracies[layer])
    z = (H @ w[:-1] + w[-1]).reshape(len(g), len(g))  # which side of the cut
    ax = ax or plt.subplots(figsize=(4.6, 4.6))[1]
    ax.contourf(g, g, z > 0, levels=[-0.5, 0.5, 1.5], colors=[CLASS[0], CLASS[1]], alpha=0.25)
    ax.contour(g, g, z, levels=[0], colors=C["line"], linewidths=1)
    ax.scatter(*X.T, c=CLASS[y], s=6)
    name = "the input" if layer == 0 else f"layer {layer}"
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(f"a straight cut at {name}: {acc:.0%} right", fontsize=11)
    return ax
