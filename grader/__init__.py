"""The grader's face in the lessons' notebooks (the exercise contract: ``../shared/curriculum.md``).

- ``check(name, fn)``: the learner's check, on practice cases, against the
  practice key that ships with actspace; names the misconception it finds.
- ``points(name, fn, out_of)``: the graded cells. In a grading kernel it only
  shows evidence (``grader.checking.kernel``); the autograder judges it
  outside. Elsewhere it grades with the reference, where that is installed.
- ``grade(name, fn)``: a Result with ``score`` in [0, 1] and ``feedback``,
  judged against the reference on grading cases. Instructor's install only
  (a checkout installed with ``pip install -e``): a learner's install holds
  no answers.
"""
from grader.checking import evidence, kernel
from grader.checking.cases import UnknownExercise  # noqa: F401
from grader.checking.practice import CheckResult, check  # noqa: F401
from grader.checking.runner import run_cases  # noqa: F401

LEARNER_INSTALL = ("this is a learner's install of actspace: it holds the lessons and the practice checks, "
                   "not the reference or the grading cases. `grader.grade` and the instructor's commands need "
                   "the instructor's install: a checkout of the course, `python -m pip install -e <checkout>`")


# the instructor's side: modules a learner's install does not have
INSTRUCTOR_MODULES = ("grader.course", "grader.autograde", "grader.sandbox", "grader.exercises", "grader.reference",
                      "solutions")


def is_instructor_side(module_name):
    """Is `module_name` (say, a ModuleNotFoundError's name) part of the instructor's side?"""
    return any(module_name == m or (module_name or "").startswith(m + ".") for m in INSTRUCTOR_MODULES)


class InstructorOnly(ImportError):
    """The instructor's side (reference, misconception banks, grading pipeline) is not installed here."""


def instructor(module):
    """Import an instructor-side module of grader, or InstructorOnly saying why it is missing."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        if e.name and (is_instructor_side(e.name) or module.startswith(e.name + ".")):
            raise InstructorOnly(LEARNER_INSTALL) from None
        raise


def grade(name, fn):
    """Check `fn` against the reference: a Result with `score` in [0, 1] and `feedback`."""
    return instructor("grader.reference.judge").grade(name, fn)


def points(name, fn, out_of):
    """For an nbgrader test cell: print the feedback and return the points earned.

    In a kernel started by the autograder it judges nothing: it shows the
    evidence (what `fn` returned on the grading cases) and returns 0; the
    grading process judges that evidence and replaces this cell's outputs.
    """
    if evidence.grading():
        kernel.emit(name, fn)
        return 0.0
    try:
        result = grade(name, fn)
    except InstructorOnly:
        print(f"{name}: graded when your work is marked (run `grader.check` to practise).")
        return 0.0
    print(result.feedback)
    return round(result.score * out_of, 3)


def __getattr__(attr):
    """`grader.exercise`, `grader.cases`, `grader.NAMES`: the instructor's registry, loaded on first use."""
    if attr in ("exercise", "cases", "NAMES"):
        ex = instructor("grader.exercises")
        return {"exercise": ex.get, "cases": ex.grading_cases, "NAMES": ex.NAMES}[attr]
    raise AttributeError(f"module 'grader' has no attribute {attr!r}")
