"""Train lesson 6's small ReLU networks on the two spirals, in plain NumPy with hand-written backprop.

Dense-layer convention of lessons 1-3 and 6: a layer is x -> W x + b with W of
shape (d_out, d_in); on a batch of rows, X @ W.T + b. A network is

    plain:     H_l = relu(H_{l-1} W_l^T + b_l)
    residual:  H_1 = relu(X W_1^T + b_1),  H_l = H_{l-1} + relu(H_{l-1} W_l^T + b_l)  (l >= 2)

and reads out one logit z = H_L w_out^T + b_out for "class 1". Training is
full-batch Adam on the logistic loss, deterministic from the rng passed in.
The lesson uses a fixed set of networks (NETS: both kinds, five layers of each
width, seed 0), shipped as weights in actspace/data/untangling.npz and loaded
by actspace.training.load_nets. Not packaged: its forward pass is exercise 1's
answer (mlp_activations) and its residual layer lesson 3's (residual_block).

    python -m training.untangling --out actspace/data/
"""
import argparse
from pathlib import Path

import numpy as np

from actspace.training import DATA_SEED, Net, two_spirals

DEPTH, SEED, STEPS, LR = 5, 0, 1000, 0.01
NETS = [(kind, width) for kind in ("plain", "residual") for width in (2, 3, 4, 6, 8, 16)]


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


def forward(X, weights, biases, residual):
    """(layers [X, H_1, ..., H_L], ReLU masks, logits z (n,)); weights and biases end with the readout's."""
    *hidden, w_out = weights
    layers, masks = [np.asarray(X, float)], []
    for l, (W, b) in enumerate(zip(hidden, biases)):
        pre = layers[-1] @ W.T + b  # (n, d_l)
        masks.append(pre > 0)
        branch = np.maximum(pre, 0.0)  # ReLU
        layers.append(layers[-1] + branch if (residual and l > 0) else branch)  # the first layer changes the width: no skip
    return layers, masks, (layers[-1] @ w_out.T + biases[-1])[:, 0]


def loss_and_grads(X, y, weights, biases, residual):
    """Mean logistic loss and its gradients, by backpropagation through the layers."""
    *hidden, w_out = weights
    layers, masks, z = forward(X, weights, biases, residual)
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


def train_mlp(X, y, widths, rng, residual=False, steps=STEPS, lr=LR):
    """Fit hidden layers of the given widths (and a readout) to (X, y) by full-batch Adam.

    ``rng`` (np.random.default_rng(seed)) draws the initial weights: the same
    seed gives the same network. A residual network needs every hidden layer
    of the same width (its first layer lifts the input to that width). Returns
    a Net with its loss after each step and its final training accuracy.
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
        losses[t - 1], gW, gb = loss_and_grads(X, y, weights, biases, residual)
        g = np.concatenate([a.ravel() for a in gW + gb])
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-8)
    z = forward(X, weights, biases, residual)[2]
    accuracy = float(np.mean((z > 0) == (y == 1)))
    *hidden_w, w_out = (W.copy() for W in weights)
    *hidden_b, b_out = (b.copy() for b in biases)
    return Net(hidden_w, hidden_b, w_out, b_out, residual, losses, accuracy)


def train_all(nets=NETS):
    """{(kind, width): Net}: the lesson's networks, on two_spirals(default_rng(DATA_SEED))."""
    X, y = two_spirals(np.random.default_rng(DATA_SEED))
    return {(kind, w): train_mlp(X, y, [w] * DEPTH, np.random.default_rng(SEED), residual=kind == "residual")
            for kind, w in nets}


def flatten(nets):
    """{name: array} as stored in the .npz: "plain_16.W1", "plain_16.b1", ..., "plain_16.w_out", "plain_16.losses", ..."""
    flat = {}
    for (kind, width), net in nets.items():
        key = f"{kind}_{width}"
        for l, (W, b) in enumerate(zip(net.weights, net.biases), start=1):
            flat[f"{key}.W{l}"], flat[f"{key}.b{l}"] = W, b
        flat.update({f"{key}.w_out": net.w_out, f"{key}.b_out": net.b_out, f"{key}.losses": net.losses,
                     f"{key}.accuracy": np.float64(net.accuracy)})
    return flat


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="actspace/data/", help="folder for untangling.npz")
    args = ap.parse_args(argv)
    nets = train_all()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "untangling.npz", **flatten(nets))
    for (kind, width), net in nets.items():
        print(f"{kind:8s} {width:2d} units: loss {net.losses[0]:.3f} -> {net.losses[-1]:.4f}, accuracy {net.accuracy:.0%}")


if __name__ == "__main__":
    main()
