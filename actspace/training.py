"""Lesson 6's tangled data set and the small ReLU networks trained on it, shipped as weights.

Dense-layer convention of lessons 1-3 and 6: a layer is x -> W x + b with W of
shape (d_out, d_in); on a batch of rows, X @ W.T + b. A network is

    plain:     H_l = relu(H_{l-1} W_l^T + b_l)
    residual:  H_1 = relu(X W_1^T + b_1),  H_l = H_{l-1} + relu(H_{l-1} W_l^T + b_l)  (l >= 2)

and reads out one logit z = H_L w_out^T + b_out for "class 1". The networks
were trained by the course repository's ``training/untangling.py`` (full-batch
Adam on the logistic loss, backpropagation written out by hand) and ship in
``actspace/data/untangling.npz``; nothing here runs a network: the lesson
does, with the learner's ``mlp_activations``.
"""
import importlib.resources
import json
from typing import NamedTuple

import numpy as np

DATA_SEED = 0  # the lesson's data set: two_spirals(np.random.default_rng(DATA_SEED))


def two_spirals(rng, n=400, turns=2.5, noise=0.03):
    """Two interleaved spirals in the plane (n points, half per class): no line separates them.

    Returns X (n, 2) inside the unit disc and y (n,) in {0, 1}; spiral 1 is
    spiral 0 turned by half a turn.
    """
    y = np.arange(n) % 2  # (n,) alternating classes, n // 2 each
    s = np.sqrt(rng.uniform(0.02, 1.0, size=n))  # (n,) distance along the spiral, denser far out
    angle = 2 * np.pi * turns * s + np.pi * y  # (n,)
    X = s[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2), radius grows with angle
    return X + noise * rng.normal(size=X.shape), y


class Net(NamedTuple):
    """A trained network: hidden layers in the x -> W x + b convention, then a one-logit readout."""

    weights: list  # W_l: (d_l, d_{l-1})
    biases: list  # b_l: (d_l,)
    w_out: np.ndarray  # (1, d_L)
    b_out: np.ndarray  # (1,)
    residual: bool
    losses: np.ndarray  # (steps,) training loss after each step
    accuracy: float  # share of the training points the trained network puts in their class


def _data(name):
    return importlib.resources.files("actspace") / "data" / name


def load_nets():
    """{"plain": {width: Net}, "residual": {width: Net}}: the lesson's networks, five hidden layers each.

    Every one was trained on two_spirals(default_rng(0)) from starting weights
    drawn by default_rng(0), 1000 steps of Adam (training/untangling.py).
    """
    with _data("untangling.npz").open("rb") as f, np.load(f) as npz:
        flat = {k: npz[k] for k in npz.files}
    nets = {}
    for key in sorted({k.split(".")[0] for k in flat}):
        kind, width = key.rsplit("_", 1)
        depth = len([k for k in flat if k.startswith(f"{key}.W")])
        nets.setdefault(kind, {})[int(width)] = Net(
            [flat[f"{key}.W{l}"] for l in range(1, depth + 1)], [flat[f"{key}.b{l}"] for l in range(1, depth + 1)],
            flat[f"{key}.w_out"], flat[f"{key}.b_out"], kind == "residual", flat[f"{key}.losses"],
            float(flat[f"{key}.accuracy"]))
    return {kind: dict(sorted(by_width.items())) for kind, by_width in nets.items()}


class Given(NamedTuple):
    """The plain 16-unit network measured on the lesson's data, for the figures shown before exercises 3 and 4.

    Computed with the reference functions by ``actspace build``
    (grader/reference/figure_data.py); one entry per layer, the input first.
    """

    pr: list  # participation ratio of each layer
    probe: list  # linear-probe accuracy of each layer
    cuts: list  # cuts[l]: (d_l + 1,) the least-squares cut at layer l, weights on [H_l, 1] (the bias last)


def given_measures():
    """The Given numbers of lesson 6 (actspace/data/untangling_given.json)."""
    record = json.loads(_data("untangling_given.json").read_text())
    return Given(record["participation_ratio"], record["probe_accuracy"], [np.array(w) for w in record["probe_cuts"]])
