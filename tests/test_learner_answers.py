"""The figure helpers ship to learners, so they compute no exercise's answer (docs/authoring.md, "Story").

Each lesson's test calls its helpers without the learner's function or result where that is still
allowed, and checks that the answer is not computed there: a missing argument is a TypeError, and a
(deliberately wrong) function or result handed in is what the figure draws.
"""
import numpy as np
import pytest


def test_no_answer_in_lesson_01_helpers(monkeypatch):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    from actspace.plotting import bases

    class Linalg:  # np.linalg without the routines that solve, invert or decompose: the exercises' answers
        FORBIDDEN = {"solve", "inv", "pinv", "lstsq", "svd", "matrix_rank", "multi_dot", "eig", "eigh", "qr"}

        def __getattr__(self, name):
            if name in self.FORBIDDEN:
                raise AssertionError(f"actspace/plotting/bases.py calls np.linalg.{name}")
            return getattr(np.linalg, name)

    class NumPy:
        linalg = Linalg()

        def __getattr__(self, name):
            return getattr(np, name)

    monkeypatch.setattr(bases, "np", NumPy())

    def polygon(ax, label):
        (p,) = [p for p in ax.patches if isinstance(p, Polygon) and p.get_label() == label]
        return p.get_xy()

    calls = []

    def wrong_to_basis(B, x):  # a learner's to_basis, deliberately wrong: every figure must draw it
        calls.append((np.array(B), np.array(x)))
        return 2.0 * np.asarray(x, float) + 0.1

    B = np.array([[2.0, 0.0], [-1.0, 2.0]])
    A = np.array([[1.25, 0.75], [0.75, 1.25]])
    W1, W2 = np.array([[0.0, -1.0], [1.0, 0.0]]), np.array([[2.0, 0.0], [0.0, 1.0]])
    try:
        # to_basis: the coordinates are given (by hand or by the learner), never solved for
        with pytest.raises(TypeError):
            bases.coordinates(B, np.array([2.0, 1.0]))
        with pytest.raises(ValueError):
            bases.coordinates(B, np.array([2.0, 1.0]), c=np.array([1.0, 2.0]))  # not B c = x: refused
        bases.coordinates(np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([2.0, 1.0]), c=np.array([1.0, 1.0]))
        for helper in (bases.rotate_shear, bases.ill_conditioned):
            with pytest.raises(TypeError):
                helper()
        with pytest.raises(TypeError):
            bases.map_two_ways(A, B)

        ax = bases.rotate_shear(angle=0.0, shear=0.0, x=(1.0, 2.0), to_basis=wrong_to_basis)
        assert calls and "c = (2.1, 4.1)" in ax.get_title()

        calls.clear()
        axes = bases.ill_conditioned(angle=8, to_basis=wrong_to_basis)
        assert len(calls) == 2
        disc = calls[0][1]
        assert np.allclose(polygon(axes[1], "coordinates of the circle around x")[:len(disc)], 2.0 * disc + 0.1)

        X = np.random.default_rng(0).normal(size=(40, 2))
        C = -X[:, ::-1]  # coordinates that are not B's: the colours must follow them
        axes = bases.coordinates_view(X, C, B)
        sizes = [len(c.get_offsets()) for c in axes[0].collections]
        code = (C > 0).astype(int) @ [1, 2]
        assert sizes == [int(np.sum(code == k)) for k in bases.QUADRANT_COLORS]

        # map_in_basis: without M the right panel is the learner's to_basis of F and of A F, with no matrix
        calls.clear()
        axes = bases.map_two_ways(A, B, to_basis=wrong_to_basis)
        F = calls[0][1]
        assert np.allclose(calls[1][1], F @ A.T)
        assert np.allclose(polygon(axes[1], "A F, in B-coordinates")[:len(F)], 2.0 * (F @ A.T) + 0.1)
        assert "columns" not in axes[1].get_title()
        M = np.array([[3.0, 1.0], [0.0, -1.0]])  # the learner's (wrong) M is what is drawn and printed
        axes = bases.map_two_ways(A, B, M=M, to_basis=wrong_to_basis)
        assert np.allclose(polygon(axes[1], "your M on F's coordinates")[:len(F)], (2.0 * F + 0.1) @ M.T)
        assert bases.fmt(M) in axes[1].get_title()

        # compose: no product matrix in the figure before the exercise; layer_by_layer draws the given M
        axes = bases.compose_order(W1, W2)
        titles = " ".join(ax.get_title() for ax in axes)
        assert bases.fmt(W2 @ W1) not in titles and bases.fmt(W1 @ W2) not in titles
        with pytest.raises(TypeError):
            bases.layer_by_layer([W1, W2, W1])
        ax = bases.layer_by_layer([W1, W2, W1], M)
        (dotted,) = [line for line in ax.lines if line.get_label() == "one matrix: M F"]
        F = bases.letter_f()
        assert np.allclose(dotted.get_xydata(), np.vstack([F, F[:1]]) @ M.T)

        # null_space: collapse draws without an SVD (np.linalg.svd is refused above) and no null space
        # arrow until it is handed the learner's N, which is then what it draws
        W_flat = np.array([[1.0, 2.0], [0.5, 1.0]])
        axes = bases.collapse(W_flat)
        assert not axes[0].texts and "rank" not in axes[0].get_title()
        axes = bases.collapse(W_flat, N=np.array([[1.0], [0.0]]))
        (arrow,) = axes[0].texts
        assert np.allclose(arrow.xy, (1.8, 0.0))
    finally:
        plt.close("all")

