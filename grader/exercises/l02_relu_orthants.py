"""Lesson 2 exercises: ReLU keeps the first orthant of the current basis."""
import numpy as np

from grader.checking import compare as cmp
from grader.exercises import make
from grader.exercises.spec import Case, Misconception, exercise

L = "02_relu_orthants"


def _a(x):
    return np.asarray(x, float)


def _f(*arrays):
    return tuple(_a(x) for x in arrays)


def _pre(W, b, X):
    """The pre-activations X W^T + b, one row per point."""
    W, b, X = _f(W, b, X)
    return X @ W.T + b  # (n, d_out)


def _layer(rng, d_out, d_in, n):
    """A random layer and a batch whose pre-activations straddle zero, none of them on a kink."""
    W = make.basis(rng, d_in) if d_out == d_in else rng.normal(size=(d_out, d_in))
    X = make.points(rng, n, d_in)
    b = make.straddling_bias(rng, W, X)
    return W, b, make.off_kinks(rng, W, b, X)


def _integer_layer(rng, d, n):
    """A small integer layer and batch: many pre-activations are exactly 0 (no rounding anywhere)."""
    W = rng.integers(-1, 2, size=(d, d)).astype(float)
    b = rng.integers(-1, 2, size=d).astype(float)
    X = rng.integers(-1, 2, size=(n, d)).astype(float)
    return W, b, X


# ---------------------------------------------------------------- relu

@exercise("relu", L, "x", misconceptions=[
    Misconception("np.max(x, 0) instead of np.maximum(x, 0)",
                  "np.max(x, 0) takes the largest entry along axis 0 and so changes the shape; "
                  "np.maximum(x, 0) compares every entry with 0 and keeps the shape.",
                  lambda x: np.max(_a(x), 0)),
    Misconception("returning the on/off pattern instead of the values",
                  "x > 0 says which entries pass (that is ReLU's slope); ReLU returns the entries "
                  "themselves where they are positive and 0 elsewhere.",
                  lambda x: (_a(x) > 0).astype(float)),
    Misconception("keeping the negative part",
                  "np.minimum(x, 0) keeps what ReLU throws away; ReLU is max(x, 0): positive "
                  "entries pass, negative ones become 0.",
                  lambda x: np.minimum(_a(x), 0.0)),
    Misconception("flipping negative entries instead of zeroing them",
                  "The absolute value reflects the point into the first orthant; ReLU projects it: "
                  "negative coordinates become 0, not positive.",
                  lambda x: np.abs(_a(x))),
])
def _relu_cases(rng):
    cases = [Case("pen and paper: x = (-2, -0.5, 0, 1.5, 3)",
                  (np.array([-2.0, -0.5, 0.0, 1.5, 3.0]),), public=True)]
    for d in (3, 7):
        cases.append(Case(f"one point of R^{d}", (make.points(rng, 1, d, scale=2.0)[0],)))
    for n, d in ((4, 3), (10, 2), (1, 5)):
        cases.append(Case(f"a batch of {n} point{'s' * (n > 1)} of R^{d}", (make.points(rng, n, d, scale=2.0),)))
    cases.append(Case("a 3-d array of shape (2, 3, 4) (any shape works)", (make.points(rng, 6, 4).reshape(2, 3, 4),)))
    cases.append(Case("a batch with exact zeros and a row that is all negative",
                      (np.array([[0.0, -1.0, 2.0], [-3.0, -0.5, -1e-3], [1e-3, 0.0, -0.0]]),)))
    cases.append(Case("large and tiny magnitudes", (np.array([1e6, -1e6, 1e-9, -1e-9, 250.0]),)))
    return cases


# ---------------------------------------------------------------- orthant_code

def _code(on):
    on = np.asarray(on)  # (n, d) booleans
    return on.astype(np.int64) @ (2 ** np.arange(on.shape[1]))  # (n,)


