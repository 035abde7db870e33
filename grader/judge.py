"""Step 3 of grading: judge what the student's function returned against the reference.

Runs on the trusted side. The reference is looked up in ``solutions`` by the
exercise's name; each wrong answer is compared with the misconception bank to
name the likely mistake.
"""
import importlib
from dataclasses import dataclass, field

import numpy as np

from grader import compare as cmp
from grader.runner import BadReturn, Run, _quiet, _Capped
from grader.spec import Exercise

_KIND_WORDS = {"array": "an array", "int": "a whole number", "float": "a number",
               "pair": "a pair (basis, coeffs)", "list": "a list of arrays"}


@dataclass
class CaseResult:
    label: str
    passed: bool
    message: str = ""


@dataclass
class Result:
    """The grade: ``score`` in [0, 1] is the share of cases passed; ``feedback`` is for the learner."""

    name: str
    score: float
    feedback: str
    passed: int = 0
    total: int = 0
    cases: list = field(default_factory=list)
    misconceptions: list = field(default_factory=list)

    def __repr__(self):
        return f"Result({self.name!r}, score={self.score:.3f}, passed={self.passed}/{self.total})"


def reference(name):
    """The reference implementation of exercise `name`."""
    return getattr(importlib.import_module("solutions"), name)


def coerce(value, kind):
    """Turn a sanitized return value into the exercise's kind of output, or raise BadReturn."""
    if kind in ("array", "int", "float"):
        if isinstance(value, list):
            try:
                value = np.array(value)
            except ValueError:
                raise BadReturn("a ragged list (rows of different lengths)") from None
            if value.dtype.kind not in "biuf":
                raise BadReturn("a list that is not a rectangular array of numbers")
        if kind != "array" and value.size == 1:
            value = value.reshape(())
        return value
    if not isinstance(value, list):
        raise BadReturn(f"one array of shape {value.shape}; expected {_KIND_WORDS[kind]}")
    if kind == "pair" and len(value) != 2:
        raise BadReturn(f"{len(value)} items; expected {_KIND_WORDS[kind]}")
    return [coerce(v, "array") for v in value]


def expected_outputs(exercise, cases):
    """The reference's answer on every case."""
    fn = reference(exercise.name)
    with _quiet(_Capped(0)):
        return [_as_kind(fn(*c.args, **c.kwargs), exercise.output) for c in cases]


def _as_kind(value, kind):
    if kind == "pair" or kind == "list":
        return [np.asarray(v) for v in value]
    return np.asarray(value)


def _describe_args(exercise, case):
    def shape(a):
        if isinstance(a, np.ndarray):
            return f"array {a.shape}" if a.ndim else f"{a.item():g}"
        if isinstance(a, (list, tuple)):
            return "[" + ", ".join(shape(x) for x in a) + "]"
        return repr(a)

    params = [p.strip().split("=")[0] for p in exercise.signature.split(",")]
    parts = [f"{p}: {shape(a)}" for p, a in zip(params, case.args)]
    parts += [f"{k}={v!r}" for k, v in case.kwargs.items()]
    return f"{exercise.name}({', '.join(parts)})"


def _show(value, indent="      "):
    if isinstance(value, list):
        return f"{len(value)} arrays:" + "".join(f"\n{indent}[{i}] " + _show(v, indent + "    ") for i, v in enumerate(value))
    return f"shape {np.shape(value)}:\n{indent}" + cmp.fmt(value).replace("\n", "\n" + indent)


def _matches(exercise, misconception, cases, answers, failed):
    """Does the student agree with this misconception on every failed case?"""
    for i in failed:
        try:
            with _quiet(_Capped(0)):
                wrong = _as_kind(misconception.fn(*cases[i].args, **cases[i].kwargs), exercise.output)
            with _quiet(_Capped(0)):
                if exercise.same is not None:
                    if not exercise.same(answers[i], wrong, cases[i]):
                        return False
                elif exercise.compare(answers[i], wrong, cases[i]) is not None:
                    return False
        except Exception:
            return False
    return bool(failed)


def judge(exercise: Exercise, cases, run: Run):
    """Score the outcomes of `run` against the reference and write the feedback."""
    total = len(cases)
    name = exercise.name
    if run.called_reference:
        return Result(name, 0.0, f"{name}: score 0 - {run.called_reference}. "
                      "Graded answers must be your own code; write the function yourself.", 0, total,
                      [CaseResult(c.label, False, run.called_reference) for c in cases])
    expected = expected_outputs(exercise, cases)
    results, answers, failed = [], [None] * total, []
    for i, (case, out) in enumerate(zip(cases, run.outcomes)):
        message = out.message
        if out.status == "ok":
            try:
                answers[i] = coerce(out.value, exercise.output)
                with _quiet(_Capped(0)):
                    message = exercise.compare(answers[i], expected[i], case)
            except BadReturn as e:
                message = f"your function returned {e}"
            except Exception as e:  # a comparator must never take the grading down
                message = f"your answer could not be compared ({type(e).__name__}: {e})"
            if message and answers[i] is not None:
                failed.append(i)
        results.append(CaseResult(case.label, not message, message or ""))
    passed = sum(r.passed for r in results)
    named = [m for m in exercise.misconceptions if _matches(exercise, m, cases, answers, failed)]
    feedback = _feedback(exercise, cases, expected, answers, results, run, named)
    return Result(name, passed / total if total else 0.0, feedback, passed, total, results, [m.title for m in named])


def _feedback(exercise, cases, expected, answers, results, run, named):
    name, total = exercise.name, len(results)
    passed = sum(r.passed for r in results)
    if passed == total:
        lines = [f"{name}: all {total} checks passed."]
    else:
        lines = [f"{name}: {passed} of {total} checks passed (score {passed / total:.2f})."]
        i = next(k for k, r in enumerate(results) if not r.passed)
        lines.append(f"First failed check - {results[i].label}:")
        lines.append(f"  call:     {_describe_args(exercise, cases[i])}")
        lines.append(f"  problem:  {results[i].message}")
        if answers[i] is not None:
            if cases[i].public:
                lines.append(f"  expected: {_show(expected[i])}")
            lines.append(f"  got:      {_show(answers[i])}")
        for m in named:
            lines.append(f"Likely misconception - {m.title}: {m.explanation}")
        others = sorted({r.label for r in results if not r.passed} - {results[i].label})
        if others:
            lines.append("Also failed: " + "; ".join(others[:6]) + (" ..." if len(others) > 6 else ""))
    for note in run.notes:
        lines.append(f"Note: {note}.")
    if run.printed.strip():
        lines.append("Your function printed:\n  " + run.printed.strip()[:500].replace("\n", "\n  "))
    return "\n".join(lines)
