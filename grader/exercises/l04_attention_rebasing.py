"""Lesson 4 exercises: softmax, attention patterns, heads, the OV circuit, multi-head attention.

Row convention throughout: one token per row of X, weights multiply from the
right. The plain-NumPy attention below (``pattern``, ``head``, ``heads_sum``)
builds the misconceptions here and in lesson 5; it is not the reference.
"""
import numpy as np

from grader.checking import compare as cmp
from grader.exercises import make
from grader.exercises.spec import Case, Misconception, exercise

L = "04_attention_rebasing"

# the three tokens of the pen-and-paper cases: e1, e2 and e1 + e2
X3 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # (3, 2)
# W_q = W_k with d_k = 4: each input axis feeds two query/key axes, so Q K^T / sqrt(4) = X X^T
W_PEN = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])  # (2, 4)


def _softmax(S, axis=-1):
    S = np.asarray(S, float)
    E = np.exp(S - np.max(S, axis=axis, keepdims=True))
    return E / np.sum(E, axis=axis, keepdims=True)


def _future(n):
    """(n, n) booleans: True above the diagonal, where token i would read a later token j > i."""
    return np.triu(np.ones((n, n), bool), k=1)


def pattern(X, W_q, W_k, causal=False, scale=None, mask="before"):
    """softmax(Q K^T / scale) by rows, scale = sqrt(d_k) unless given; `mask` says how the future is hidden.

    mask: "before" (-inf before the softmax, right), "after" (zeroed after, not renormalised),
    "zero" (scores set to 0, not -inf), "past" (hides j < i instead of j > i).
    """
    X = np.asarray(X, float)  # (n, d_model)
    Q, K = X @ np.asarray(W_q, float), X @ np.asarray(W_k, float)  # (n, d_k)
    S = Q @ K.T / (np.sqrt(K.shape[1]) if scale is None else scale)  # (n, n)
    if not causal:
        return _softmax(S)
    hide = _future(S.shape[0])
    if mask == "before":
        return _softmax(np.where(hide, -np.inf, S))
    if mask == "after":
        return np.where(hide, 0.0, _softmax(S))
    if mask == "zero":
        return _softmax(np.where(hide, 0.0, S))
    return _softmax(np.where(hide.T, -np.inf, S))  # "past"


def head(X, W_q, W_k, W_v, causal=False, **how):
    """A @ (X @ W_v), with the pattern built as `how` says."""
    return pattern(X, W_q, W_k, causal, **how) @ (np.asarray(X, float) @ np.asarray(W_v, float))  # (n, d_v)


def heads_sum(X, W_q, W_k, W_v, W_o, causal=False, combine="sum", **how):
    """The heads' outputs, each written back through W_o[h], combined by "sum" (right), "mean" or "last"."""
    outs = [head(X, W_q[h], W_k[h], W_v[h], causal, **how) @ np.asarray(W_o[h], float)
            for h in range(len(W_q))]  # h arrays (n, d_model)
    if combine == "last":
        return outs[-1]
    return np.mean(outs, axis=0) if combine == "mean" else np.sum(outs, axis=0)


# ---------------------------------------------------------------- softmax

def _softmax_no_shift(S, axis=-1):
    E = np.exp(np.asarray(S, float))
    return E / np.sum(E, axis=axis, keepdims=True)


def _softmax_global_max(S, axis=-1):
    S = np.asarray(S, float)
    E = np.exp(S - np.max(S))
    return E / np.sum(E, axis=axis, keepdims=True)


def _softmax_whole_sum(S, axis=-1):
    S = np.asarray(S, float)
    E = np.exp(S - np.max(S, axis=axis, keepdims=True))
    return E / np.sum(E)


def _softmax_shift(S, axis=-1, by=np.mean):
    """Shifted by the row's mean or min instead of its max: exp overflows when one row spans more than ~1400."""
    S = np.asarray(S, float)
    E = np.exp(S - by(S, axis=axis, keepdims=True))
    return E / np.sum(E, axis=axis, keepdims=True)


