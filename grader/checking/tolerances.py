"""Every numerical tolerance the grader uses, in one place, and the rule that turns them into one case's tolerance.

Why not "float32 answers get the looser pair"? The precision of a computation
is not visible in what it returns: a float32 computation handed back with
``.double()``, ``astype(float)`` or ``.tolist()`` looks exactly like a float64
one. So every real-valued answer of a case is judged against one tolerance
that does not depend on the returned dtype:

    |got - expected| <= slack   (entrywise),
    slack = max(SAFETY * deviation, FLOOR * scale),   scale = max(1, max |expected|)

``deviation`` is how far the reference itself lands when its inputs carry
float32 round-off (``probe_inputs``: the inputs rounded to float32, which is
exactly what a float32 computation starts from; exact inputs such as integers
are not moved, so decisions at a kink, e.g. a ReLU unit exactly at 0, stay
put, and their round-off is left to ``FLOOR``). A backward-stable
float32 computation returns the exact answer of inputs perturbed by a few
float32 epsilons, so its error is of the order of ``deviation``: ill-conditioned
cases (near-singular bases, logits near 1e4 whose float32 spacing is 1e-3,
rows around 100 normalised by LayerNorm) get a wider tolerance, well-
conditioned ones a narrow one. ``SAFETY`` covers the different order of
operations of other correct implementations (einsum, loops, inv instead of
solve, sums over many terms); ``FLOOR`` is the rounding any float32 result has
even on exact inputs. Cases are designed so that an almost-right answer
(a few iterations short, eps in the wrong place, a wrong shift) lands far
outside, and ``tests/test_real_implementations.py`` checks both sides (its
float32 ports of nanoGPT, minGPT, TransformerLens, ... land at most 0.12 of
the tolerance from the reference, the slowly contracting ``invert_residual``
case being the closest; the next is 0.09).

When the judge has no per-case deviation (an old practice key), the fixed
pair ``FALLBACK_RTOL``/``FALLBACK_ATOL`` is used for every answer, whatever its
dtype.
"""
import contextlib
import contextvars

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)  # 1.19e-7

SAFETY = 30.0  # a correct float32 computation lands within SAFETY x the reference's float32 deviation
FLOOR = 64 * EPS32  # 7.6e-6 of the answer's scale: round-off of any float32 result, even on exact inputs
PROBES = 1  # perturbed copies of a case's inputs the reference is run on: the float32-rounded inputs
# (a random +-1 eps probe was tried and dropped: it moves exact inputs off a kink and inflates the tolerance)

# without a per-case deviation: one pair for every answer (loose enough for float32)
FALLBACK_RTOL = 2e-4
FALLBACK_ATOL = 2e-5

# geometric checks (orthonormality, W Q = 0), relative to the inputs' scale, for any correct float32 or float64 basis
GEOMETRY_TOL = 2e-4
# cone directions: 1 - cos(angle) between your column and the reference's
CONE_TOL = 1e-8  # (about 1.4e-4 rad: float32 lands 1e-5 rad away at worst, float16 1e-3)

# an error below this share of the entry's size is invisible in the 4-significant-digit printout of feedback
PRINT_RESOLUTION = 5e-5

# seconds one call of a student's function may take before it is stopped (time spent importing modules not counted)
CALL_TIMEOUT = 3.0
# seconds one call may spend importing modules (a first `import torch` takes about 3 s cold) before it is stopped anyway
IMPORT_GRACE = 60.0
# characters of a student's printed output kept for the feedback
PRINT_LIMIT = 2000


_slack = contextvars.ContextVar("actspace_case_slack", default=None)


@contextlib.contextmanager
def case_slack(deviation):
    """Judge the comparisons inside this block with the per-case `deviation` (None: the fallback pair)."""
    token = _slack.set(deviation)
    try:
        yield
    finally:
        _slack.reset(token)


def scale_of(expected):
    return max(1.0, float(np.max(np.abs(np.asarray(expected, float)), initial=0.0)))


def allowed(expected):
    """Entrywise tolerance for an answer close to `expected`, in the current case (see the module's rule)."""
    expected = np.abs(np.asarray(expected, float))
    scale = scale_of(expected)
    deviation = _slack.get()
    if deviation is None:
        return FALLBACK_ATOL * scale + FALLBACK_RTOL * expected
    return np.broadcast_to(max(SAFETY * float(deviation), FLOOR * scale), expected.shape)


# ---------------------------------------------------------------- the deviation of a case

def _perturbed(value, how, rng):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        if how == 0:
            return value.astype(np.float32).astype(value.dtype)
        return value * (1.0 + EPS32 * rng.uniform(-1.0, 1.0, size=value.shape))
    if type(value) is float:
        return float(_perturbed(np.array(value), how, rng))
    if isinstance(value, (list, tuple)):
        return type(value)(_perturbed(v, how, rng) for v in value)
    return value


def probe_inputs(case, index):
    """The PROBES perturbed copies (args, kwargs) of a case's inputs, the same every time."""
    for how in range(PROBES):
        rng = np.random.default_rng([index, how])
        yield _perturbed(tuple(case.args), how, rng), {k: _perturbed(v, how, rng) for k, v in case.kwargs.items()}


def deviation(answers, expected):
    """The largest entrywise distance between the reference's probe answers and its answer (0 if none is usable)."""
    worst = 0.0
    for answer in answers:
        pairs = list(zip(answer, expected)) if isinstance(expected, list) else [(answer, expected)]
        if isinstance(expected, list) and len(answer) != len(expected):
            continue
        try:
            diffs = []
            for a, e in pairs:
                a, e = np.asarray(a, float), np.asarray(e, float)
                if a.shape != e.shape:
                    raise ValueError
                both = np.isfinite(e) & np.isfinite(a)
                if not np.array_equal(np.isfinite(a), np.isfinite(e)):
                    raise ValueError
                diffs.append(float(np.max(np.abs(a[both] - e[both]), initial=0.0)))
        except (ValueError, TypeError):
            continue
        worst = max(worst, *diffs) if diffs else worst
    return worst
