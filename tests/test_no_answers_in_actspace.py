"""No function a learner installs answers an exercise: called on the practice cases, none passes the check.

A backstop for docs/authoring.md's rule (helpers compute no exercise's
answer): every function defined in `actspace` (public or private) whose
signature takes an exercise's arguments is run on that exercise's practice
cases and judged as a learner's answer would be. One that gets every case
right is an answer shipped to learners.
"""
import importlib
import inspect
import pkgutil

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import actspace  # noqa: E402
from grader.checking import practice  # noqa: E402
from grader.checking.runner import run_cases  # noqa: E402
from grader.checking.verdict import verdict  # noqa: E402

SKIP = {"actspace._learner_guard"}  # the import guard: runs at start-up, computes nothing


def draws(fn):
    """Does `fn` draw a figure (it takes an `ax` or `axes` and returns it, so it returns no answer)?"""
    return bool({"ax", "axes"} & set(inspect.signature(fn).parameters))


def learner_functions():
    """[(module name, function)] of every function defined in a module of the installed actspace, but those that draw."""
    found = []
    for info in pkgutil.walk_packages(actspace.__path__, "actspace."):
        if info.name in SKIP:
            continue
        module = importlib.import_module(info.name)
        for _, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == info.name and not draws(fn):
                found.append((info.name, fn))
    return found


def takes(fn, case):
    """Could `fn` be called with this case's arguments?"""
    try:
        inspect.signature(fn).bind(*case.args, **case.kwargs)
    except (TypeError, ValueError):
        return False
    return True


def answers(name, module, fn):
    """Does `fn` get every practice case of exercise `name` right?"""
    spec, cases, expected, wrong, deviations = practice.load(name)
    if not all(takes(fn, c) for c in cases):
        return False
    for some in (slice(0, 1), slice(None)):  # the first case, then (if it is right) all of them
        try:
            run = run_cases(fn, cases[some], may_call=(*spec.may_call, module))  # the helper itself may run
        finally:
            plt.close("all")
        result = verdict(spec, cases[some], run, expected[some], practice._wrong_answer([w[some] for w in wrong]),
                         deviations[some])
        if not (result.total > 0 and result.passed == result.total):
            return False
    return True


def test_the_search_finds_an_answer_where_there_is_one():
    """The search itself: a function that is the answer is found (so an empty result means something)."""
    def relu(X):
        import numpy as np
        return np.maximum(X, 0.0)
    relu.__module__ = "actspace.fake"
    assert answers("relu", "actspace.fake", relu)


@pytest.mark.parametrize("name", practice.names())
def test_no_learner_function_answers(name):
    found = [f"{module}.{fn.__name__}" for module, fn in learner_functions() if answers(name, module, fn)]
    assert not found, f"{name} is answered by what learners install: {', '.join(found)}"