@exercise("softmax", L, "S, axis=-1", same=cmp.same_nonfinite, misconceptions=[
    Misconception("exponentiating without subtracting the max",
                  "exp(1000) overflows to inf and exp(-1000) underflows to 0, giving inf/inf or 0/0 = NaN. "
                  "Subtract the max along `axis` first (keepdims=True): softmax does not change when a row is shifted.",
                  _softmax_no_shift),
    Misconception("subtracting one max for the whole array",
                  "One global max is too large for rows of small logits: all their exponentials underflow to 0 and the row becomes 0/0. "
                  "Take the max along `axis` with keepdims=True, so every row is shifted by its own max.",
                  _softmax_global_max),
    Misconception("ignoring the `axis` argument",
                  "The entries that must sum to 1 lie along `axis`, which is not always the last one: "
                  "pass axis=axis (with keepdims=True) to both the max and the sum.",
                  lambda S, axis=-1: _softmax(S, -1)),
    Misconception("dividing by the sum of the whole array",
                  "Each row (each slice along `axis`) is its own distribution and must sum to 1 by itself: "
                  "use np.sum(E, axis=axis, keepdims=True), not np.sum(E).",
                  _softmax_whole_sum),
    Misconception("subtracting the row's mean instead of its max",
                  "Any shift leaves softmax unchanged, but only the max keeps every exponent <= 0: in a row such as (1e4, -1e4) "
                  "the mean is 0 and exp(1e4) overflows. Subtract np.max(S, axis=axis, keepdims=True).",
                  lambda S, axis=-1: _softmax_shift(S, axis, np.mean)),
    Misconception("subtracting the row's min instead of its max",
                  "After subtracting the min every exponent is >= 0, so a row such as (800, 0) gives exp(800) = inf. "
                  "Subtract the max along `axis` (keepdims=True): then the largest exponent is exactly 0.",
                  lambda S, axis=-1: _softmax_shift(S, axis, np.min)),
])
def _softmax_cases(rng):
    cases = [Case("pen and paper: rows (0, ln 3) and (5, 5)",
                  (np.array([[0.0, np.log(3.0)], [5.0, 5.0]]),), public=True),
             Case("one row of 5 random logits", (rng.normal(size=5),)),
             Case("a batch of 4 rows of 6 logits", (2.0 * rng.normal(size=(4, 6)),)),
             Case("one row of logits near +1e4", (1e4 - np.array([0.0, 1.0, 3.0, 2.0, 7.0]),)),
             Case("one row of logits near -1e4", (-1e4 + np.array([0.0, 2.0, 1.0, 5.0]),)),
             Case("rows of very different magnitude: near 1e4, near 0, near -1e4",
                  (np.array([[1e4, 1e4 - 1, 1e4 - 3], [-2.0, 0.0, 1.0], [-1e4, -1e4 + 2, -1e4 + 1]]),)),
             Case("axis=0: each column is a distribution", (rng.normal(size=(3, 4)),), {"axis": 0}),
             Case("axis=0 with columns near 1000 and near 0",
                  (np.array([[1000.0, 0.5], [1002.0, -1.0], [999.0, 0.0]]),), {"axis": 0}),
             Case("one row spanning 1e4 to -1e4: a wide spread inside a single row",
                  (np.array([1e4, 0.0, -1e4, 5e3]),)),
             Case("rows (800, 0, -3) and (0, -800, 1): one large logit per row",
                  (np.array([[800.0, 0.0, -3.0], [0.0, -800.0, 1.0]]),)),
             Case("axis=0 with a column from -1500 to 1500", (np.array([[1500.0, 1.0], [0.0, 2.0], [-1500.0, 0.5]]),), {"axis": 0}),
             Case("one logit per row (shape (3, 1)): every weight is 1", (rng.normal(size=(3, 1)),)),
             Case("a 3-D array (2, 3, 4), default axis", (rng.normal(size=(2, 3, 4)),)),
             Case("a 3-D array (2, 3, 4) with axis=1", (rng.normal(size=(2, 3, 4)),), {"axis": 1})]
    return cases


# ---------------------------------------------------------------- attention_pattern

def _weights(rng, d_model, d_k, scale=1.5):
    """W_q, W_k (d_model, d_k), large enough that the 1/sqrt(d_k) visibly matters."""
    return (scale * rng.normal(size=(d_model, d_k)) for _ in range(2))


