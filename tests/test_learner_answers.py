"""The learner's install computes no exercise's answer: the figure helpers take the learner's functions (or results)."""
import numpy as np
import pytest


def test_no_answer_in_lesson_06_helpers():
    """mlp_activations, pca_project, participation_ratio, linear_probe_accuracy: taken, never computed."""
    import matplotlib.pyplot as plt

    from actspace import training
    from actspace.plotting import untangling as un

    # no private copies, no forward pass in the learner's install (the trainer is training/untangling.py)
    for name in ("_pca2", "_probe", "_participation"):
        assert not hasattr(un, name), name
    for name in ("activations", "logits", "accuracy", "train_mlp", "_loss_and_grads"):
        assert not hasattr(training, name), name
    X, y = training.two_spirals(np.random.default_rng(0), n=40)
    net = training.load_nets()["plain"][4]
    layers = [X, np.abs(X) + 1.0, np.c_[X, X.sum(axis=1)]]  # any three clouds: (40, 2), (40, 2), (40, 3)

    # without the learner's function, no figure: the argument is required
    for call in (lambda: un.measure(layers, y), lambda: un.layers_figure(layers, y),
                 lambda: un.width_figure(X, y, {"plain": {4: net}}), lambda: un.probe_map(X, y, net, 1),
                 lambda: un.spirals_figure(X, y)):
        with pytest.raises(TypeError):
            call()
    plt.close("all")

    # with deliberately wrong spies, what is drawn or returned is the spies' output
    calls = []

    def pr(H):
        calls.append("pr")
        return 7.0 + H.shape[1]

    def probe(H, y):
        calls.append("probe")
        return 0.25

    def pca(H, k):
        calls.append("pca")
        return np.full((len(H), k), 3.0)

    assert un.measure(layers, y, pr, probe) == ([9.0, 9.0, 10.0], [0.25] * 3)
    axes = un.layers_figure(layers, y, pca, measures=un.measure(layers, y, pr, probe))
    assert calls.count("pca") == 3
    assert all(np.allclose(ax.collections[0].get_offsets(), 3.0) for ax in axes)
    assert axes[2].get_xlabel().startswith("PR 10.0") and "probe 25%" in axes[2].get_xlabel()
    assert un.layers_figure(layers, y, pca)[0].get_xlabel() == ""  # no numbers unless given
    plt.close("all")

    seen = []

    def spy_activations(X, net):
        seen.append(net)
        return [X, np.ones((len(X), 3))]

    ax = un.width_figure(X, y, {"plain": {4: net, 16: net}}, activations=spy_activations, probe=probe)
    assert len(seen) == 2 and np.allclose(ax.lines[0].get_ydata(), 0.25)
    plt.close("all")

    grids = []

    def spy_mlp_activations(Z, weights, biases):
        grids.append(Z.shape)
        return [Z, np.c_[Z[:, :1], -Z[:, :1]]]  # layer 1: (x1, -x1), so the cut x1 - (-x1) = 0 is the line x1 = 0

    ax = un.probe_map(X, y, net, 1, spy_mlp_activations, cuts=[None, np.array([1.0, -1.0, 0.0])], accuracies=[0, 0.123])
    assert grids == [(200 * 200, 2)] and "12% right" in ax.get_title()
    plt.close("all")

    ax = un.spirals_figure(X, y, cut=(0.0, 1.0, -0.5), accuracy=0.42)  # the given cut: the line x2 = 0.5
    assert np.allclose(ax.lines[0].get_ydata(), 0.5) and "42% right" in ax.get_legend().get_texts()[-1].get_text()
    plt.close("all")