@exercise("orthant_code", L, "X", compare=cmp.exactly_equal, misconceptions=[
    Misconception("reading the bits in the wrong order",
                  "Coordinate i is bit i, worth 2**i: coordinate 0 is the lowest bit (value 1), "
                  "not the highest. Use 2 ** np.arange(d), not its reverse.",
                  lambda X: _code(_a(X)[:, ::-1] > 0)),
    Misconception("counting 0 as positive (>= 0 instead of > 0)",
                  "A bit is set only when the coordinate is strictly positive: a point on an axis "
                  "(coordinate exactly 0) has that bit off. Use X > 0.",
                  lambda X: _code(_a(X) >= 0)),
    Misconception("adding the bits instead of weighting them",
                  "The number of positive coordinates does not say which orthant; weight bit i by "
                  "2**i so that every orthant gets its own code.",
                  lambda X: np.sum(_a(X) > 0, axis=1)),
])
def _orthant_cases(rng):
    cases = [Case("pen and paper: one point in each quadrant of the plane",
                  (np.array([[1.0, -1.0], [-1.0, 2.0], [0.5, 0.5], [-1.0, -1.0]]),), public=True),
             Case("pen and paper: points on the axes (0 is not positive)",
                  (np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0], [-1.0, 0.0]]),), public=True)]
    signs = np.array([[1 if (k >> i) & 1 else -1 for i in range(3)] for k in range(8)], float)  # (8, 3)
    corners = signs * rng.uniform(0.5, 2.0, size=(8, 3))
    cases.append(Case("one point in every orthant of R^3 (in shuffled order)", (corners[rng.permutation(8)],)))
    for n, d in ((8, 3), (20, 5), (12, 10), (6, 1), (1, 4)):
        cases.append(Case(f"a batch of {n} point{'s' * (n > 1)} of R^{d}", (make.points(rng, n, d),)))
    X = make.points(rng, 6, 4)
    X[rng.random(size=X.shape) < 0.3] = 0.0
    cases.append(Case("a batch of 6 points of R^4, some coordinates exactly 0", (X,)))
    return cases


# ---------------------------------------------------------------- kept_mask

