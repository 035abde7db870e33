"""Lesson 7's trainer (training/induction.py) and the weights it shipped (actspace/data/induction.*)."""
import json
from pathlib import Path

import tomllib

import numpy as np
import pytest

import solutions
from actspace import induction
from training import induction as trainer

ROOT = Path(__file__).resolve().parents[1]


def _small_model(rng):
    """A tiny model in float64 with non-zero biases, so that every gradient is exercised."""
    params = induction.init_params(rng, vocab=7, n_ctx=6, d_model=8, n_layers=2, n_heads=2, d_head=3, d_mlp=10)
    for block in params["blocks"]:
        block["b_in"] += 0.3 * rng.normal(size=block["b_in"].shape)
        block["b_out"] += 0.3 * rng.normal(size=block["b_out"].shape)
    return params, induction.repeated_tokens(rng, 3, 7, 3)


def _names(params):
    return ["W_E", "W_pos", "W_U"] + [f"block{l}.{k}" for l in range(len(params["blocks"])) for k in induction.BLOCK_KEYS]


def test_gradients_match_finite_differences_for_every_parameter():
    params, tokens = _small_model(np.random.default_rng(0))
    _, grads = trainer.loss_and_grads(params, tokens)
    h = 1e-6
    for name, P, G in zip(_names(params), trainer._leaves(params), trainer._leaves(grads)):
        assert G.shape == P.shape, name
        numeric = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + h
            up, _ = trainer.loss_and_grads(params, tokens)
            P[idx] = old - h
            down, _ = trainer.loss_and_grads(params, tokens)
            P[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        assert np.abs(numeric).max() > 0, f"{name}: the loss does not depend on it"
        assert np.allclose(G, numeric, rtol=1e-5, atol=1e-7 * np.abs(numeric).max()), name


def test_the_trainer_forward_is_the_course_model():
    """training/induction.forward on a batch = actspace.induction.run_model with the reference block, per sequence."""
    rng = np.random.default_rng(1)
    params = induction.init_params(rng, vocab=9, n_ctx=8, d_model=12, n_layers=2, n_heads=3, d_head=4, d_mlp=20)
    tokens = induction.repeated_tokens(rng, 4, 9, 4)
    logits, _ = trainer.forward(params, tokens)
    for b in range(len(tokens)):
        assert np.allclose(logits[b], induction.run_model(tokens[b], params, solutions.transformer_block))


def test_a_short_run_lowers_the_loss():
    config = dict(vocab=8, half=4, half_range=[3, 5], n_ctx=10, d_model=16, n_layers=2, n_heads=2, d_head=4, d_mlp=32)
    _, curve = trainer.train(np.random.default_rng(0), steps=150, batch=16, lr=3e-3, config=config, log=None)
    assert curve[-20:].mean() < 0.8 * curve[:10].mean()


def test_the_same_seed_gives_the_same_weights_and_another_seed_does_not():
    config = dict(vocab=6, half=3, half_range=[2, 3], n_ctx=6, d_model=8, n_layers=2, n_heads=2, d_head=2, d_mlp=8)
    run = [trainer.train(np.random.default_rng(seed), steps=5, batch=4, config=config, log=None)[0] for seed in (3, 3, 4)]
    a, b, c = (induction.flatten(p) for p in run)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_repeated_tokens_are_distinct_then_repeated():
    tokens = induction.repeated_tokens(np.random.default_rng(0), 50, 12, 5)
    assert tokens.shape == (50, 10) and tokens.min() >= 0 and tokens.max() < 12
    assert np.array_equal(tokens[:, :5], tokens[:, 5:])
    assert all(len(set(row[:5])) == 5 for row in tokens)


# ---------------------------------------------------------------- the shipped weights

@pytest.fixture(scope="module")
def shipped():
    return induction.load()


def test_the_shipped_files_are_small_and_package_data():
    npz = ROOT / "actspace" / "data" / "induction.npz"
    assert 10_000 < npz.stat().st_size < 500_000
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["actspace"]
    assert {"data/*.npz", "data/*.json"} <= set(shipped)


def test_the_shipped_weights_have_the_recorded_shapes(shipped):
    params, info = shipped
    c = info["config"]
    assert params["W_E"].shape == (c["vocab"], c["d_model"])
    assert params["W_pos"].shape == (c["n_ctx"], c["d_model"]) and c["n_ctx"] >= 2 * c["half_range"][1]
    assert params["W_U"].shape == (c["d_model"], c["vocab"])
    assert len(params["blocks"]) == c["n_layers"]
    assert params["blocks"][0]["W_q"].shape == (c["n_heads"], c["d_model"], c["d_head"])
    assert params["blocks"][0]["W_o"].shape == (c["n_heads"], c["d_head"], c["d_model"])


def _metrics_with_the_reference(params, tokens, half):
    """Per-half loss and accuracy, the model run sequence by sequence with solutions.transformer_block."""
    losses, right = [], []
    for seq in tokens:
        z = induction.run_model(seq, params, solutions.transformer_block)[:-1]  # (n - 1, vocab): row i scores seq[i + 1]
        logp = z - z.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        losses.append(-logp[np.arange(len(z)), seq[1:]])
        right.append(z.argmax(axis=1) == seq[1:])
    losses, right = np.array(losses), np.array(right)  # (B, n - 1)
    first, repeat = slice(0, half - 1), slice(half, None)
    return losses[:, first].mean(), losses[:, repeat].mean(), right[:, first].mean(), right[:, repeat].mean()


def test_the_recorded_metrics_hold_with_the_reference_functions(shipped):
    params, info = shipped
    c, rec = info["config"], info["held_out"]
    tokens = induction.repeated_tokens(np.random.default_rng(rec["seed"]), 300, c["vocab"], c["half"])
    loss_first, loss_repeat, acc_first, acc_repeat = _metrics_with_the_reference(params, tokens, c["half"])
    # what the record says, on a fresh subset of the same held-out stream
    assert abs(loss_first - rec["loss_first_half"]) < 0.1 and abs(loss_repeat - rec["loss_repeated_half"]) < 0.05
    assert abs(acc_repeat - rec["accuracy_repeated_half"]) < 0.03
    # and what it means: the repeated half is predicted, the first half is not
    assert loss_repeat < 0.1 * loss_first
    assert acc_repeat > 0.95 and acc_first < 0.3
    assert loss_first > 0.8 * np.log(c["vocab"] - c["half"])  # no better than guessing among the unseen tokens


def test_other_sequences_than_the_held_out_ones_work_too(shipped):
    params, info = shipped
    c = info["config"]
    tokens = induction.repeated_tokens(np.random.default_rng(12345), 100, c["vocab"], c["half"])
    loss_first, loss_repeat, _, acc_repeat = _metrics_with_the_reference(params, tokens, c["half"])
    assert loss_repeat < 0.1 * loss_first and acc_repeat > 0.95


def test_the_record_says_how_it_was_made(shipped):
    _, info = shipped
    for key in ("seed", "config", "steps", "batch", "lr", "training_seconds", "held_out"):
        assert key in info
    assert json.loads((ROOT / "actspace" / "data" / "induction.json").read_text()) == info