@exercise("attention_pattern", L, "X, W_q, W_k, causal=False", misconceptions=[
    Misconception("forgetting to divide by sqrt(d_k)",
                  "The scores are Q K^T / sqrt(d_k): without the scale they grow with the key width and the softmax saturates.",
                  lambda X, W_q, W_k, causal=False: pattern(X, W_q, W_k, causal, scale=1.0)),
    Misconception("dividing by d_k instead of sqrt(d_k)",
                  "The scale is the square root of the key width, np.sqrt(d_k), not d_k itself.",
                  lambda X, W_q, W_k, causal=False: pattern(X, W_q, W_k, causal, scale=np.shape(W_k)[1])),
    Misconception("scaling by sqrt(d_model) instead of sqrt(d_k)",
                  "d_k is the width of the queries and keys (W_k.shape[1]), not of the tokens X; they differ whenever W_k is not square.",
                  lambda X, W_q, W_k, causal=False: pattern(X, W_q, W_k, causal, scale=np.sqrt(np.shape(X)[1]))),
    Misconception("masking after the softmax without renormalising",
                  "Zeroing future weights after the softmax leaves rows that no longer sum to 1. "
                  "Set the future scores to -inf before the softmax (or renormalise the rows).",
                  lambda X, W_q, W_k, causal=False: pattern(X, W_q, W_k, causal, mask="after")),
    Misconception("setting the future scores to 0 instead of -inf",
                  "A score of 0 still gets weight exp(0) > 0. Hidden tokens need -inf (weight exactly 0), e.g. np.where(mask, -np.inf, S).",
                  lambda X, W_q, W_k, causal=False: pattern(X, W_q, W_k, causal, mask="zero")),
    Misconception("masking the wrong triangle",
                  "Token i may read tokens j <= i (the diagonal and below); hide j > i, the part strictly above the diagonal (np.triu(..., k=1)).",
                  lambda X, W_q, W_k, causal=False: pattern(X, W_q, W_k, causal, mask="past")),
])
def _pattern_cases(rng):
    cases = [Case("pen and paper: tokens e1, e2, e1 + e2 with Q = K, d_k = 4, causal",
                  (X3, W_PEN, W_PEN), {"causal": True}, public=True),
             Case("pen and paper: the same tokens, not causal", (X3, W_PEN, W_PEN), {"causal": False}, public=True)]
    for n, d_model, d_k, causal in ((5, 4, 3, False), (5, 4, 3, True), (6, 3, 8, True), (4, 6, 2, False), (7, 5, 2, True)):
        W_q, W_k = _weights(rng, d_model, d_k)
        kind = "causal" if causal else "not causal"
        cases.append(Case(f"{n} random tokens in R^{d_model}, d_k = {d_k}, {kind}",
                          (make.points(rng, n, d_model), W_q, W_k), {"causal": causal}))
    W_q, W_k = _weights(rng, 3, 2)
    cases.append(Case("a single token, causal (shape (1, 1))", (make.points(rng, 1, 3), W_q, W_k), {"causal": True}))
    W_q, W_k = _weights(rng, 4, 1)
    cases.append(Case("keys and queries of width d_k = 1, causal", (make.points(rng, 5, 4), W_q, W_k), {"causal": True}))
    W_q, W_k = _weights(rng, 4, 3, scale=12.0)
    cases.append(Case("long tokens: scores in the thousands (the softmax must stay finite), not causal",
                      (make.points(rng, 5, 4, scale=4.0), W_q, W_k), {"causal": False}))
    return cases


# ---------------------------------------------------------------- attention_head

