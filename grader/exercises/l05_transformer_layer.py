"""Lesson 5 exercises: the centring projection, LayerNorm, the pre-LN transformer block."""
import numpy as np

from grader.checking import compare as cmp
from grader.exercises import make
from grader.exercises.l04_attention_rebasing import heads_sum
from grader.exercises.spec import Case, Misconception, exercise

L = "05_transformer_layer"


# ---------------------------------------------------------------- center_projector

@exercise("center_projector", L, "d", misconceptions=[
    Misconception("ones / d: the averaging matrix",
                  "ones((d, d)) / d replaces every entry by the mean; the projector that removes the mean is I minus that.",
                  lambda d: np.ones((d, d)) / d),
    Misconception("I - ones, forgetting to divide by d",
                  "ones((d, d)) @ x puts the sum, not the mean, in every entry: subtract ones((d, d)) / d.",
                  lambda d: np.eye(d) - np.ones((d, d))),
    Misconception("subtracting 1/d on the diagonal only",
                  "The mean of x involves every entry, so every entry of the matrix gets -1/d, off the diagonal too: I - ones((d, d)) / d.",
                  lambda d: np.eye(d) * (1.0 - 1.0 / d)),
])
def _projector_cases(rng):
    return [Case("pen and paper: d = 2", (2,), public=True),
            Case("d = 1 (the only mean-zero number is 0)", (1,)),
            *(Case(f"a random width d = {d}", (d,)) for d in (int(rng.integers(3, 7)), int(rng.integers(7, 16)),
                                                             int(rng.integers(16, 40)))),
            Case("d = 5", (5,))]


# ---------------------------------------------------------------- layer_norm

def ln(X, eps=1e-5, ddof=0, axis=-1, how="var"):
    """Per slice along `axis`: centre, then divide as `how` says.

    how: "var" (sqrt(var + eps), right), "no_eps" (sqrt(var)), "eps_outside" (sqrt(var) + eps),
    "norm" (the length of the centred row, not its standard deviation).
    """
    X = np.asarray(X, float)
    C = X - X.mean(axis=axis, keepdims=True)
    var = X.var(axis=axis, keepdims=True, ddof=ddof)
    if how == "no_eps":
        return C / np.sqrt(var)
    if how == "eps_outside":
        return C / (np.sqrt(var) + eps)
    if how == "norm":
        return C / np.linalg.norm(C, axis=axis, keepdims=True)
    return C / np.sqrt(var + eps)


@exercise("layer_norm", L, "X, eps=1e-5", same=cmp.same_nonfinite, misconceptions=[
    Misconception("forgetting eps",
                  "Without eps a row of (nearly) equal entries is divided by (nearly) 0: blown up, or 0/0 = NaN. "
                  "Divide by np.sqrt(var + eps).",
                  lambda X, eps=1e-5: ln(X, eps, how="no_eps")),
    Misconception("eps outside the square root",
                  "eps is added to the variance, under the root: sqrt(var + eps), not sqrt(var) + eps "
                  "(they differ most for rows of tiny variance).",
                  lambda X, eps=1e-5: ln(X, eps, how="eps_outside")),
    Misconception("the unbiased variance (ddof=1)",
                  "LayerNorm uses the plain mean of the squared deviations, dividing by d: X.var(axis=-1) with the default ddof=0.",
                  lambda X, eps=1e-5: ln(X, eps, ddof=1)),
    Misconception("normalising each column instead of each row",
                  "One token is one row: take the mean and variance along the last axis (axis=-1, keepdims=True), not over the batch.",
                  lambda X, eps=1e-5: ln(X, eps, axis=0)),
    Misconception("ignoring the eps argument",
                  "Use the eps you are given; 1e-5 is only its default value.",
                  lambda X, eps=1e-5: ln(X, 1e-5)),
    Misconception("scaling to length 1 instead of variance 1",
                  "Dividing by the length of the centred row puts it on the unit sphere; LayerNorm divides by the standard deviation, "
                  "which puts it on the sphere of radius sqrt(d).",
                  lambda X, eps=1e-5: ln(X, eps, how="norm")),
])
def _layer_norm_cases(rng):
    tiny = make.points(rng, 3, 5)
    tiny[1] = 1e-3 * rng.normal(size=5)  # variance ~1e-6, below eps
    flat = 2.0 + make.points(rng, 3, 4)
    flat[2] = 0.7  # variance exactly 0
    wide = make.points(rng, 4, 3, scale=0.3)  # variance ~0.1, comparable to eps = 0.1
    return [Case("pen and paper: x = (0, 0, 4, 4) with eps = 5, so that sqrt(var + eps) = 3",
                 (np.array([0.0, 0.0, 4.0, 4.0]),), {"eps": 5.0}, public=True),
            Case("one row of 5 (shape (5,))", (3.0 + 2.0 * rng.normal(size=5),)),
            Case("a batch of 4 rows of 6, off-centre", (1.5 + 2.0 * make.points(rng, 4, 6),)),
            Case("a batch of one row (shape (1, 7))", (make.points(rng, 1, 7, scale=3.0),)),
            Case("a batch whose middle row has tiny variance (about 1e-6)", (tiny,)),
            Case("a batch with a constant row (variance 0)", (flat,)),
            Case("eps = 0.1, rows of variance about 0.1", (wide,), {"eps": 0.1}),
            Case("a batch of 3 rows of 16 around 100", (100.0 + make.points(rng, 3, 16),)),
            Case("rows of length 1 (shape (3, 1)): every row is its own mean, the answer is 0", (make.points(rng, 3, 1),))]


