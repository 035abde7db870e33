"""Lesson 3 exercises: a skip connection adds the first orthants of several bases."""
import numpy as np

from grader.checking import compare as cmp
from grader.exercises import make
from grader.exercises.spec import Case, Misconception, exercise

L = "03_skip_connections"


def _a(x):
    return np.asarray(x, float)


def _f(*arrays):
    return tuple(_a(x) for x in arrays)


def _relu(z):
    return np.maximum(z, 0.0)


def _mixed_bias(rng, W, x):
    """A bias that switches some units on and the others off at the point x, each at least 0.2 from its kink."""
    h = W.shape[0]
    on = rng.permutation(np.arange(h) < rng.integers(1, h)) if h > 1 else np.array([rng.random() < 0.5])  # (h,)
    return -(W @ x) + np.where(on, 1.0, -1.0) * rng.uniform(0.2, 1.0, size=h)  # (h,)


def _square_layer(rng, d, n=None):
    """A square layer, its bias, and one point (n=None, units on and off) or a batch straddling 0 off the kinks."""
    W = make.basis(rng, d)
    if n is None:
        x = rng.normal(size=d)
        return W, _mixed_bias(rng, W, x), x
    X = make.points(rng, n, d)
    b = make.straddling_bias(rng, W, X)
    return W, b, make.off_kinks(rng, W, b, X)


# ---------------------------------------------------------------- residual_block

@exercise("residual_block", L, "X, W, b", misconceptions=[
    Misconception("ReLU after the skip sum",
                  "The skip bypasses the ReLU: add X to relu(X @ W.T + b), do not take relu of the "
                  "sum (that would clamp the input too).",
                  lambda X, W, b: _relu(_a(X) + _a(X) @ _a(W).T + _a(b))),
    Misconception("X @ W instead of X @ W.T",
                  "The branch is W x + b with W acting on columns; for a row (or a batch of rows) "
                  "write X @ W.T + b.",
                  lambda X, W, b: _a(X) + _relu(_a(X) @ _a(W) + _a(b))),
    Misconception("forgetting the bias",
                  "The branch is relu(W x + b): add b before the ReLU.",
                  lambda X, W, b: _a(X) + _relu(_a(X) @ _a(W).T)),
    Misconception("forgetting the skip",
                  "relu(X @ W.T + b) is only the branch; the residual block adds the input back: "
                  "X + relu(X @ W.T + b).",
                  lambda X, W, b: _relu(_a(X) @ _a(W).T + _a(b))),
])
def _block_cases(rng):
    cases = [Case("pen and paper: x = (1, -2), W = [[1, 0], [1, 1]], b = (0.5, 0.5)",
                  (np.array([1.0, -2.0]), np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([0.5, 0.5])), public=True)]
    for d in (2, 3, 5):
        W, b, x = _square_layer(rng, d)
        cases.append(Case(f"a layer on R^{d}, one point", (x, W, b)))
        W, b, X = _square_layer(rng, d, 6)
        cases.append(Case(f"a layer on R^{d}, a batch of 6 points", (X, W, b)))
    W, b, X = _square_layer(rng, 4, 1)
    cases.append(Case("a layer on R^4, a batch of 1 point (shape (1, 4))", (X, W, b)))
    cases.append(Case("a zero layer: the block adds relu(b) to every point",
                      (make.points(rng, 5, 3), np.zeros((3, 3)), np.array([1.0, -1.0, 0.5]))))
    return cases


# ---------------------------------------------------------------- residual_decomposition

def _decomposition(x, W1, b1, W2, branch, skip_first=True):
    """[I, W2] with coeffs [x, branch(W1 x + b1)], or both halves swapped."""
    x, W1, b1, W2 = _f(x, W1, b1, W2)
    z = branch(W1 @ x + b1)  # (h,)
    if skip_first:
        return np.hstack([np.eye(x.shape[0]), W2]), np.concatenate([x, z])
    return np.hstack([W2, np.eye(x.shape[0])]), np.concatenate([z, x])


