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