@exercise("kept_mask", L, "W, b, X", compare=cmp.exactly_equal, misconceptions=[
    Misconception("any instead of all",
                  "ReLU leaves a point unchanged only if EVERY pre-activation is >= 0; one negative "
                  "entry is enough to move it. Use np.all(..., axis=1).",
                  lambda W, b, X: np.any(_pre(W, b, X) >= 0, axis=1)),
    Misconception("> 0 instead of >= 0",
                  "relu(0) = 0, so an entry exactly 0 is left unchanged too: the point is kept "
                  "when every entry is >= 0.",
                  lambda W, b, X: np.all(_pre(W, b, X) > 0, axis=1)),
    Misconception("X @ W instead of X @ W.T",
                  "W has shape (d_out, d_in) and acts on columns (W x); with one point per row the "
                  "layer is X @ W.T + b.",
                  lambda W, b, X: np.all(_a(X) @ _a(W) + _a(b) >= 0, axis=1)),
    Misconception("forgetting the bias",
                  "The layer is x -> W x + b: add b before testing the signs; the bias moves the "
                  "orthant's corner away from the origin.",
                  lambda W, b, X: np.all(_a(X) @ _a(W).T >= 0, axis=1)),
])
def _kept_cases(rng):
    W = np.array([[1.0, -1.0], [0.0, 1.0]])
    X = np.array([[1.0, 1.0], [2.0, -1.0], [-1.0, 1.0], [0.0, 1.0], [2.0, 0.0]])
    cases = [Case("pen and paper: W = [[1, -1], [0, 1]], b = (1, 0), five points (two land on a face)",
                  (W, np.array([1.0, 0.0]), X), public=True)]
    for d_out, d_in, n in ((2, 2, 10), (3, 3, 12), (5, 5, 16)):
        W = make.basis(rng, d_in)
        Z = make.points(rng, n, d_out)  # (n, d_out): chosen pre-activations
        Z[: n // 2] = np.abs(Z[: n // 2])  # the first half is kept
        Z = np.sign(Z) * (0.2 + np.abs(Z))  # none near a kink
        b = 0.5 * rng.normal(size=d_out)
        X = np.linalg.solve(W, (Z - b).T).T  # (n, d_in): the points with those pre-activations
        perm = rng.permutation(n)
        cases.append(Case(f"a {d_out}x{d_in} layer, {n} points, half of them kept", (W, b, X[perm])))
    W = rng.normal(size=(2, 4))
    X = make.points(rng, 10, 4)
    b = -(X[:4] @ W.T).min(axis=0) + 0.1  # the first four points are kept, others straddle
    cases.append(Case("a narrowing layer R^4 -> R^2, 10 points", (W, b, make.off_kinks(rng, W, b, X))))
    cases.append(Case("a widening layer R^2 -> R^3, 12 points", _layer(rng, 3, 2, 12)))
    cases.append(Case("a 3x3 layer, one point (a batch of 1)", _layer(rng, 3, 3, 1)))
    cases.append(Case("integer weights and points: many pre-activations exactly 0", _integer_layer(rng, 3, 12)))
    return cases


# ---------------------------------------------------------------- relu_in_basis

def _inv(B):
    return np.linalg.inv(_a(B))


@exercise("relu_in_basis", L, "B, X", misconceptions=[
    Misconception("ReLU in the standard basis",
                  "relu(X) clamps the standard coordinates; first take the coordinates in B "
                  "(solve B c = x), clamp those, then map back with B.",
                  lambda B, X: np.maximum(_a(X), 0.0)),
    Misconception("forgetting to map back to points",
                  "relu(B^-1 x) are coordinates in B; the answer is the point B @ relu(B^-1 x).",
                  lambda B, X: np.maximum(_a(X) @ _inv(B).T, 0.0)),
    Misconception("B and B^-1 swapped",
                  "Coordinates in B come from B^-1 (solve B c = x) and go back to points with B; "
                  "B @ x and B^-1 @ c go the other way.",
                  lambda B, X: np.maximum(_a(X) @ _a(B).T, 0.0) @ _inv(B).T),
    Misconception("using B^T instead of B^-1",
                  "B^T undoes B only for an orthonormal basis; take the coordinates with B^-1 "
                  "(np.linalg.solve(B, x)).",
                  lambda B, X: np.maximum(_a(X) @ _a(B), 0.0) @ _a(B).T),
    Misconception("the batch multiplied on the wrong side",
                  "With one point per row, B^-1 x becomes X @ inv(B).T and B c becomes C @ B.T, "
                  "not X @ inv(B) and C @ B.",
                  lambda B, X: np.maximum(_a(X) @ _inv(B), 0.0) @ _a(B)),
])
def _relu_basis_cases(rng):
    B = np.array([[1.0, 1.0], [0.0, 1.0]])
    cases = [Case("pen and paper: basis (1, 0), (1, 1); points (2, 1), (0, 1), (1, -1)",
                  (B, np.array([[2.0, 1.0], [0.0, 1.0], [1.0, -1.0]])), public=True),
             Case("a stretched standard basis diag(2, 0.5): the same orthant as plain ReLU",
                  (np.diag([2.0, 0.5]), make.points(rng, 6, 2)))]
    for d, n in ((2, 8), (3, 6), (5, 10)):
        cases.append(Case(f"a random basis of R^{d}, a batch of {n} points", (make.basis(rng, d), make.points(rng, n, d))))
    B = make.basis(rng, 3)
    inside = rng.uniform(0.2, 2.0, size=(5, 3)) @ B.T  # positive coordinates: inside the cone
    cases.append(Case("points inside the basis's first orthant pass unchanged", (B, inside)))
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    cases.append(Case("a rotated orthonormal basis of the plane", (np.array([[c, -s], [s, c]]), make.points(rng, 6, 2))))
    cases.append(Case("a random basis of R^4, a batch of 1 point", (make.basis(rng, 4), make.points(rng, 1, 4))))
    return cases


# ---------------------------------------------------------------- kept_cone

@exercise("kept_cone", L, "W", compare=cmp.cone_generators, misconceptions=[
    Misconception("the columns of W instead of W^-1",
                  "The cone's edges are the x with W x = e_i, so x = W^-1 e_i: the columns of "
                  "W^-1, not of W (W maps the cone onto the first orthant).",
                  lambda W: _a(W)),
    Misconception("the rows of W (the faces' normals) as edges",
                  "Each row w_i of W is the normal of a face {w_i . x = 0}; the edges, where all "
                  "but one face meet, are the columns of W^-1.",
                  lambda W: _a(W).T),
    Misconception("the rows of W^-1 instead of its columns",
                  "The generators are the columns of W^-1 (x = W^-1 e_i); inv(W).T lists its rows.",
                  lambda W: _inv(W).T),
])
def _cone_cases(rng):
    cases = [Case("pen and paper: W = [[1, -1], [0, 1]], the cone between (1, 0) and (1, 1)",
                  (np.array([[1.0, -1.0], [0.0, 1.0]]),), public=True),
             Case("a shear of R^3", (np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]]),)),
             Case("a positive diagonal W: the first orthant itself (any scaling of the axes is right)",
                  (np.diag(rng.uniform(0.5, 3.0, size=3)),))]
    for d in (2, 3, 4, 5):
        cases.append(Case(f"a random invertible layer on R^{d}", (make.basis(rng, d),)))
    cases.append(Case("a random invertible layer on R^3 with large weights", (40.0 * make.basis(rng, 3),)))
    return cases


