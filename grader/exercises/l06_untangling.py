"""Lesson 6 exercises: activations layer by layer, PCA, participation ratio, linear probes."""
import numpy as np

from grader.checking import compare as cmp
from grader.exercises import make
from grader.exercises.spec import Case, Misconception, exercise

L = "06_untangling"


# ---------------------------------------------------------------- mlp_activations

def forward(X, weights, biases, with_bias=True, relu=True, transpose=True):
    """[X, H_1, ..., H_L] with the layer's parts switchable (bias, ReLU, W^T)."""
    H = np.asarray(X, float)  # (n, d_0)
    layers = [H]
    for W, b in zip(weights, biases):
        W = np.asarray(W, float)
        Z = H @ (W.T if transpose else W) + (np.asarray(b, float) if with_bias else 0.0)  # (n, d_l)
        H = np.maximum(Z, 0.0) if relu else Z
        layers.append(H)
    return layers


def _network(rng, widths, n):
    """A batch (n, widths[0]) and layers widths[0] -> ... -> widths[-1] whose biases put each layer's outputs on both sides of 0."""
    X = make.points(rng, n, widths[0])
    H, weights, biases = X, [], []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        W = rng.normal(size=(d_out, d_in)) / np.sqrt(d_in)
        b = make.straddling_bias(rng, W, H)
        H = np.maximum(H @ W.T + b, 0.0)
        weights.append(W)
        biases.append(b)
    return X, weights, biases


@exercise("mlp_activations", L, "X, weights, biases", output="list", compare=cmp.each_close, misconceptions=[
    Misconception("leaving X out of the list",
                  "The list starts with the input itself, [X, H_1, ..., H_L]: L + 1 arrays for L layers.",
                  lambda X, weights, biases: forward(X, weights, biases)[1:]),
    Misconception("forgetting the bias",
                  "Each layer is relu(H @ W.T + b): add biases[l] before the ReLU.",
                  lambda X, weights, biases: forward(X, weights, biases, with_bias=False)),
    Misconception("H @ W instead of H @ W.T",
                  "W has shape (d_out, d_in) and the points are rows, so a layer is H @ W.T + b (the row form of W h + b).",
                  lambda X, weights, biases: forward(X, weights, biases, transpose=False)),
    Misconception("forgetting the ReLU",
                  "Every layer ends with the ReLU, np.maximum(H @ W.T + b, 0): without it the stack is one linear map and untangles nothing.",
                  lambda X, weights, biases: forward(X, weights, biases, relu=False)),
])
def _mlp_cases(rng):
    pen = (np.array([[1.0, -1.0], [2.0, 0.0]]),
           [np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([[1.0, -1.0]])], [np.zeros(2), np.array([1.0])])
    cases = [Case("pen and paper: X = [[1, -1], [2, 0]], two layers 2 -> 2 -> 1", pen, public=True),
             Case("no layers at all: just [X]", (make.points(rng, 3, 2), [], []))]
    for widths, n in (((3, 5), 6), ((4, 6, 3), 5), ((3, 3, 3), 4), ((2, 8, 8, 8, 3), 7), ((5, 4), 1)):
        arrows = " -> ".join(map(str, widths))
        cases.append(Case(f"{len(widths) - 1} layer{'s' if len(widths) > 2 else ''} {arrows}, "
                          f"a batch of {n} point{'s' if n > 1 else ''}", _network(rng, widths, n)))
    return cases


# ---------------------------------------------------------------- pca_project

def _pca(H, k, centre=True, project="centred", rows=True, top=True):
    H = np.asarray(H, float)  # (n, d)
    Hc = H - H.mean(axis=0) if centre else H
    _, _, Vt = np.linalg.svd(Hc, full_matrices=False)  # (r, d)
    V = Vt[:k].T if rows else Vt[:, :k]
    if not top:
        V = Vt[::-1][:k].T
    if project == "directions":
        return V  # (d, k)
    return (Hc if project == "centred" else H) @ V  # (n, k)


