"""What ``grader.points`` does in a grading kernel: run the function on the grading cases, show the evidence.

The autograder makes the grading cases outside the kernel (from the course's
secret and the student's id) and writes their inputs into a file the kernel
reads (``CASES_ENV`` names it). The kernel never sees an expected answer; the
grading process judges the evidence (``grader.autograde.verdicts``).
"""
import functools
import json
import os

from grader.checking import evidence
from grader.checking.cases import decode_case, encode_case
from grader.checking.runner import run_cases

CASES_ENV = "ACTSPACE_CASES"  # the grading kernel's cases file
CASES_FILE = ".actspace-cases.json"


def write_cases(path, exercises):
    """Write the grading inputs {name: (may_call, cases)} for a kernel to read."""
    data = {"version": 1, "exercises": {name: {"may_call": list(may_call), "cases": [encode_case(c) for c in cases]}
                                        for name, (may_call, cases) in exercises.items()}}
    with open(path, "w") as f:
        json.dump(data, f)


@functools.lru_cache(maxsize=2)
def _cases_file(path):
    """The cases file's exercises, read once per kernel (every graded cell asks for its own)."""
    with open(path) as f:
        return json.load(f)["exercises"]


def read_cases(name):
    """(may_call, cases) of exercise `name`, from this grading kernel's cases file."""
    path = os.environ.get(CASES_ENV)
    if not path:
        raise RuntimeError("this grading kernel was started without its cases (no $ACTSPACE_CASES)")
    entry = _cases_file(path).get(name)
    if entry is None:
        raise RuntimeError(f"no grading cases for {name!r} in this kernel (is it an exercise of this lesson?)")
    return tuple(entry["may_call"]), [decode_case(c) for c in entry["cases"]]


def emit(name, fn):
    """Run `fn` on the grading cases of exercise `name` and display the evidence."""
    from IPython.display import display

    may_call, cases = read_cases(name)
    run = run_cases(fn, cases, may_call=may_call)
    line = f"{name}: ran on {len(cases)} cases; the grader judges the results outside this notebook."
    display({evidence.MIMETYPE: evidence.encode(name, cases, run), "text/plain": line}, raw=True)