# ---------------------------------------------------------------- count_activation_patterns

def _count(on):
    return int(len(np.unique(np.asarray(on), axis=0)))


@exercise("count_activation_patterns", L, "W, b, X", output="int", compare=cmp.integers_equal, misconceptions=[
    Misconception("counting the orthants of X instead of the layer's patterns",
                  "The pattern is which units are on, (X @ W.T + b) > 0, not which coordinates of "
                  "the input are positive.",
                  lambda W, b, X: _count(_a(X) > 0)),
    Misconception("np.unique without axis=0",
                  "np.unique on a boolean array flattens it and finds at most 2 values (True and "
                  "False); use np.unique(on, axis=0) to get the distinct rows.",
                  lambda W, b, X: int(len(np.unique(_pre(W, b, X) > 0)))),
    Misconception("forgetting the bias",
                  "The units switch on where W x + b > 0: without b every kink passes through the "
                  "origin and you miss the regions the bias creates.",
                  lambda W, b, X: _count(_a(X) @ _a(W).T > 0)),
    Misconception(">= 0 instead of > 0",
                  "A unit is on when its pre-activation is strictly positive; a point exactly on a "
                  "kink (pre-activation 0) has that unit off.",
                  lambda W, b, X: _count(_pre(W, b, X) >= 0)),
])
def _count_cases(rng):
    cases = [Case("pen and paper: three units on the line, kinks at 0, 1 and 2, five points",
                  (np.array([[1.0], [-1.0], [1.0]]), np.array([0.0, 1.0, -2.0]),
                   np.array([[-3.0], [-0.5], [0.5], [1.5], [3.0]])), public=True),
             Case("pen and paper: W = I, b = 0, points on the axes (0 is off)",
                  (np.eye(2), np.zeros(2),
                   np.array([[0.0, 1.0], [-1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [-1.0, -1.0]])), public=True)]
    for d_out, d_in, n in ((4, 2, 200), (6, 3, 300), (3, 3, 40), (8, 2, 500)):
        cases.append(Case(f"{d_out} units on R^{d_in}, {n} points", _layer(rng, d_out, d_in, n)))
    W, b, X = _layer(rng, 3, 2, 50)
    cases.append(Case("a bias that switches every unit on: one pattern", (W, b + 20.0, X)))
    W, b, X = _layer(rng, 4, 3, 1)
    cases.append(Case("one point (a batch of 1)", (W, b, X)))
    W, b, X = _layer(rng, 3, 3, 6)
    cases.append(Case("the same 6 points three times over", (W, b, np.vstack([X, X, X]))))
    cases.append(Case("points exactly on the kinks x = 0 and x = 1 of two units (a unit at its kink is off)",
                      (np.array([[1.0], [1.0]]), np.array([0.0, -1.0]), np.array([[0.0], [1.0], [2.0]]))))
    cases.append(Case("integer weights and points: many pre-activations exactly 0", _integer_layer(rng, 3, 12)))
    return cases
