"""Lesson 1 exercises: coordinates, change of basis, composition, null spaces."""
import numpy as np

from grader.checking import compare as cmp
from grader.exercises import make
from grader.exercises.spec import Case, Misconception, exercise

L = "01_change_of_basis"


def _inv(B):
    return np.linalg.inv(np.asarray(B, float))


def _points_and_bases(rng):
    cases = [Case("pen and paper: B = diag(2, 1), x = (4, 3)",
                  (np.diag([2.0, 1.0]), np.array([4.0, 3.0])), public=True),
             Case("a sheared basis of the plane, one point",
                  (np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([1.0, 2.0])))]
    for d in (2, 3, 5):
        B = make.basis(rng, d)
        cases.append(Case(f"a random basis of R^{d}, one point", (B, rng.normal(size=d))))
        cases.append(Case(f"a random basis of R^{d}, a batch of 6 points", (B, make.points(rng, 6, d))))
    cases.append(Case("a basis of R^4, a batch of 1 point (shape (1, 4))", (make.basis(rng, 4), make.points(rng, 1, 4))))
    return cases


@exercise("to_basis", L, "B, x", misconceptions=[
    Misconception("multiplying by B instead of solving B c = x",
                  "B @ x maps coordinates to points; to go from a point to its coordinates, solve B c = x (np.linalg.solve).",
                  lambda B, x: np.asarray(x) @ np.asarray(B).T),
    Misconception("using B transposed instead of B inverse",
                  "B^T undoes B only when B is orthonormal; in general use B^-1 (solve B c = x).",
                  lambda B, x: np.asarray(x) @ np.asarray(B)),
    Misconception("the batch multiplied on the wrong side",
                  "With one point per row, the coordinates are X @ inv(B).T (the row form of inv(B) @ x), not X @ inv(B).",
                  lambda B, x: np.asarray(x) @ _inv(B)),
    Misconception("inv(B).T applied to a single point",
                  "The transpose belongs to the row form only: a batch is X @ inv(B).T, but one point (a column) is inv(B) @ x, "
                  "not inv(B).T @ x. np.linalg.solve(B, x.T).T handles both.",
                  lambda B, x: _inv(B).T @ np.asarray(x, float) if np.ndim(x) == 1 else np.asarray(x, float) @ _inv(B).T),
])
def _to_basis_cases(rng):
    return _points_and_bases(rng)


@exercise("from_basis", L, "B, c", misconceptions=[
    Misconception("solving instead of multiplying",
                  "from_basis goes from coordinates to the point: x = B c, a weighted sum of B's columns.",
                  lambda B, c: np.asarray(c) @ _inv(B).T),
    Misconception("using the rows of B as the basis vectors",
                  "The basis vectors are B's columns: x = B @ c (for a batch, C @ B.T), not C @ B.",
                  lambda B, c: np.asarray(c) @ np.asarray(B)),
])
def _from_basis_cases(rng):
    return _points_and_bases(rng)


@exercise("change_coordinates", L, "B_old, B_new, c", misconceptions=[
    Misconception("the two bases swapped",
                  "First decode with B_old (x = B_old c), then encode with B_new (solve B_new c' = x).",
                  lambda Bo, Bn, c: np.asarray(c) @ (_inv(Bo) @ np.asarray(Bn)).T),
    Misconception("stopping at the standard basis",
                  "B_old @ c gives the point itself; you still need its coordinates in B_new.",
                  lambda Bo, Bn, c: np.asarray(c) @ np.asarray(Bo).T),
    Misconception("multiplying by B_new instead of solving",
                  "Coordinates in B_new solve B_new c' = x; B_new @ x goes the other way.",
                  lambda Bo, Bn, c: np.asarray(c) @ (np.asarray(Bn) @ np.asarray(Bo)).T),
])
def _change_cases(rng):
    cases = [Case("pen and paper: from diag(2, 1) to diag(1, 4)",
                  (np.diag([2.0, 1.0]), np.diag([1.0, 4.0]), np.array([1.0, 4.0])), public=True)]
    for d in (2, 3, 4):
        B_old, B_new = make.basis(rng, d), make.basis(rng, d)
        cases.append(Case(f"two random bases of R^{d}, one point", (B_old, B_new, rng.normal(size=d))))
        cases.append(Case(f"two random bases of R^{d}, a batch of 5", (B_old, B_new, make.points(rng, 5, d))))
    return cases


@exercise("map_in_basis", L, "A, B", misconceptions=[
    Misconception("B A B^-1 instead of B^-1 A B",
                  "Read right to left: B turns B-coordinates into a point, A maps it, B^-1 takes the result back to B-coordinates.",
                  lambda A, B: np.asarray(B) @ np.asarray(A) @ _inv(B)),
    Misconception("B^T instead of B^-1",
                  "B^T is the inverse only for an orthonormal basis; use B^-1 (np.linalg.solve(B, A @ B)).",
                  lambda A, B: np.asarray(B).T @ np.asarray(A) @ np.asarray(B)),
    Misconception("only composing A and B",
                  "A @ B maps B-coordinates to standard points; encode the result back with B^-1.",
                  lambda A, B: np.asarray(A) @ np.asarray(B)),
])
def _map_cases(rng):
    cases = [Case("pen and paper: A = diag(2, 3) in the basis of the swapped axes",
                  (np.diag([2.0, 3.0]), np.array([[0.0, 1.0], [1.0, 0.0]])), public=True)]
    for d in (2, 3, 4, 5):
        cases.append(Case(f"a random map and a random basis of R^{d}", (rng.normal(size=(d, d)), make.basis(rng, d))))
    cases.append(Case("a rotation by 90 degrees in a stretched basis",
                      (np.array([[0.0, -1.0], [1.0, 0.0]]), np.diag([1.0, 3.0]))))
    return cases