@exercise("residual_decomposition", L, "x, W1, b1, W2", output="pair", compare=cmp.each_close, misconceptions=[
    Misconception("the pre-activation instead of relu in the coefficients",
                  "The branch's coefficients are what the ReLU lets through, relu(W1 @ x + b1), "
                  "so they are never negative: the branch adds the first orthant of W2's columns.",
                  lambda x, W1, b1, W2: _decomposition(x, W1, b1, W2, lambda z: z)),
    Misconception("the branch's basis before the skip's ([W2, I])",
                  "The order is fixed: basis = [I, W2] (the skip's basis first), coeffs = "
                  "[x, relu(W1 @ x + b1)].",
                  lambda x, W1, b1, W2: _decomposition(x, W1, b1, W2, _relu, skip_first=False)),
    Misconception("forgetting the bias",
                  "The branch's coefficients are relu(W1 @ x + b1): add b1 before the ReLU.",
                  lambda x, W1, b1, W2: _decomposition(x, W1, np.zeros_like(_a(b1)), W2, _relu)),
])
def _decomposition_cases(rng):
    cases = [Case("pen and paper: x = (1, 2), W1 = [[1, 0], [0, -1]], b1 = (1, 1), W2 = [[1, 2], [3, 4]]",
                  (np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([1.0, 1.0]),
                   np.array([[1.0, 2.0], [3.0, 4.0]])), public=True)]
    for d, h in ((2, 3), (3, 2), (4, 4), (3, 6), (1, 2)):
        W1, W2 = rng.normal(size=(h, d)), rng.normal(size=(d, h))
        x = rng.normal(size=d)
        cases.append(Case(f"R^{d} with a hidden layer of {h} units, some on, some off", (x, W1, _mixed_bias(rng, W1, x), W2)))
    d, h = 3, 4
    W1, W2 = rng.normal(size=(h, d)), rng.normal(size=(d, h))
    cases.append(Case("a branch that is switched off: y = x", (rng.normal(size=d), W1, np.full(h, -50.0), W2)))
    return cases


# ---------------------------------------------------------------- residual_jacobian

def _jacobian(W, on, identity=True, right=False):
    """I + D W with the on/off pattern `on`; W D instead if `right`; without I if not `identity`."""
    W = _a(W)
    branch = W * on[None, :] if right else on[:, None] * W  # (d, d)
    return np.eye(W.shape[0]) * identity + branch


def _on(x, W, b):
    x, W, b = _f(x, W, b)
    return (W @ x + b > 0).astype(float)  # (d,)


@exercise("residual_jacobian", L, "x, W, b", misconceptions=[
    Misconception("forgetting the identity from the skip",
                  "The skip x contributes its own derivative, the identity: J = I + D W.",
                  lambda x, W, b: _jacobian(W, _on(x, W, b), identity=False)),
    Misconception("the on/off pattern taken from x instead of W x + b",
                  "The ReLU acts on the pre-activation, so unit i is on where (W x + b)_i > 0, "
                  "not where x_i > 0.",
                  lambda x, W, b: _jacobian(W, (_a(x) > 0).astype(float))),
    Misconception("W D instead of D W",
                  "The ReLU comes after W, so by the chain rule its switch D multiplies from the "
                  "left: D W keeps or zeroes whole ROWS of W (one per unit), not columns.",
                  lambda x, W, b: _jacobian(W, _on(x, W, b), right=True)),
    Misconception("forgetting the bias in the on/off pattern",
                  "Unit i is on where (W x + b)_i > 0: add b before testing the sign.",
                  lambda x, W, b: _jacobian(W, (_a(W) @ _a(x) > 0).astype(float))),
    Misconception("a unit exactly at its kink counted as on (>= 0)",
                  "The contract takes ReLU's slope at 0 to be 0: unit i is on only where "
                  "(W x + b)_i > 0.",
                  lambda x, W, b: _jacobian(W, (_a(W) @ _a(x) + _a(b) >= 0).astype(float))),
])
def _jacobian_cases(rng):
    cases = [Case("pen and paper: x = (1, 2), W = [[2, 1], [1, -1]], b = (0, 0.5): one unit on, one off",
                  (np.array([1.0, 2.0]), np.array([[2.0, 1.0], [1.0, -1.0]]), np.array([0.0, 0.5])), public=True)]
    for d in (2, 3, 4, 6):
        W, b, x = _square_layer(rng, d)
        cases.append(Case(f"a layer on R^{d}, units on and off", (x, W, b)))
    W = make.basis(rng, 3)
    x = rng.normal(size=3)
    cases.append(Case("every unit on: J = I + W", (x, W, -(W @ x) + rng.uniform(0.5, 1.0, size=3))))
    cases.append(Case("every unit off: J = I", (x, W, -(W @ x) - rng.uniform(0.5, 1.0, size=3))))
    cases.append(Case("integer weights: the second unit exactly at its kink (its slope counts as 0)",
                      (np.array([1.0, -1.0, 2.0]), np.array([[1.0, 2.0, 0.0], [1.0, 1.0, 0.0], [0.0, -1.0, 1.0]]),
                       np.array([-1.0, 0.0, 1.0]))))
    return cases


