"""Every numerical tolerance the grader uses, in one place.

A returned array matches the reference when
``|got - expected| <= atol * scale + rtol * |expected|`` entrywise, where
``scale = max(1, max |expected|)``. Answers computed in float32 get the looser
pair: a correct float32 computation must earn full marks.
"""

RTOL = 1e-6
ATOL = 1e-8
RTOL_FLOAT32 = 2e-4
ATOL_FLOAT32 = 2e-5

# geometric checks (orthonormality, W Q = 0, cone directions), relative to the inputs' scale
GEOMETRY_TOL = 1e-6
GEOMETRY_TOL_FLOAT32 = 1e-3

# seconds one call of a student's function may take before it is stopped
CALL_TIMEOUT = 3.0
# characters of a student's printed output kept for the feedback
PRINT_LIMIT = 2000


def pair(float32):
    """(rtol, atol) for an answer computed in float32 or not."""
    return (RTOL_FLOAT32, ATOL_FLOAT32) if float32 else (RTOL, ATOL)
