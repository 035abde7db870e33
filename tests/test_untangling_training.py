"""Lesson 6's trainer (training/untangling.py), the networks it shipped (actspace/data/untangling.npz) and the
numbers the lesson gives for them (actspace/data/untangling_given.json)."""
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import solutions
from actspace import training
from training import untangling as trainer

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "lessons" / "06_untangling" / "06_untangling.ipynb"


def _small(rng, residual):
    """A small batch and net with non-zero biases, so that every gradient is exercised."""
    X, y = rng.normal(size=(12, 2)), (rng.random(12) > 0.5).astype(float)
    weights, biases = trainer._init(rng, [4, 4, 4], 2, residual)
    biases = [b + 0.3 * rng.normal(size=b.shape) for b in biases]
    return X, y, weights, biases


@pytest.mark.parametrize("residual", [False, True])
def test_gradients_match_finite_differences(residual):
    X, y, weights, biases = _small(np.random.default_rng(0), residual)
    _, gW, gb = trainer.loss_and_grads(X, y, weights, biases, residual)
    h = 1e-6
    for P, G in zip(weights + biases, gW + gb):
        assert G.shape == P.shape
        numeric = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + h
            up = trainer.loss_and_grads(X, y, weights, biases, residual)[0]
            P[idx] = old - h
            down = trainer.loss_and_grads(X, y, weights, biases, residual)[0]
            P[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        assert np.allclose(G, numeric, rtol=1e-5, atol=1e-8)


def test_the_trainer_forward_is_the_lessons_network():
    """Plain: the reference mlp_activations; residual: lesson 3's residual_block after a plain first layer."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 2))
    for residual in (False, True):
        weights, biases = trainer._init(rng, [5, 5, 5], 2, residual)
        layers = trainer.forward(X, weights, biases, residual)[0]
        ref = solutions.mlp_activations(X, weights[:1], biases[:1])
        for W, b in zip(weights[1:-1], biases[1:-1]):
            ref.append(solutions.residual_block(ref[-1], W, b) if residual else solutions.mlp_activations(ref[-1], [W], [b])[-1])
        assert len(layers) == len(ref) == 4 and all(np.allclose(a, b) for a, b in zip(layers, ref))


def test_the_same_seed_gives_the_same_net_and_a_short_run_lowers_the_loss():
    X, y = training.two_spirals(np.random.default_rng(3), n=60)
    a, b, c = (trainer.train_mlp(X, y, [6] * 3, np.random.default_rng(s), steps=200) for s in (3, 3, 4))
    assert all(np.array_equal(p, q) for p, q in zip(a.weights, b.weights))
    assert not all(np.array_equal(p, q) for p, q in zip(a.weights, c.weights))
    assert a.losses[-20:].mean() < 0.8 * a.losses[:10].mean()
    with pytest.raises(ValueError):
        trainer.train_mlp(X, y, [4, 6], np.random.default_rng(0), residual=True)


# ---------------------------------------------------------------- what ships

@pytest.fixture(scope="module")
def shipped():
    return training.load_nets()


def test_the_shipped_nets_are_small_package_data_of_every_kind_and_width(shipped):
    assert 10_000 < (ROOT / "actspace" / "data" / "untangling.npz").stat().st_size < 500_000
    assert sorted((kind, w) for kind in shipped for w in shipped[kind]) == sorted(trainer.NETS)
    for kind, by_width in shipped.items():
        for width, net in by_width.items():
            assert net.residual == (kind == "residual") and len(net.weights) == len(net.biases) == trainer.DEPTH
            assert net.weights[0].shape == (width, 2) and all(W.shape == (width, width) for W in net.weights[1:])
            assert net.w_out.shape == (1, width) and net.b_out.shape == (1,) and net.losses.shape == (trainer.STEPS,)


def test_the_shipped_nets_are_what_the_trainer_makes_now(shipped):
    """The drift test: run `python -m training.untangling --out actspace/data/` when it fails."""
    for (kind, width), net in trainer.train_all().items():
        old = shipped[kind][width]
        for a, b in zip(net.weights + net.biases + [net.w_out, net.b_out, net.losses],
                        old.weights + old.biases + [old.w_out, old.b_out, old.losses]):
            assert np.allclose(a, b, rtol=1e-7, atol=1e-9), (kind, width)
        assert net.accuracy == old.accuracy, (kind, width)


def test_the_recorded_accuracy_is_the_nets_own(shipped):
    X, y = training.two_spirals(np.random.default_rng(training.DATA_SEED))
    for kind, by_width in shipped.items():
        for net in by_width.values():
            layers = trainer.forward(X, net.weights + [net.w_out], net.biases + [net.b_out], net.residual)[2]
            assert net.accuracy == float(np.mean((layers > 0) == (y == 1)))


def test_the_lessons_given_residual_layers_are_the_trainers(shipped):
    """The locked cell given_residual_activations, run with the reference mlp_activations."""
    cell = next(c for c in nbformat.read(LESSON, as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "given_residual_activations")
    ns = {"np": np, "mlp_activations": solutions.mlp_activations}
    exec(cell.source, ns)
    X, _ = training.two_spirals(np.random.default_rng(training.DATA_SEED))
    for by_width in shipped.values():
        for net in by_width.values():
            ref = trainer.forward(X, net.weights + [net.w_out], net.biases + [net.b_out], net.residual)[0]
            assert all(np.allclose(a, b) for a, b in zip(ns["activations"](X, net), ref))


def test_the_given_numbers_are_the_lessons_and_the_text_quotes_them():
    given = training.given_measures()
    assert len(given.pr) == len(given.probe) == len(given.cuts) == trainer.DEPTH + 1
    assert [len(w) for w in given.cuts] == [3] + [17] * trainer.DEPTH
    text = " ".join(c.source for c in nbformat.read(LESSON, as_version=4).cells if c.cell_type == "markdown")
    quoted = " → ".join(f"{p:.1f}" for p in given.pr)
    assert f"PR {quoted} over layers 0 to 5" in text.replace("\n>   ", " ").replace("\n> ", " ")
    assert re.search(rf"probe climbs from {given.probe[0]:.0%} to {given.probe[-1]:.0%}", text.replace("\n>   ", " "))