def test_no_answer_in_lesson_02_helpers():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest
    from matplotlib.quiver import Quiver

    from actspace.plotting import relu as R

    def offsets(ax):  # every scattered point of the axis, one row each
        rows = [c.get_offsets() for c in ax.collections if not isinstance(c, Quiver) and len(c.get_offsets())]
        return np.concatenate(rows) if rows else np.zeros((0, 2))

    def arrows(ax):  # (n, 4): x, y, u, v of the quiver arrows
        q = [c for c in ax.collections if isinstance(c, Quiver)]
        return np.concatenate([np.column_stack([c.X, c.Y, c.U, c.V]) for c in q]) if q else np.zeros((0, 4))

    def spy(value):
        calls = []

        def fn(*args):
            calls.append(args)
            return value(*args)
        fn.calls = calls
        return fn

    # no private copy of an answer is left in the module
    for name in ("codes_of", "_patterns", "_relu"):
        assert not hasattr(R, name), name
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    W, b = np.array([[1.0, 1.0], [-1.0, 2.0]]), np.array([0.5, -0.5])
    B = np.array([[2.0, 0.0], [-1.0, 2.0]])
    try:
        # relu: clamp needs the images
        with pytest.raises(TypeError):
            R.clamp(X)
        Y = X + 0.5  # not ReLU: drawn as given
        axes = R.clamp(X, Y)
        assert np.allclose(arrows(axes[0])[:, 2:], Y - X)
        assert np.allclose(np.sort(offsets(axes[1]), 0), np.sort(Y, 0))
        plt.close("all")

        # orthant_code: points need the learner's codes, which are drawn without a check against the truth
        with pytest.raises(TypeError):
            R.orthant_map(X)
        ax = R.orthant_map(X, codes=np.zeros(len(X), int))  # every point "in quadrant 0"
        colors = {tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections if len(c.get_offsets())}
        assert colors == {tuple(np.round(matplotlib.colors.to_rgb(R.CODE_COLORS[0]), 3))}
        assert ax.get_legend() is None  # no "wrong codes" marked: that would be the answer
        plt.close("all")

        # kept_mask: points need the learner's mask; the bias slider draws no points
        with pytest.raises(TypeError):
            R.layer_kept(W, b, X)
        wrong = np.arange(len(X)) % 3 == 0
        ax = R.layer_kept(W, b, X, mask=wrong)
        filled = [c for c in ax.collections if len(c.get_offsets()) and np.asarray(c.get_facecolor()).size]
        assert np.allclose(np.sort(filled[0].get_offsets(), 0), np.sort(X[wrong], 0))
        ax = R.bias_slider(plt.subplots()[1])
        assert len(offsets(ax)) == 0
        plt.close("all")

        # relu_in_basis: no arrows without Y; the slider takes the learner's function and draws its output
        assert len(arrows(R.in_basis(B, X))) == 0
        ax = R.in_basis(B, X, Y=X * 0.0)
        assert np.allclose(arrows(ax)[:, 2:], -X[np.linalg.norm(X, axis=1) > 1e-9])
        with pytest.raises(TypeError):
            R.basis_slider(plt.subplots()[1])
        fn = spy(lambda B_, P: P + 1.0)
        ax = R.basis_slider(plt.subplots()[1], fn=fn)
        assert len(fn.calls) == 1 and np.allclose(arrows(ax)[:, 2:], 1.0)
        plt.close("all")

        # kept_cone: without G no arrow runs along a column of W^-1; with G the arrows are G's
        def arrow_dirs(ax):
            tips = [np.asarray(t.xy, float) for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
            return [v / np.linalg.norm(v) for v in tips]

        inv = np.linalg.inv(W)
        cols = [inv[:, j] / np.linalg.norm(inv[:, j]) for j in range(2)]
        for v in arrow_dirs(R.cone_confusion(W)):
            assert all(v @ c < 0.999 for c in cols), "an arrow along a column of W^-1"
        G = np.array([[1.0, 0.0], [0.0, 1.0]])  # wrong on purpose
        dirs = arrow_dirs(R.cone_confusion(W, G=G))
        assert any(np.allclose(v, [1, 0]) for v in dirs) and any(np.allclose(v, [0, 1]) for v in dirs)
        assert not any(v @ c > 0.999 for v in dirs for c in cols)
        plt.close("all")

        # count_activation_patterns: the regions need the learner's orthant_code and print no count;
        # the counts are the learner's
        W5, b5 = rng.normal(size=(5, 2)), rng.normal(size=5)
        with pytest.raises(TypeError):
            R.linear_regions(W5, b5)
        code = spy(lambda Z: np.zeros(len(Z), int))  # one "region" everywhere
        ax = R.linear_regions(W5, b5, code=code, res=60)
        assert len(code.calls) == 1
        assert len(np.unique(ax.images[0].get_array().reshape(-1, 3), axis=0)) == 1
        import re
        import solutions
        ax = R.linear_regions(W5, b5, code=solutions.orthant_code, res=60)
        assert not re.search(r"\d+\s+(linear\s+)?regions", ax.get_title()), ax.get_title()  # no count printed
        with pytest.raises(TypeError):
            R.region_counts(W5, b5)
        count = spy(lambda W_, b_, P: 7)
        ax = R.region_counts(W5, b5, count=count, res=30)
        assert len(count.calls) == len(W5)
        assert np.allclose(ax.lines[-1].get_ydata(), 7)
    finally:
        plt.close("all")


def test_no_answer_in_lesson_03_helpers():
    import inspect

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest

    from actspace.plotting import residual

    # no private block, ReLU, branch or inverse left in the module
    source = inspect.getsource(residual)
    assert "np.maximum" not in source and "np.clip(Z" not in source
    for name in ("_relu", "_block", "_plain"):
        assert not hasattr(residual, name), name

    W, b = np.array([[0.6, 0.3], [-0.4, 0.5]]), np.array([0.2, -0.1])
    W1, b1, W2 = np.array([[0.8, 0.4], [-0.3, 0.6]]), np.array([1.5, 0.3]), np.array([[0.9, -0.5], [0.4, 0.9]])
    Ws, bs = residual.random_stack(np.random.default_rng(1), depth=3)
    x, ys = np.array([-1.0, 0.5]), np.array([[2.0, 0.15]])

    # without the learner's residual_block / invert_residual nothing is drawn
    for call in (lambda: residual.decomposition(x, W1, b1, W2),
                 lambda: residual.skip_plus_branch(x, W1, b1, W2),
                 lambda: residual.shift_field(W1, b1, W2),
                 lambda: residual.plain_vs_residual(Ws, bs, depths=(0, 1)),
                 lambda: residual.local_circles(W, b),
                 lambda: residual.fold_2d(W, b, scale=1.5),
                 lambda: residual.fold_1d(lambda X, W, b: X),
                 lambda: residual.fixed_point(ys, W, b)):
        with pytest.raises(TypeError):
            call()
    plt.close("all")

    # a deliberately wrong block (a shift by 1: its branch is 1 everywhere) is what gets drawn
    calls = []

    def shifted(X, W, b):
        calls.append(np.shape(X))
        return np.asarray(X, float) + 1.0

    axes = residual.decomposition(x, W1, b1, W2, shifted)
    assert calls and "1.00 w$_1$ + 1.00 w$_2$" in axes[0].texts[-1].get_text()  # c = shifted(x) - x = (1, 1)
    axes = residual.plain_vs_residual(Ws, bs, shifted, depths=(0, 1))
    assert axes[0, 1].get_xlabel() == "0% of cells keep an area"  # every point sent to (1, 1); a real layer keeps 50%
    ax = residual.fold_2d(W, b, shifted, scale=1.5)
    assert ax.get_title().endswith("no cell turned inside out")  # a translation; the real block flips 60%
    calls.clear()
    residual.local_circles(W, b, shifted)
    assert calls
    plt.close("all")

    # a deliberately wrong inverse: its iterates are what the figure draws
    steps = []

    def invert(y, W, b, n_steps=200):
        steps.append(n_steps)
        return np.asarray(y, float) + n_steps

    axes = residual.fixed_point(ys, W, b, invert, n_steps=5)
    assert sorted(steps) == [0, 1, 2, 3, 4, 5, 200]
    path = next(line.get_xydata() for line in axes[0].lines if len(line.get_xydata()) == 6)  # x_0 .. x_5
    assert np.allclose(path, ys[0] + np.arange(6)[:, None])
    steps.clear()
    residual.fold_1d(shifted, invert, n_steps=4)
    assert sorted(steps) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    plt.close("all")


def test_no_answer_in_lesson_04_helpers():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest
    from matplotlib.markers import MarkerStyle

    from actspace.plotting import attention

    X = np.array([[1.6, 0.2], [0.7, 1.3], [-0.7, 1.2], [-1.5, -0.1], [-0.4, -1.3], [1.0, -1.0]])
    W_q, W_k, W_v = 1.5 * np.eye(2), np.array([[0.75, -1.3], [1.3, 0.75]]), np.array([[1.0, 0.4], [-0.5, 0.8]])
    A_given = 0.7 * np.roll(np.eye(6), 1, axis=1) + 0.3 / 6

    def uniform(X, W_q, W_k, causal=False):
        return np.full((len(X), len(X)), 1.0 / len(X))

    # softmax: before the exercise only the naive weights and the shifted scores, no normalised stable softmax
    axes = attention.softmax_overflow()
    naive = np.array([line.get_ydata() for line in axes[0].lines])  # (k, m)
    assert len(naive) == 4 and np.isnan(naive[:, -1]).sum() == 3  # at t = 1e4 the naive form is nan, no weights
    shifted = np.array([line.get_ydata() for line in axes[1].lines])  # (k, m)
    assert np.allclose(shifted.max(axis=0), 0.0) and (shifted <= 0).all()  # scores, not weights summing to 1
    with pytest.raises(TypeError):
        attention.softmax_stable()
    seen = []

    def wrong_softmax(S, axis=-1):
        seen.append(axis)
        return np.full(np.shape(S), 0.25)

    ax = attention.softmax_stable(wrong_softmax)
    assert seen and all(np.allclose(line.get_ydata(), 0.25) for line in ax.lines[:4])

    # attention_head: the outputs drawn are the learner's head's
    for call in (lambda: attention.mixing(X, W_q, W_k, W_v, uniform),
                 lambda: attention.not_linear(X, W_q, W_k, W_v, uniform),
                 lambda: attention.scaled(X, W_q, W_k, W_v),
                 lambda: attention.collapse_limit(X, W_q, W_k, W_v, uniform),
                 lambda: attention.ov_writes(X, A_given, np.array([[1.0], [0.5]]), np.array([[0.6, 0.8]]))):
        with pytest.raises(TypeError):
            call()
    plt.close("all")
    heads = []

    def zero_head(X, W_q, W_k, W_v, causal=False):
        heads.append(np.array(X))
        return np.zeros((len(X), np.shape(W_v)[1]))

    def drawn_outputs(ax):
        """The diamonds' centres (the outputs), from the scatter collections drawn with marker 'D'."""
        D = MarkerStyle("D")
        D = D.get_path().transformed(D.get_transform()).vertices
        return np.array([c.get_offsets()[0] for c in ax.collections
                         if c.get_offsets().size and c.get_paths()[0].vertices.shape == D.shape
                         and np.allclose(c.get_paths()[0].vertices, D)])

    ax = attention.mixing(X, W_q, W_k, W_v, uniform, zero_head, beta=1.0)
    assert len(heads) == 1 and np.allclose(drawn_outputs(ax), 0.0) and len(drawn_outputs(ax)) == 6
    heads.clear()
    ax = attention.scaled(X, W_q, W_k, W_v, zero_head, c=2.0)
    assert len(heads) == 2 and np.allclose(heads[1], 2.0 * X) and ax.get_title().endswith("largest gap 0.00")
    heads.clear()
    axes = attention.not_linear(X, W_q, W_k, W_v, uniform, zero_head, c=2.0)
    assert heads and axes[2].get_title().endswith("largest gap 0.00")
    heads.clear()
    axes = attention.collapse_limit(X, W_q, W_k, W_v, uniform, zero_head)
    assert heads and np.allclose(drawn_outputs(axes[1]), 0.0)

    # ov_circuit: the product drawn is the learner's
    ovs = []

    def zero_ov(W_v, W_o):
        ovs.append(1)
        return np.zeros((np.shape(W_v)[0], np.shape(W_o)[1]))

    ax = attention.ov_writes(X, A_given, np.array([[1.0], [0.5]]), np.array([[0.6, 0.8]]), zero_ov)
    assert ovs and np.allclose(drawn_outputs(ax), 0.0) and len(drawn_outputs(ax)) == 6
    plt.close("all")


def test_no_answer_in_lesson_05_helpers():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest

    import solutions
    from actspace.plotting import transformer as tf

    rng = np.random.default_rng(0)
    H = rng.normal(size=(40, 6)) * [3.0, 2.0, 1.5, 1.0, 0.5, 0.2]  # (40, 6): every direction its own spread

    # participation_ratio (lesson 6) and pca_project (lesson 6): the stream's measures are neither
    assert not hasattr(tf, "_directions")
    m = tf.stream_measures([H, 2 * H + 1])
    assert "pr" not in m
    pr = solutions.participation_ratio(H)
    assert not any(np.isclose(v, pr, rtol=1e-6) for values in m.values() for v in np.ravel(values)), m
    U = tf.input_plane([H])  # (6, 2) orthonormal
    assert np.allclose(U.T @ U, np.eye(2))
    projected, pca = (H - H.mean(axis=0)) @ U, solutions.pca_project(H, 2)
    assert not np.allclose(np.abs(projected), np.abs(pca), atol=1e-6), "input_plane is the top principal plane again"

    # layer_norm: output_radius has no unit-spread row of its own (no normalised z), it draws the learner's output
    with pytest.raises(TypeError):
        tf.output_radius()
    seen = []

    def spy(X, eps=1e-5):
        seen.append((np.array(X, float), eps))
        return np.full(np.shape(X), 0.5)  # wrong on purpose: |row| / sqrt(d) = 0.5 at every spread

    ax = tf.output_radius(spy)
    assert [eps for _, eps in seen] == [0.0, 1e-5, 1e-2]
    for line in ax.get_lines():
        assert np.allclose(line.get_ydata(), 0.5)
    rows = seen[0][0]  # the spread is measured on the rows, not set by normalising a row first
    assert np.allclose(ax.get_lines()[0].get_xdata(), rows.std(axis=1))

    # transformer_block: the stream is the learner's block, run as given
    calls = []

    def block(X, **w):
        calls.append(1)
        return np.asarray(X) * 1.0  # a block that writes nothing

    stream = tf.stream_of_blocks(np.random.default_rng(0), block, n_blocks=3, n_tokens=16, d_model=8, n_heads=2)
    assert len(calls) == 3 and all(np.array_equal(stream[0], X) for X in stream)
    ax = tf.draw_stream(block=block)
    assert np.allclose(ax.get_lines()[0].get_ydata(), ax.get_lines()[0].get_ydata()[0])  # nothing written: flat
    plt.close("all")


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


def test_no_answer_in_lesson_07_helpers():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest

    from actspace import induction
    from actspace.plotting import trained as tr

    params, _ = induction.load()
    vocab = params["W_E"].shape[0]
    tokens = induction.repeated_tokens(np.random.default_rng(0), 4, vocab, 5)  # (4, 10)

    def identity_block(X, *weights, causal=True):
        return np.asarray(X, float)

    run = tr.Run(params, tokens, identity_block)

    # softmax (lesson 4): the losses come from the learner's softmax
    with pytest.raises(TypeError):
        tr.next_token_losses(run)
    with pytest.raises(TypeError):
        tr.loss_by_position(run)

    def uniform(S, axis=-1):  # wrong on purpose: every token equally likely
        return np.full(np.shape(S), 1.0 / np.shape(S)[axis])

    assert np.allclose(tr.next_token_losses(run, uniform), np.log(vocab))

    # copying_score (lesson 7): no token circuit of its own, eigenvalues of the circuit passed in, the learner's score
    assert not hasattr(tr, "token_circuit")
    with pytest.raises(TypeError):
        tr.eigenvalues_figure(params)
    with pytest.raises(TypeError):
        tr.eigenvalues_figure(params, lambda p, l, h: np.eye(vocab))
    wrong = -2.0 * np.eye(vocab)  # every eigenvalue -2

    def circuit(p, layer, head):
        return wrong

    axes = tr.eigenvalues_figure(params, circuit, lambda W_E, W_v, W_o, W_U: 0.123)
    for ax in np.ravel(axes):
        assert np.allclose(ax.collections[0].get_offsets(), [[-2.0, 0.0]] * vocab)
        assert ax.get_title().endswith("copying +0.12")
    fig, ax = plt.subplots()
    tr.draw_circuit(ax, params, 3, circuit)
    assert np.array_equal(ax.get_images()[0].get_array(), wrong)

    # participation_ratio (lesson 6) and subspace_variance_share (lesson 7): the learner's, passed in
    assert not hasattr(tr, "participation")
    with pytest.raises(TypeError):
        tr.layer_measures(run, lambda H, B: 0.25)
    with pytest.raises(TypeError):
        tr.pooling_figure({"trained": run})
    m = tr.layer_measures(run, lambda H, B: 0.25, lambda H: 7.0)
    assert m["pr"] == [7.0] * 3 and m["share"] == [0.25] * 3 and m["share_tokens"] == [0.25] * 3
    ax, _ = tr.pooling_figure({"trained": run}, lambda H: 7.0)
    assert all(np.allclose(line.get_ydata(), 7.0) for line in ax.get_lines())
    plt.close("all")