# ---------------------------------------------------------------- invert_residual

def _iterate(y, W, b, n_steps, sign=-1.0, x0=None):
    """Fixed-point iteration x <- y + sign * relu(W x + b), starting from x0 (default y)."""
    y, W, b = _f(y, W, b)
    x = y.copy() if x0 is None else x0
    for _ in range(n_steps):
        x = y + sign * _relu(W @ x + b)
    return x


@exercise("invert_residual", L, "y, W, b, n_steps=200", misconceptions=[
    Misconception("doing a single step",
                  "One update x = y - relu(W y + b) is only the first guess; repeat "
                  "x <- y - relu(W x + b) n_steps times, each time with the new x.",
                  lambda y, W, b, n_steps=200: _iterate(y, W, b, 1)),
    Misconception("iterating with the wrong sign",
                  "From x + relu(W x + b) = y, x = y - relu(W x + b): subtract the branch, do not "
                  "add it.",
                  lambda y, W, b, n_steps=200: _iterate(y, W, b, n_steps, sign=1.0)),
    Misconception("forgetting the bias",
                  "The block is x + relu(W x + b): keep b inside the ReLU in every step.",
                  lambda y, W, b, n_steps=200: _iterate(y, _a(W), np.zeros_like(_a(b)), n_steps)),
    Misconception("ignoring the n_steps argument",
                  "Iterate as many times as you are asked, `for _ in range(n_steps)`: a slowly contracting layer needs more "
                  "than the default 200 steps to converge.",
                  lambda y, W, b, n_steps=200: _iterate(y, W, b, 200)),
    Misconception("returning y unchanged",
                  "y is the block's output, not its input: find x with x + relu(W x + b) = y by "
                  "iterating x <- y - relu(W x + b).",
                  lambda y, W, b, n_steps=200: _a(y)),
])
def _invert_cases(rng):
    cases = [Case("pen and paper: W = 0.5 I, b = 0, y = (3, -1)",
                  (np.array([3.0, -1.0]), 0.5 * np.eye(2), np.zeros(2)), public=True)]
    for d, norm in ((2, 0.5), (3, 0.8), (5, 0.7), (8, 0.8)):
        W = make.contraction(rng, d, norm)
        x = rng.normal(size=d)
        b = _mixed_bias(rng, W, x)
        cases.append(Case(f"a contraction on R^{d} (spectral norm {norm})", (x + _relu(W @ x + b), W, b)))
    W, x = make.contraction(rng, 3, 0.6), rng.normal(size=3)
    b = -(W @ x) + rng.uniform(0.5, 1.0, size=3)  # every unit on at x
    cases.append(Case("every unit on at the answer", (x + W @ x + b, W, b)))
    cases.append(Case("a zero layer: x = y - relu(b)", (rng.normal(size=3), np.zeros((3, 3)), np.array([1.0, -1.0, 0.5]))))
    # slow contraction: every unit on near the answer and W symmetric with an eigenvalue near 1, so a step
    # shortens the error only by that factor; I + W stays well conditioned, so float32 lands close
    for d, top, kw in ((3, 0.9, {}), (4, 0.95, {"n_steps": 600})):
        Q = make.rotation(rng, d)
        W = Q @ np.diag(np.linspace(top, 0.3, d)) @ Q.T
        x = rng.normal(size=d)
        b = -(W @ x) + rng.uniform(2.0, 3.0, size=d)
        steps = kw.get("n_steps", 200)
        cases.append(Case(f"a slowly contracting layer on R^{d} (eigenvalue {top}), n_steps={steps}"
                          + (" passed by keyword" if kw else ""), (x + W @ x + b, W, b), kw))
    return cases
