"""`grader.check`: the learner's check on practice cases, judged against the practice key, with no reference.

For every exercise: the reference passes; every misconception of the bank
fails and is named; and the key is no answer key: a function that returns
the key's answers wherever the inputs match earns no more, when graded,
than the share of public cases (the ones every learner has anyway).
"""
import io
import contextlib
import time

import numpy as np
import pytest

import grader
from grader import exercises
from grader.checking import practice
from grader.checking.cases import encode_case
from grader.reference import judge

NAMES = exercises.NAMES


def test_every_exercise_has_a_practice_key():
    assert sorted(practice.names()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_passes_its_check_and_prints_the_success_line(name, reference_copy, capsys):
    start = time.perf_counter()
    result = grader.check(name, getattr(reference_copy, name))
    assert time.perf_counter() - start < 1.0
    assert result.passed and result.score == 1.0, result.feedback
    assert f"Well done: {name} is right on every practice case" in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_every_misconception_fails_the_check_and_is_named(name):
    for m in exercises.get(name).misconceptions:
        result = grader.check(name, m.fn, show=False)
        assert not result.passed, m.title
        assert m.title in result.misconceptions, (m.title, result.feedback)
        assert f"Likely misconception - {m.title}" in result.feedback
        assert "Hint" in result.feedback  # it points to the hint tier that addresses it


def test_check_never_raises_because_of_the_function():
    def boom(*a, **k):
        raise ZeroDivisionError("no")

    for fn in (boom, None, 42, lambda *a: object()):
        with contextlib.redirect_stdout(io.StringIO()):
            result = grader.check("to_basis", fn)
        assert not result.passed and result.score == 0.0


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(grader.UnknownExercise, match="to_basis"):
        grader.check("to_basiss", np.abs)


def _lookup_table(name):
    """A 'solution' that only looks its answers up in the practice key, by hashing its inputs."""
    spec, cases, expected, _, _ = practice.load(name)
    table = {repr(encode_case(type(c)("", c.args, c.kwargs))["args"]) + repr(sorted(encode_case(c)["kwargs"].items())):
             e for c, e in zip(cases, expected)}

    def fn(*args, **kwargs):
        probe = type(cases[0])("", args, kwargs)
        return table[repr(encode_case(probe)["args"]) + repr(sorted(encode_case(probe)["kwargs"].items()))]
    return fn


@pytest.mark.parametrize("name", NAMES)
def test_a_lookup_table_of_the_practice_key_earns_only_the_public_share(name):
    fn = _lookup_table(name)
    for student in ("ada", "ben"):
        cases = exercises.grading_cases(name, "a course secret", student)
        public = sum(c.public for c in cases) / len(cases)
        result = judge.grade(name, fn, secret="a course secret", student=student)
        assert result.score <= public + 1e-9, (student, result.score, public)


@pytest.mark.parametrize("name", NAMES)
def test_grading_cases_differ_by_student_and_from_practice(name):
    practice_cases = [encode_case(c) for c in exercises.practice_cases(name)]
    ada = [encode_case(c) for c in exercises.grading_cases(name, "s", "ada")]
    ben = [encode_case(c) for c in exercises.grading_cases(name, "s", "ben")]
    other_course = [encode_case(c) for c in exercises.grading_cases(name, "t", "ada")]
    for family in (ada, ben, other_course):
        shared = [c for c in family if c in practice_cases]
        assert all(c["public"] for c in shared), [c["label"] for c in shared if not c["public"]]
    if not all(c["public"] for c in ada):  # (center_projector's cases are all fixed: d = 1, 2, ...)
        assert any(a != b for a, b in zip(ada, ben)) and any(a != b for a, b in zip(ada, other_course))