@exercise("attention_head", L, "X, W_q, W_k, W_v, causal=False", misconceptions=[
    Misconception("forgetting the value projection W_v",
                  "A @ X mixes the raw tokens; the head mixes the re-based values V = X @ W_v, so return A @ (X @ W_v).",
                  lambda X, W_q, W_k, W_v, causal=False: pattern(X, W_q, W_k, causal) @ np.asarray(X, float)),
    Misconception("A.T instead of A",
                  "Row i of A holds the weights with which token i reads the others, so output row i is sum_j A[i, j] V[j]: A @ V, not A.T @ V.",
                  lambda X, W_q, W_k, W_v, causal=False: pattern(X, W_q, W_k, causal).T @ (np.asarray(X, float) @ np.asarray(W_v, float))),
    Misconception("not passing `causal` on to the attention pattern",
                  "attention_pattern(X, W_q, W_k) uses its default causal=False; call attention_pattern(X, W_q, W_k, causal).",
                  lambda X, W_q, W_k, W_v, causal=False: head(X, W_q, W_k, W_v, False)),
    Misconception("forgetting to divide the scores by sqrt(d_k)",
                  "The pattern is softmax(Q K^T / sqrt(d_k)), with d_k = W_k.shape[1].",
                  lambda X, W_q, W_k, W_v, causal=False: head(X, W_q, W_k, W_v, causal, scale=1.0)),
])
def _head_cases(rng):
    cases = [Case("pen and paper: tokens e1, e2, e1 + e2, Q = K, d_k = 4, W_v = diag(1, 2), causal",
                  (X3, W_PEN, W_PEN, np.diag([1.0, 2.0])), {"causal": True}, public=True)]
    for n, d_model, d_k, d_v, causal in ((4, 3, 2, 3, False), (5, 4, 3, 2, True), (6, 4, 6, 5, False),
                                         (5, 3, 4, 3, True), (3, 5, 2, 1, True)):
        W_q, W_k = _weights(rng, d_model, d_k)
        kind = "causal" if causal else "not causal"
        cases.append(Case(f"{n} tokens in R^{d_model}, d_k = {d_k}, d_v = {d_v}, {kind}",
                          (make.points(rng, n, d_model), W_q, W_k, rng.normal(size=(d_model, d_v))), {"causal": causal}))
    W_q, W_k = _weights(rng, 4, 2)
    cases.append(Case("a single token: the head just re-bases it", (make.points(rng, 1, 4), W_q, W_k, make.basis(rng, 4))))
    return cases


# ---------------------------------------------------------------- input_basis_coordinates

def _inv(W):
    return np.linalg.inv(np.asarray(W, float))


@exercise("input_basis_coordinates", L, "Z, W_v", misconceptions=[
    Misconception("multiplying by W_v^T instead of inverting",
                  "W_v^T undoes W_v only when W_v is orthogonal. Solve C @ W_v = Z: C = Z @ inv(W_v), or np.linalg.solve(W_v.T, Z.T).T.",
                  lambda Z, W_v: np.asarray(Z, float) @ np.asarray(W_v, float).T),
    Misconception("W_v^-1 on the wrong side",
                  "The rows of Z are tokens and W_v acts from the right (Z = C @ W_v), so undo it from the right: Z @ inv(W_v), not inv(W_v) @ Z.",
                  lambda Z, W_v: _inv(W_v) @ np.asarray(Z, float)),
    Misconception("solving with W_v where W_v^T is needed",
                  "np.linalg.solve(W_v, Z.T).T gives Z @ inv(W_v).T. Transposing C @ W_v = Z gives W_v^T C^T = Z^T: solve with W_v.T.",
                  lambda Z, W_v: np.asarray(Z, float) @ _inv(W_v).T),
    Misconception("multiplying by W_v again",
                  "Z is already in value coordinates; to go back to the input's basis undo W_v (multiply by its inverse), do not apply it twice.",
                  lambda Z, W_v: np.asarray(Z, float) @ np.asarray(W_v, float)),
])
def _coordinates_cases(rng):
    cases = [Case("pen and paper: the shear W_v = [[1, 1], [0, 1]], Z = [[1, 3], [2, 2]]",
                  (np.array([[1.0, 3.0], [2.0, 2.0]]), np.array([[1.0, 1.0], [0.0, 1.0]])), public=True)]
    for n, d in ((3, 3), (5, 2), (4, 4), (6, 5), (1, 3)):
        cases.append(Case(f"{n} token{'s' if n > 1 else ''} in R^{d} (shape ({n}, {d})), a random invertible W_v",
                          (make.points(rng, n, d), make.basis(rng, d))))
    n, d = 4, 4
    X, W_v = make.points(rng, n, d), make.basis(rng, d)
    A = _softmax(make.points(rng, n, n))  # (n, n): some attention pattern
    cases.append(Case("a real head's output Z = A X W_v (the answer is A X)", (A @ X @ W_v, W_v)))
    return cases


# ---------------------------------------------------------------- ov_circuit