@exercise("pca_project", L, "H, k", compare=cmp.columns_up_to_sign, misconceptions=[
    Misconception("forgetting to centre the data",
                  "Principal directions describe the spread around the mean: subtract H.mean(axis=0) before the SVD, and project the centred rows.",
                  lambda H, k: _pca(H, k, centre=False)),
    Misconception("projecting the uncentred rows",
                  "The coordinates are those of the centred rows: (H - mean) @ V, not H @ V.",
                  lambda H, k: _pca(H, k, project="raw")),
    Misconception("the bottom-k directions",
                  "np.linalg.svd sorts singular values from largest to smallest (np.linalg.eigh sorts eigenvalues from smallest): "
                  "keep the k directions of largest variance.",
                  lambda H, k: _pca(H, k, top=False)),
    Misconception("returning the directions instead of the coordinates",
                  "The principal directions (d, k) are the new basis; the answer is each centred row's coordinates in it, "
                  "(H - mean) @ V of shape (n, k).",
                  lambda H, k: _pca(H, k, project="directions")),
    Misconception("columns of Vt instead of rows",
                  "np.linalg.svd returns Vt, whose rows are the principal directions: use Vt[:k].T (not Vt[:, :k]).",
                  lambda H, k: _pca(H, k, rows=False)),
])
def _pca_cases(rng):
    cases = [Case("pen and paper: 4 points around (2, 1), spread most along the first axis, k = 1",
                  (np.array([[0.0, 1.0], [4.0, 1.0], [2.0, 2.0], [2.0, 0.0]]), 1), public=True)]
    for n, scales, k, offset in ((20, (5, 3, 2, 1, 0.5), 2, 3.0), (15, (4, 2, 1), 1, -2.0), (12, (3, 2, 1), 3, 1.0),
                                 (30, (6, 4, 2.5, 1.5, 1, 0.5), 4, 0.5), (4, (3, 1, 0.5), 2, 2.0)):
        mean = offset * (1.0 + rng.random(len(scales)))  # (d,), away from 0
        where = f"around a mean of size {np.linalg.norm(mean):.0f}"
        cases.append(Case(f"{n} points in R^{len(scales)} with spreads {scales}, {where}, k = {k}",
                          (make.cloud(rng, n, scales, mean), k)))
    cases.append(Case("far from the origin: 10 points in R^2 around (100, -50), k = 1",
                      (make.cloud(rng, 10, (2.0, 0.5), np.array([100.0, -50.0])), 1)))
    return cases


# ---------------------------------------------------------------- participation_ratio

def _eigenvalues(H, centre=True):
    H = np.asarray(H, float)  # (n, d)
    Hc = H - H.mean(axis=0) if centre else H
    return np.clip(np.linalg.eigvalsh(Hc.T @ Hc / len(H)), 0.0, None)  # (d,)


def _pr_from_singular_values(H):
    H = np.asarray(H, float)
    s = np.linalg.svd(H - H.mean(axis=0), compute_uv=False)
    return float(s.sum() ** 2 / np.sum(s ** 2))


def _rank(H):
    lam = _eigenvalues(H)
    return float(np.sum(lam > 1e-10 * lam.max()))


@exercise("participation_ratio", L, "H", output="float", compare=cmp.scalars_close, misconceptions=[
    Misconception("the ratio upside down",
                  "The participation ratio is (sum of λ)^2 / (sum of λ^2): at least 1, and d for a round cloud in R^d.",
                  lambda H: float(np.sum(_eigenvalues(H) ** 2) / np.sum(_eigenvalues(H)) ** 2)),
    Misconception("singular values instead of eigenvalues",
                  "The singular values s of the centred data are square roots of the covariance eigenvalues (up to a factor): "
                  "use λ = s ** 2, or np.linalg.eigvalsh of the covariance.",
                  _pr_from_singular_values),
    Misconception("forgetting to centre the data",
                  "The covariance measures spread around the mean: subtract H.mean(axis=0) (np.cov does it for you); "
                  "otherwise the mean itself counts as a direction.",
                  lambda H: float(np.sum(_eigenvalues(H, centre=False)) ** 2 / np.sum(_eigenvalues(H, centre=False) ** 2))),
    Misconception("counting the non-zero eigenvalues (the rank)",
                  "The rank counts every direction the cloud touches, however thin; the participation ratio weighs them by their variance, "
                  "so it is a real number between 1 and the rank.",
                  _rank),
])
def _pr_cases(rng):
    cases = [Case("pen and paper: 4 points around (1, 1), variances 8/3 and 2/3",
                  (np.array([[3.0, 1.0], [-1.0, 1.0], [1.0, 2.0], [1.0, 0.0]]),), public=True),
             Case("a round cloud in R^5 (every direction equally used)", (make.cloud(rng, 40, [1.0] * 5, 3.0),)),
             Case("an elongated cloud in R^4 around (2, 2, 2, 2)", (make.cloud(rng, 30, (3.0, 2.0, 1.0, 0.5), 2.0),)),
             Case("a flat cloud: a plane in R^6", (make.cloud(rng, 25, (2.0, 1.5, 0, 0, 0, 0), -1.0),)),
             Case("a line in R^3 away from the origin", (make.cloud(rng, 10, (1.5, 0, 0), np.array([2.0, -1.0, 4.0])),))]
    X, weights, biases = _network(rng, (3, 8), 50)
    cases.append(Case("ReLU activations of 50 points, a layer 3 -> 8", (forward(X, weights, biases)[-1],)))
    cases.append(Case("few points: 5 points in R^3", (make.points(rng, 5, 3, scale=2.0),)))
    return cases


# ---------------------------------------------------------------- linear_probe_accuracy

