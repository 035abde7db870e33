"""A tangled data set and a small ReLU network trained on it, in plain NumPy (lesson 6).

Dense-layer convention of lessons 1-3 and 6: a layer is x -> W x + b with W of
shape (d_out, d_in); on a batch of rows, X @ W.T + b. The network is

    plain:     H_l = relu(H_{l-1} W_l^T + b_l)
    residual:  H_1 = relu(X W_1^T + b_1),  H_l = H_{l-1} + relu(H_{l-1} W_l^T + b_l)  (l >= 2)

and reads out one logit z = H_L w_out^T + b_out for "class 1". Training is
full-batch Adam on the logistic loss, with the gradients written out by hand.
"""
from typing import NamedTuple

import numpy as np


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


def activations(X, net):
    """[X, H_1, ..., H_L]: the data after every hidden layer of `net` (plain or residual)."""
    H = np.asarray(X, float)  # (n, d_0)
    layers = [H]
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        branch = np.maximum(H @ W.T + b, 0.0)  # (n, d_l): ReLU
        H = H + branch if (net.residual and l > 0) else branch  # the first layer changes the width: no skip
        layers.append(H)
    return layers


def logits(X, net):
    """(n,) the readout z = H_L w_out^T + b_out; z > 0 predicts class 1."""
    return (activations(X, net)[-1] @ net.w_out.T + net.b_out)[:, 0]


def accuracy(X, y, net):
    """Share of rows of X that `net` puts in their class y."""
    return float(np.mean((logits(X, net) > 0) == (np.asarray(y) == 1)))


def _init(rng, widths, d_in, residual):
    """He-normal layers; a residual branch starts smaller so the sum of branches stays of unit size."""
    dims = [d_in, *widths]
    weights, biases = [], []
    for l in range(len(widths)):
        gain = 1.0 if (l == 0 or not residual) else 1.0 / np.sqrt(len(widths))
        weights.append(gain * rng.normal(0.0, np.sqrt(2.0 / dims[l]), size=(dims[l + 1], dims[l])))
        biases.append(np.zeros(dims[l + 1]))
    w_out = rng.normal(0.0, np.sqrt(1.0 / dims[-1]), size=(1, dims[-1]))
    return weights + [w_out], biases + [np.zeros(1)]


def _loss_and_grads(X, y, weights, biases, residual):
    """Mean logistic loss and its gradients, by backpropagation through the layers."""
    *hidden, w_out = weights
    layers, masks = [X], []
    for l, (W, b) in enumerate(zip(hidden, biases)):
        pre = layers[-1] @ W.T + b  # (n, d_l)
        masks.append(pre > 0)
        branch = np.maximum(pre, 0.0)  # ReLU
        layers.append(layers[-1] + branch if (residual and l > 0) else branch)
    z = (layers[-1] @ w_out.T + biases[-1])[:, 0]  # (n,)
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))  # -log p(y | x), stable
    dz = (0.5 * (1.0 + np.tanh(z / 2)) - y)[:, None] / len(y)  # (n, 1): sigmoid(z) - y, never overflows
    gW, gb = [dz.T @ layers[-1]], [dz.sum(axis=0)]  # readout first, reversed at the end
    dH = dz @ w_out  # (n, d_L)
    for l in range(len(hidden) - 1, -1, -1):
        dpre = dH * masks[l]  # ReLU passes the gradient only where it was on
        gW.append(dpre.T @ layers[l])  # (d_l, d_{l-1})
        gb.append(dpre.sum(axis=0))
        dH = dpre @ hidden[l] + (dH if (residual and l > 0) else 0.0)  # the skip carries dH straight through
    return loss, gW[::-1], gb[::-1]


def _views(theta, shapes):
    """Arrays of the given shapes that share memory with the flat vector theta."""
    out, i = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(theta[i:i + size].reshape(shape))
        i += size
    return out


def train_mlp(X, y, widths, rng, residual=False, steps=1000, lr=0.01):
    """Fit hidden layers of the given widths (and a readout) to (X, y) by full-batch Adam.

    ``rng`` (np.random.default_rng(seed)) draws the initial weights: the same
    seed gives the same network. A residual network needs every hidden layer
    of the same width (its first layer lifts the input to that width). Returns a Net.
    """
    X, y = np.asarray(X, float), np.asarray(y, float)  # (n, d_0), (n,)
    if residual and len(set(widths)) > 1:
        raise ValueError("a residual network needs the same width in every hidden layer")
    weights, biases = _init(rng, list(widths), X.shape[1], residual)
    shapes = [p.shape for p in weights + biases]
    theta = np.concatenate([p.ravel() for p in weights + biases])  # every parameter in one vector
    params = _views(theta, shapes)  # updating theta updates these
    weights, biases = params[:len(weights)], params[len(weights):]
    m, v = np.zeros_like(theta), np.zeros_like(theta)  # Adam's running moments
    beta1, beta2 = 0.9, 0.999
    losses = np.empty(steps)
    for t in range(1, steps + 1):
        losses[t - 1], gW, gb = _loss_and_grads(X, y, weights, biases, residual)
        g = np.concatenate([a.ravel() for a in gW + gb])
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-8)
    *hidden_w, w_out = (W.copy() for W in weights)
    *hidden_b, b_out = (b.copy() for b in biases)
    return Net(hidden_w, hidden_b, w_out, b_out, residual, losses)