@exercise("ov_circuit", L, "W_v, W_o", misconceptions=[
    Misconception("W_o @ W_v (the order reversed)",
                  "In the row convention a token is first multiplied by W_v, then by W_o: x @ W_v @ W_o, so the circuit is W_v @ W_o, of shape (d_model, d_model).",
                  lambda W_v, W_o: np.asarray(W_o, float) @ np.asarray(W_v, float)),
    Misconception("the column-convention circuit W_o^T W_v^T",
                  "That is the transpose of the answer, the map on column vectors. Here tokens are rows: return W_v @ W_o.",
                  lambda W_v, W_o: np.asarray(W_o, float).T @ np.asarray(W_v, float).T),
    Misconception("the entrywise product instead of the matrix product",
                  "Applying one map after another is the matrix product W_v @ W_o, not W_v * W_o.",
                  lambda W_v, W_o: np.asarray(W_v, float) * np.asarray(W_o, float)),
])
def _ov_cases(rng):
    cases = [Case("pen and paper: W_v = [[1], [2]], W_o = [[3, 4]] (d_head = 1)",
                  (np.array([[1.0], [2.0]]), np.array([[3.0, 4.0]])), public=True)]
    for d_model, d_head in ((3, 3), (4, 2), (5, 1), (6, 3), (2, 4)):
        cases.append(Case(f"d_model = {d_model}, d_head = {d_head}",
                          (rng.normal(size=(d_model, d_head)), rng.normal(size=(d_head, d_model)))))
    return cases


# ---------------------------------------------------------------- multi_head_attention

def _pen_heads():
    """Two heads of width 1 that attend uniformly (W_q = 0): head 0 copies axis 1, head 1 copies axis 2."""
    W_q = np.zeros((2, 2, 1))
    W_k = np.ones((2, 2, 1))
    W_v = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])  # (2, 2, 1)
    W_o = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # (2, 1, 2)
    return W_q, W_k, W_v, W_o


@exercise("multi_head_attention", L, "X, W_q, W_k, W_v, W_o, causal=False", misconceptions=[
    Misconception("averaging the heads instead of summing them",
                  "Each head writes its own output into the residual stream and the outputs add up: sum over heads, do not divide by h.",
                  lambda X, W_q, W_k, W_v, W_o, causal=False: heads_sum(X, W_q, W_k, W_v, W_o, causal, combine="mean")),
    Misconception("keeping only the last head's output",
                  "`out = ...` inside the loop overwrites the earlier heads; accumulate with `out += ...` (starting from zeros).",
                  lambda X, W_q, W_k, W_v, W_o, causal=False: heads_sum(X, W_q, W_k, W_v, W_o, causal, combine="last")),
    Misconception("scaling the scores by sqrt(d_model) instead of sqrt(d_head)",
                  "Each head's queries and keys have width d_head = W_q.shape[2]; divide its scores by sqrt(d_head).",
                  lambda X, W_q, W_k, W_v, W_o, causal=False: heads_sum(X, W_q, W_k, W_v, W_o, causal, scale=np.sqrt(np.shape(X)[1]))),
    Misconception("not passing `causal` on to the heads",
                  "Every head must hide the future when causal=True: pass `causal` to each attention_head call.",
                  lambda X, W_q, W_k, W_v, W_o, causal=False: heads_sum(X, W_q, W_k, W_v, W_o, False)),
])
def _mha_cases(rng):
    cases = [Case("pen and paper: two uniform heads (W_q = 0) copying one axis each, tokens e1, e2, e1 + e2, causal",
                  (X3, *_pen_heads()), {"causal": True}, public=True)]
    for n, d_model, h, d_head, causal in ((4, 4, 2, 2, False), (5, 6, 3, 2, True), (6, 4, 1, 3, False),
                                          (3, 8, 4, 2, True), (7, 5, 2, 3, False), (1, 4, 2, 2, True),
                                          (5, 3, 3, 1, True)):
        kind = "causal" if causal else "not causal"
        cases.append(Case(f"{n} token{'s' if n > 1 else ''} in R^{d_model}, {h} head{'s' if h > 1 else ''} of width {d_head}, {kind}",
                          (make.points(rng, n, d_model), *make.heads(rng, h, d_model, d_head, scale=2.0)), {"causal": causal}))
    return cases
