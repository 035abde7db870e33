"""Judge a run against the reference: answers from ``solutions``, misconceptions from the bank.

Runs on the instructor's side only (never in a kernel a learner's code can
reach). The scoring and the feedback are ``grader.checking.verdict``'s, the
same code a learner's practice check uses on its stored key.
"""
import importlib

import numpy as np

from grader import exercises
from grader.checking import tolerances as tol
from grader.checking.runner import Run, quiet, Capped, run_cases
from grader.checking.verdict import Result, as_kind, verdict  # noqa: F401  (Result: the judge's answer)
from grader.exercises.spec import Exercise


def reference(name):
    """The reference implementation of exercise `name`."""
    return getattr(importlib.import_module("solutions"), name)


def expected_outputs(exercise, cases):
    """The reference's answer on every case."""
    fn = reference(exercise.name)
    with quiet(Capped(0)):
        return [as_kind(fn(*c.args, **c.kwargs), exercise.output) for c in cases]


def float32_deviations(exercise, cases, expected):
    """Per case: how far the reference lands when the inputs carry float32 round-off (``tolerances.probe_inputs``)."""
    fn = reference(exercise.name)
    out = []
    with quiet(Capped(0)):
        for i, (case, answer) in enumerate(zip(cases, expected)):
            items = answer if isinstance(answer, list) else [answer]
            if not all(np.asarray(a).dtype.kind == "f" for a in items):
                out.append(0.0)  # whole numbers and booleans are compared exactly
                continue
            probes = []
            for args, kwargs in tol.probe_inputs(case, i):
                try:
                    probes.append(as_kind(fn(*args, **kwargs), exercise.output))
                except Exception:
                    pass
            out.append(tol.deviation(probes, answer))
    return out


def misconception_output(exercise, m, case):
    """Misconception `m`'s answer on `case` (it may raise)."""
    with quiet(Capped(0)):
        return exercise.misconceptions[m].fn(*case.args, **case.kwargs)


def judge(exercise: Exercise, cases, run: Run):
    """Score the outcomes of `run` against the reference and write the feedback."""
    if run.called_reference:
        expected, deviations = [], None
    else:
        expected = expected_outputs(exercise, cases)
        deviations = float32_deviations(exercise, cases, expected)
    return verdict(exercise, cases, run, expected, lambda m, i: misconception_output(exercise, m, cases[i]), deviations)


def grade(name, fn, secret=None, student=""):
    """Check `fn` against the reference on the grading cases of (course `secret`, `student`)."""
    ex = exercises.get(name)
    cases = exercises.grading_cases(name, exercises.DEFAULT_SECRET if secret is None else secret, student)
    return judge(ex, cases, run_cases(fn, cases, may_call=ex.may_call))
