"""Comparators: is the student's answer right, and if not, what is wrong, in words.

Each takes ``(got, expected, case)`` with ``got`` already turned into the
exercise's kind of output (see ``grader.reference.judge.coerce``) and returns None when
it is right, or one or two sentences for the learner. The sentences never
quote the reference's values (a learner could copy them into a lookup
table); the judge shows expected answers for public cases only.
"""
import numpy as np

from grader.checking import tolerances as tol


def fmt(a, limit=30, precision=4):
    """A short, readable rendering of an array for feedback."""
    a = np.asarray(a)
    if a.dtype.kind == "b":
        return np.array2string(a, threshold=limit, separator=", ")
    return np.array2string(a, precision=precision, suppress_small=precision <= 4, threshold=limit, separator=", ")


def _close(got, expected):
    """Entrywise closeness within the current case's tolerance (``tolerances.allowed``), whatever ``got``'s dtype."""
    got, expected = np.asarray(got, float), np.asarray(expected, float)
    return np.abs(got - expected) <= tol.allowed(expected)


def arrays_close(got, expected, case=None):
    """Same shape, finite where the reference is finite, equal within tolerance."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}, but your function returned shape {got.shape}"
    bad = ~np.isfinite(got.astype(float)) & np.isfinite(expected)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {idx}" if idx else ""
        return f"your answer contains {got.astype(float)[bad][0]}{where} where a finite number was expected"
    ok = _close(got, expected)
    if ok.all():
        return None
    diff = np.abs(got.astype(float) - expected)
    diff[ok] = 0
    idx = tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape))
    where = f" at index {idx}" if idx else ""
    text = f"{int((~ok).sum())} of {ok.size} entries are wrong; the largest error, {diff[idx]:.3g}, is{where}"
    limit = float(tol.allowed(expected)[idx])
    if diff[idx] < tol.PRINT_RESOLUTION * max(1.0, abs(float(expected[idx]))):
        text += (f". That is {diff[idx] / limit:.3g} times the tolerance ({limit:.2g}) but too small to show in "
                 "4-digit printouts, so the values can look equal: the method is right or nearly so, the result "
                 "is not precise enough (too few iterations? a step done in float16 or with a rounded constant?)")
    return text


def exactly_equal(got, expected, case=None):
    """Same shape and the same values exactly (integers, booleans)."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}, but your function returned shape {got.shape}"
    if expected.dtype.kind == "b" and got.dtype.kind not in "bi" and not np.isin(got, (0, 1)).all():
        return "expected True/False values"
    wrong = got.astype(float) != expected.astype(float)
    if not wrong.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(wrong)[0])
    where = f" at index {idx}" if idx else ""
    return f"{int(wrong.sum())} of {wrong.size} entries are wrong; the first{where} (you returned {got[idx]})"


def each_close(got, expected, case=None):
    """A sequence of arrays (a pair, or a list of layers): the same length, each array close."""
    if len(got) != len(expected):
        return f"expected {len(expected)} arrays, but your function returned {len(got)}"
    for i, (g, e) in enumerate(zip(got, expected)):
        msg = arrays_close(g, e)
        if msg:
            return f"item {i}: {msg}"
    return None


def columns_up_to_sign(got, expected, case=None):
    """Equal up to the sign of each column (principal directions have no preferred sign)."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}, but your function returned shape {got.shape}"
    g = got.astype(float)
    signs = np.where(np.sum(g * expected, axis=0) < 0, -1.0, 1.0)  # (k,)
    msg = arrays_close(g * signs, expected)
    return msg and msg + " (after flipping column signs to match; signs are free)"


def _unit_columns(M):
    norms = np.linalg.norm(M, axis=0)
    return M / np.where(norms > 0, norms, 1.0), norms


def cone_generators(got, expected, case=None):
    """Columns equal to the reference's up to order and positive scaling."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}, but your function returned shape {got.shape}"
    g, norms = _unit_columns(got.astype(float))
    if not np.all(np.isfinite(g)) or np.any(norms == 0):
        return "some of your columns are zero or not finite; a cone generator is a non-zero direction"
    e, _ = _unit_columns(expected.astype(float))
    cos = e.T @ g  # (k, k): cosine between reference column i and your column j
    eps = tol.CONE_TOL
    unused = list(range(g.shape[1]))
    for i in range(e.shape[1]):
        match = [j for j in unused if cos[i, j] >= 1 - eps]
        if not match:
            if any(cos[i, j] <= -1 + eps for j in unused):
                return f"generator {i} points the wrong way: a column of yours is a negative multiple of it"
            return f"one of the cone's edge directions is not among your columns (column {i} of the right answer, up to order and scaling)"
        unused.remove(match[0])
    return None


def orthonormal_basis_of(got, expected, case):
    """An orthonormal basis of the same subspace as the reference's (any basis of it is right)."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.ndim != 2 or got.shape[0] != expected.shape[0]:
        return f"expected a matrix with {expected.shape[0]} rows (one column per basis vector), but your function returned shape {got.shape}"
    k = expected.shape[1]
    if got.shape[1] != k:
        return f"the space has dimension {k}, so expected {k} columns (shape {expected.shape}), but got {got.shape[1]} (shape {got.shape})"
    if k == 0:
        return None
    g = got.astype(float)
    eps = tol.GEOMETRY_TOL
    if not np.all(np.isfinite(g)):
        return "your basis contains NaN or inf"
    gram = g.T @ g
    if np.max(np.abs(gram - np.eye(k))) > eps:
        return f"your columns are not orthonormal: Q^T Q should be the identity but is {fmt(gram)}"
    W = np.asarray(case.args[0], float)
    scale = max(1.0, np.linalg.norm(W, 2))
    if np.max(np.abs(W @ g)) > eps * scale:
        return f"your columns are not in the null space: W @ Q should be 0 but its largest entry is {np.max(np.abs(W @ g)):.3g}"
    return None


def scalars_close(got, expected, case=None):
    """One number, close to the reference."""
    got = np.asarray(got)
    if got.shape != ():
        return f"expected a single number, but your function returned an array of shape {got.shape}"
    if not np.isfinite(float(got)):
        return f"expected a finite number, got {float(got)}"
    if _close(got, expected):
        return None
    return f"your value {float(got):.6g} is too {'large' if float(got) > float(expected) else 'small'}"


def integers_equal(got, expected, case=None):
    """One whole number, exactly the reference's."""
    got = np.asarray(got)
    if got.shape != ():
        return f"expected a single whole number, but your function returned an array of shape {got.shape}"
    if float(got) != float(expected):
        return f"your count {got.item()} is too {'high' if float(got) > float(expected) else 'low'}"
    return None


def same_span(got, wrong, case=None):
    """For misconceptions of subspace answers: the same array, or the same column span."""
    got, wrong = np.asarray(got, float), np.asarray(wrong, float)
    if got.shape != wrong.shape:
        return False
    if arrays_close(got, wrong) is None:
        return True
    if got.ndim != 2:
        return False
    return arrays_close(got @ np.linalg.pinv(got), wrong @ np.linalg.pinv(wrong)) is None


def same_nonfinite(got, wrong, case=None):
    """For misconceptions that overflow: the same array, with NaN and inf in the same places."""
    got, wrong = np.asarray(got), np.asarray(wrong)
    if got.shape != wrong.shape:
        return False
    g, w = got.astype(float), wrong.astype(float)
    finite = np.isfinite(g)
    if not np.array_equal(finite, np.isfinite(w)) or not np.array_equal(g[~finite], w[~finite], equal_nan=True):
        return False
    return arrays_close(got[finite], w[finite]) is None