# ---------------------------------------------------------------- transformer_block

def block(X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True, norm=ln, post=False, residual=True):
    """The block with its parts switchable: `norm` (identity for none), post-LN, with or without the residual stream."""
    X = np.asarray(X, float)
    keep = 1.0 if residual else 0.0

    def mlp(H):
        return np.maximum(H @ np.asarray(W_in, float) + np.asarray(b_in, float), 0.0) @ np.asarray(W_out, float) + np.asarray(b_out, float)

    if post:
        H = norm(X + heads_sum(X, W_q, W_k, W_v, W_o, causal))
        return norm(H + mlp(H))
    H = keep * X + heads_sum(norm(X), W_q, W_k, W_v, W_o, causal)  # (n, d_model)
    return keep * H + mlp(norm(H))  # (n, d_model)


def _pen_block():
    """d_model = 2, one uniform head (W_q = 0) with W_v = W_o = I, W_in = W_out = I, no biases."""
    W_q, W_k = np.zeros((1, 2, 2)), np.ones((1, 2, 2))
    W_v, W_o = np.eye(2)[None], np.eye(2)[None]  # (1, 2, 2) each
    return (np.array([[1.0, 3.0], [2.0, 0.0]]), W_q, W_k, W_v, W_o, np.eye(2), np.zeros(2), np.eye(2), np.zeros(2))


def _random_block(rng, n, d_model, h, d_head, d_mlp, offset=0.0):
    X = offset + make.points(rng, n, d_model, scale=2.0)
    W_q, W_k, W_v, W_o = make.heads(rng, h, d_model, d_head, scale=2.0)
    W_in = rng.normal(size=(d_model, d_mlp)) / np.sqrt(d_model)
    W_out = rng.normal(size=(d_mlp, d_model)) / np.sqrt(d_mlp)
    return (X, W_q, W_k, W_v, W_o, W_in, 0.3 * rng.normal(size=d_mlp), W_out, 0.3 * rng.normal(size=d_model))


@exercise("transformer_block", L, "X, W_q, W_k, W_v, W_o, W_in, b_in, W_out, b_out, causal=True", misconceptions=[
    Misconception("post-LN: normalising after adding",
                  "In a pre-LN block the residual stream itself is never normalised: each sublayer reads layer_norm of the stream "
                  "and its output is added to the un-normalised stream, H = X + attention(layer_norm(X)).",
                  lambda *a, causal=True: block(*a, causal=causal, post=True)),
    Misconception("leaving out LayerNorm",
                  "Both sublayers read a normalised copy: multi_head_attention(layer_norm(X), ...) and layer_norm(H) @ W_in.",
                  lambda *a, causal=True: block(*a, causal=causal, norm=lambda Y: np.asarray(Y, float))),
    Misconception("forgetting the residual connections",
                  "The sublayers' outputs are added to the stream: H = X + attention(...), and the result is H + MLP(...), not the sublayer outputs alone.",
                  lambda *a, causal=True: block(*a, causal=causal, residual=False)),
    Misconception("not passing `causal` on to the attention",
                  "multi_head_attention's default is causal=False; call it with the block's `causal`.",
                  lambda *a, causal=True: block(*a, causal=False)),
])
def _block_cases(rng):
    cases = [Case("pen and paper: X = [[1, 3], [2, 0]], one uniform head with W_v = W_o = I, W_in = W_out = I, causal",
                  _pen_block(), public=True)]
    for n, d_model, h, d_head, d_mlp, causal, offset in ((4, 4, 2, 2, 8, True, 0.0), (5, 6, 3, 2, 12, False, 0.0),
                                                         (6, 8, 2, 4, 16, True, 5.0), (3, 5, 1, 3, 10, False, -2.0),
                                                         (7, 6, 2, 3, 24, True, 1.0)):
        kind = "causal" if causal else "not causal"
        where = f", around {offset:g}" if offset else ""
        cases.append(Case(f"{n} tokens in R^{d_model}{where}, {h} head{'s' if h > 1 else ''} of width {d_head}, MLP width {d_mlp}, {kind}",
                          _random_block(rng, n, d_model, h, d_head, d_mlp, offset), {"causal": causal}))
    cases.append(Case("a single token (default causal=True)", _random_block(rng, 1, 4, 2, 2, 8)))
    return cases
