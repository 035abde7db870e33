"""The course's helpers ship to learners: they compute no exercise's answer.

Each lesson's test calls its helpers without the learner's function or result
(where that is still allowed) and checks that no answer is computed: a missing
result is a TypeError, or a spy's deliberately wrong output is what is drawn.
"""


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