def _chain(Ws, order):
    M = np.asarray(Ws[0], float)
    for W in Ws[1:]:
        M = order(np.asarray(W, float), M)
    return M


@exercise("compose", L, "Ws", misconceptions=[
    Misconception("multiplying in the order applied",
                  "Applying Ws[0] first means it stands rightmost: Ws[-1] @ ... @ Ws[1] @ Ws[0].",
                  lambda Ws: _chain(Ws, lambda W, M: M @ W)),
    Misconception("adding the layers",
                  "Layers applied one after another compose by matrix multiplication, not addition.",
                  lambda Ws: sum(np.asarray(W, float) for W in Ws)),
    Misconception("multiplying entrywise",
                  "Composition is the matrix product (@), not the elementwise product (*).",
                  lambda Ws: _chain(Ws, lambda W, M: W * M)),
])
def _compose_cases(rng):
    cases = [Case("pen and paper: a stretch then a swap",
                  ([np.diag([2.0, 1.0]), np.array([[0.0, 1.0], [1.0, 0.0]])],), public=True)]
    for k in (1, 2, 3, 4):
        cases.append(Case(f"{k} square layers on R^3", ([rng.normal(size=(3, 3)) for _ in range(k)],)))
    dims = [2, 4, 3, 5]
    cases.append(Case("layers of changing width 2 -> 4 -> 3 -> 5",
                      ([rng.normal(size=(dims[i + 1], dims[i])) for i in range(3)],)))
    return cases


def _nullity_mismatch(W):
    """The null space computed from the rows instead of the columns."""
    W = np.asarray(W, float)
    _, s, Vt = np.linalg.svd(W.T)
    rank = int(np.sum(s > 1e-10 * max(W.shape) * (s[0] if s.size else 0)))
    return Vt[rank:].T


def _null_not_normalised(W):
    W = np.asarray(W, float)
    _, s, Vt = np.linalg.svd(W)
    rank = int(np.sum(s > 1e-10 * max(W.shape) * (s[0] if s.size else 0)))
    return 2.0 * Vt[rank:].T


def _null_loose_cutoff(W):
    """Singular values below 1e-3 of the largest counted as zero: a near-singular invertible layer loses a direction."""
    W = np.asarray(W, float)
    _, s, Vt = np.linalg.svd(W)
    rank = int(np.sum(s > 1e-3 * (s[0] if s.size else 0)))
    return Vt[rank:].T.reshape(W.shape[1], W.shape[1] - rank)


def _near_singular(rng, singular_values, d_out, d_in):
    """A (d_out, d_in) layer with exactly these singular values, in random directions."""
    U, V = make.rotation(rng, d_out), make.rotation(rng, d_in)
    S = np.zeros((d_out, d_in))
    S[np.arange(len(singular_values)), np.arange(len(singular_values))] = singular_values
    return U @ S @ V.T


def _null_smallest_singular(W):
    """Always one vector: the right singular vector of the smallest singular value, even when W is full rank."""
    W = np.asarray(W, float)
    _, _, Vt = np.linalg.svd(W)
    return Vt[-1:].T


@exercise("null_space", L, "W", compare=cmp.orthonormal_basis_of, same=cmp.same_span, misconceptions=[
    Misconception("the null space of W^T (the left null space)",
                  "{x : W x = 0} lives in the input space R^d_in; use the right singular vectors (rows of Vt) beyond the rank.",
                  _nullity_mismatch),
    Misconception("basis vectors that are not unit length",
                  "The basis must be orthonormal: each column of length 1 and the columns at right angles.",
                  _null_not_normalised),
    Misconception("always returning one vector",
                  "The null space has dimension d_in - rank(W): none for an invertible layer, several for a very flat one. Count singular values above a small tolerance.",
                  _null_smallest_singular),
    Misconception("a rank cut-off far above round-off",
                  "A singular value is zero only up to round-off: count those above about 1e3 * max(W.shape) * eps * s[0] "
                  "(np.finfo(W.dtype).eps); a cut such as 1e-3 * s[0] throws away real, if small, directions.",
                  _null_loose_cutoff),
])
def _null_cases(rng):
    cases = [Case("pen and paper: W = [[1, 1]] collapses the direction (1, -1)", (np.array([[1.0, 1.0]]),), public=True),
             Case("an invertible 3x3 layer (the null space is {0}: shape (3, 0))", (make.basis(rng, 3),))]
    for d_out, d_in, r in ((2, 3, 2), (3, 3, 2), (4, 4, 1), (3, 5, 3), (5, 4, 2)):
        W = rng.normal(size=(d_out, r)) @ rng.normal(size=(r, d_in))
        cases.append(Case(f"a rank-{r} layer from R^{d_in} to R^{d_out}", (W,)))
    cases.append(Case("the zero layer on R^3 (everything collapses)", (np.zeros((2, 3)),)))
    # small but real singular values: far above round-off (also in float32), far below a loose cut-off
    cases.append(Case("a near-singular but invertible 2x2 layer (singular values 1 and 5e-4): the null space is {0}",
                      (_near_singular(rng, [1.0, 5e-4], 2, 2),)))
    cases.append(Case("a near-singular but invertible 3x3 layer (singular values 2, 1, 1.5e-3)",
                      (_near_singular(rng, [2.0, 1.0, 1.5e-3], 3, 3),)))
    cases.append(Case("a rank-3 layer on R^4 with a small singular value 8e-4 (the null space is a line)",
                      (_near_singular(rng, [1.0, 0.5, 8e-4], 4, 4),)))
    return cases
