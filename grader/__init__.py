"""Grade a student's function against the actspace reference implementation.

``grade(name, fn)`` runs three steps, kept apart because the autograder runs
the middle one inside the student's kernel and the others outside it:

1. ``cases(name)``: seeded inputs, made without the reference;
2. ``runner.run_cases(fn, cases)``: call the function, keep trusted copies of
   what came back (never imports ``solutions``);
3. ``judge.judge(exercise, cases, run)``: compare with ``solutions`` and name
   the likely misconception.
"""
import zlib

import numpy as np

from grader import exercises as _exercises  # noqa: F401  (fills the registry)
from grader.checking.runner import run_cases
from grader.exercises.spec import REGISTRY

NAMES = tuple(REGISTRY)


class UnknownExercise(ValueError):
    """No exercise of that name."""


def exercise(name):
    """The registered exercise called `name`, or UnknownExercise listing the known names."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownExercise(f"unknown exercise {name!r}; known exercises: {', '.join(NAMES)}") from None


def seed(name):
    """The fixed seed of an exercise's cases: the same cases every run."""
    return zlib.crc32(name.encode())


def cases(name):
    """The seeded cases of exercise `name` (inputs only)."""
    return exercise(name).make_cases(np.random.default_rng(seed(name)))


def grade(name, fn):
    """Check `fn` against the reference: a Result with `score` in [0, 1] and `feedback`."""
    from grader.reference.judge import judge

    ex = exercise(name)
    cs = cases(name)
    return judge(ex, cs, run_cases(fn, cs, may_call=ex.may_call))


def points(name, fn, out_of):
    """For an nbgrader test cell: print the feedback and return the points earned.

    In a kernel started by the autograder it judges nothing: it shows the
    evidence (what `fn` returned on the cases) and returns 0; the grading
    process judges that evidence and replaces this cell's outputs with the score.
    """
    from grader.checking import evidence

    if evidence.grading():
        evidence.emit(name, fn)
        return 0.0
    result = grade(name, fn)
    print(result.feedback)
    return round(result.score * out_of, 3)