def _probe(H, y, bias=True, targets="pm1", report="accuracy"):
    H, y = np.asarray(H, float), np.asarray(y)  # (n, d), (n,)
    A = np.hstack([H, np.ones((len(H), 1))]) if bias else H
    t = 2.0 * y - 1.0 if targets == "pm1" else y.astype(float)
    w, *_ = np.linalg.lstsq(A, t, rcond=None)
    right = (A @ w > 0) == (y == 1)  # (n,)
    if report == "error":
        return float(1.0 - right.mean())
    return float(right.sum() if report == "count" else right.mean())


def _blobs(rng, n1, n0, d, centre, gap, spread=1.0):
    """n1 points of class 1 around centre + gap, n0 of class 0 around centre - gap (shuffled)."""
    X = np.vstack([centre + gap + spread * rng.normal(size=(n1, d)), centre - gap + spread * rng.normal(size=(n0, d))])
    y = np.array([1] * n1 + [0] * n0)
    order = rng.permutation(n1 + n0)
    return X[order], y[order]


def _xor(rng, counts):
    """Clusters of counts[i] points at (1, 1), (-1, -1), (1, -1), (-1, 1); class 1 where the signs agree: not linearly separable."""
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    X = np.vstack([c + 0.3 * rng.normal(size=(m, 2)) for c, m in zip(corners, counts)])
    y = np.repeat([1, 1, 0, 0], counts)
    return X, y


def _clear(H, y, margin=0.02):
    """Does every point lie further than `margin` from the least-squares plane? Then the predictions (> 0)
    do not depend on round-off, even in float32."""
    A = np.hstack([H, np.ones((len(H), 1))])  # (n, d + 1)
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)
    return bool(np.min(np.abs(A @ w)) > margin)


def _drawn_clear(draw):
    """Data (H, y) from `draw()`, redrawn until it is _clear."""
    while True:
        H, y = draw()
        if _clear(H, y):
            return H, y


@exercise("linear_probe_accuracy", L, "H, y", output="float", compare=cmp.scalars_close, misconceptions=[
    Misconception("no bias column",
                  "Without the column of ones the separating plane must pass through the origin. Fit w on np.hstack([H, ones((n, 1))]).",
                  lambda H, y: _probe(H, y, bias=False)),
    Misconception("fitting the 0/1 labels directly",
                  "With targets 0 and 1 the threshold 0 sits at the wrong class instead of between them: fit against 2y - 1 (targets -1 and +1).",
                  lambda H, y: _probe(H, y, targets="01")),
    Misconception("returning the error rate",
                  "The accuracy is the fraction of points classified correctly, np.mean(prediction == y), not the fraction misclassified.",
                  lambda H, y: _probe(H, y, report="error")),
    Misconception("counting the correct predictions",
                  "Return the fraction of correct predictions (between 0 and 1): divide the count by n, or use np.mean.",
                  lambda H, y: _probe(H, y, report="count")),
])
def _probe_cases(rng):
    cases = [Case("pen and paper: the numbers 0, 1, 2, 3 with labels 0, 0, 1, 1",
                  (np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])), public=True),
             Case("two separated blobs in R^3, away from the origin", _drawn_clear(lambda: _blobs(rng, 15, 15, 3, 4.0, 1.5, 0.5))),
             Case("two overlapping blobs in R^2", _drawn_clear(lambda: _blobs(rng, 20, 20, 2, 1.0, 0.5))),
             Case("unbalanced classes: 30 of class 1, 10 of class 0, in R^4", _drawn_clear(lambda: _blobs(rng, 30, 10, 4, -2.0, 0.8)))]
    W = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [0.3, 0.5]])  # (5, 2): the last unit never fires here
    b = np.array([-1.0, -1.0, -1.0, -1.0, -5.0])
    while True:
        X, y = _xor(rng, (12, 8, 10, 10))
        R = np.maximum(X @ W.T + b, 0.0)  # (n, 5)
        if _clear(X, y) and _clear(R, y):
            break
    cases.append(Case("XOR: four clusters in the plane, not linearly separable", (X, y)))
    cases.append(Case("XOR after a ReLU layer 2 -> 5 with one dead unit (a column of zeros)", (R, y)))
    cases.append(Case("more features than points: 6 points in R^8",
                      _drawn_clear(lambda: (make.points(rng, 6, 8), np.array([1, 0, 0, 1, 1, 0])))))
    # least squares, not another classifier: far points of class 1 pull the least-squares line past the near
    # ones (logistic regression would separate them), and tiny features are lost to a ridge penalty
    far = np.r_[np.linspace(0.0, 3.0, 8), [4.2, 4.6, 5.0, 5.4], [40.0, 42.0, 44.0, 46.0]] + 0.05 * rng.uniform(-1, 1, 16)
    order = rng.permutation(16)
    cases.append(Case("the numbers 0 to 5 and four far ones around 43: the far class-1 points pull the least-squares line",
                      (far[order, None], np.repeat([0, 1], 8)[order])))
    cases.append(Case("tiny features (size 1e-2), 20 points of class 1 and 10 of class 0",
                      _drawn_clear(lambda: _blobs(rng, 20, 10, 2, 0.0, 0.015, 0.01))))
    return cases
