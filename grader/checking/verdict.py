"""Judging a run against expected answers: the score, the named misconception and the learner's feedback.

The same code serves both sides. The instructor's judge
(``grader.reference.judge``) hands it the reference's answers and the
misconception bank's answers computed live; the learner's check
(``grader.checking.practice``) hands it the answers stored in a practice
key. Nothing here knows where the answers came from.

``spec`` is anything with ``name``, ``signature``, ``output`` (the kind of
answer), ``compare``, ``same`` and ``misconceptions`` (each with ``title``,
``explanation`` and ``hint``); ``wrong(m, i)`` is misconception ``m``'s
answer on case ``i`` (it may raise: then that misconception is not named).
``deviations`` (optional, one number per case) is how far the reference lands
on that case when its inputs carry float32 round-off; it sets the case's
tolerance (``grader.checking.tolerances``). Without it every answer is judged
with the fixed fallback pair.
"""
from dataclasses import dataclass, field

import numpy as np

from grader.checking import compare as cmp
from grader.checking import tolerances as tol
from grader.checking.runner import BadReturn, Run, quiet, Capped

KIND_WORDS = {"array": "an array", "int": "a whole number", "float": "a number",
              "pair": "a pair (basis, coeffs)", "list": "a list of arrays"}
HINT_TITLES = {1: "Hint 1 — a nudge", 2: "Hint 2 — the method", 3: "Hint 3 — a sketch"}


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
    misconceptions: list = field(default_factory=list)  # titles of the named misconceptions

    def __repr__(self):
        return f"Result({self.name!r}, score={self.score:.3f}, passed={self.passed}/{self.total})"


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
        raise BadReturn(f"one array of shape {value.shape}; expected {KIND_WORDS[kind]}")
    if kind == "pair" and len(value) != 2:
        raise BadReturn(f"{len(value)} items; expected {KIND_WORDS[kind]}")
    return [coerce(v, "array") for v in value]


def as_kind(value, kind):
    """A trusted answer (the reference's or a misconception's) as plain arrays of the exercise's kind."""
    if kind == "pair" or kind == "list":
        return [np.asarray(v) for v in value]
    return np.asarray(value)


def describe_args(spec, case):
    """`name(B: array (2, 2), x: array (2,))`: the call, with shapes instead of values."""
    def shape(a):
        if isinstance(a, np.ndarray):
            return f"array {a.shape}" if a.ndim else f"{a.item():g}"
        if isinstance(a, (list, tuple)):
            return "[" + ", ".join(shape(x) for x in a) + "]"
        return repr(a)

    params = [p.strip().split("=")[0] for p in spec.signature.split(",")]
    parts = [f"{p}: {shape(a)}" for p, a in zip(params, case.args)]
    parts += [f"{k}={v!r}" for k, v in case.kwargs.items()]
    return f"{spec.name}({', '.join(parts)})"


def show(value, indent="      ", precision=4):
    """An answer for the feedback: its shape, then its values."""
    if isinstance(value, list):
        return f"{len(value)} arrays:" + "".join(f"\n{indent}[{i}] " + show(v, indent + "    ", precision)
                                                 for i, v in enumerate(value))
    return f"shape {np.shape(value)}:\n{indent}" + cmp.fmt(value, precision=precision).replace("\n", "\n" + indent)


def _distinct_precision(expected, got):
    """The fewest digits (4 to 12) at which the printouts of `expected` and `got` differ, so they never look equal."""
    for precision in (4, 6, 8, 10, 12):
        if show(expected, precision=precision) != show(got, precision=precision):
            return precision
    return 4


def _agrees(spec, answer, wrong_answer, case):
    if spec.same is not None:
        return spec.same(answer, wrong_answer, case)
    return spec.compare(answer, wrong_answer, case) is None


def _slack(deviations, i):
    return tol.case_slack(None if deviations is None else deviations[i])


def _matches(spec, m, cases, answers, failed, wrong, expected, deviations=None):
    """Does misconception `m` explain the learner's results, case by case?

    Named only when its behaviour matches wherever the learner's function
    returned something: on every failed case the learner agrees with `m`, and
    on every passed case `m` is right too (a misconception that is wrong on a
    case the learner gets right is not the learner's mistake, e.g. one that
    also gets batches wrong when only single points fail).
    """
    if not failed:
        return False
    failed = set(failed)
    for i, answer in enumerate(answers):
        if answer is None:
            continue  # raised, timed out, not run: says nothing either way
        try:
            with quiet(Capped(0)), _slack(deviations, i):
                theirs = as_kind(wrong(m, i), spec.output)
                if i in failed:
                    if not _agrees(spec, answer, theirs, cases[i]):
                        return False
                elif spec.compare(coerce(theirs, spec.output), expected[i], cases[i]) is not None:
                    return False
        except Exception:
            return False
    return True


def verdict(spec, cases, run: Run, expected, wrong, deviations=None):
    """Score the outcomes of `run` against `expected` (one answer per case) and write the feedback."""
    total, name = len(cases), spec.name
    if run.called_reference:
        return Result(name, 0.0, f"{name}: score 0 - {run.called_reference}. "
                      "Graded answers must be your own code; write the function yourself.", 0, total,
                      [CaseResult(c.label, False, run.called_reference) for c in cases])
    results, answers, failed = [], [None] * total, []
    for i, (case, out) in enumerate(zip(cases, run.outcomes)):
        message = out.message
        if out.status == "ok":
            try:
                answers[i] = coerce(out.value, spec.output)
                with quiet(Capped(0)), _slack(deviations, i):
                    message = spec.compare(answers[i], expected[i], case)
            except BadReturn as e:
                message = f"your function returned {e}"
            except Exception as e:  # a comparator must never take the grading down
                message = f"your answer could not be compared ({type(e).__name__}: {e})"
            if message and answers[i] is not None:
                failed.append(i)
        results.append(CaseResult(case.label, not message, message or ""))
    passed = sum(r.passed for r in results)
    named = [m for k, m in enumerate(spec.misconceptions)
             if _matches(spec, k, cases, answers, failed, wrong, expected, deviations)]
    text = feedback(spec, cases, expected, answers, results, run, named)
    return Result(name, passed / total if total else 0.0, text, passed, total, results, [m.title for m in named])


def feedback(spec, cases, expected, answers, results, run, named):
    """The learner's text: the tally, the first failed check, the named misconceptions, notes."""
    name, total = spec.name, len(results)
    passed = sum(r.passed for r in results)
    if passed == total:
        lines = [f"{name}: all {total} checks passed."]
    else:
        lines = [f"{name}: {passed} of {total} checks passed (score {passed / total:.2f})."]
        i = next(k for k, r in enumerate(results) if not r.passed)
        lines.append(f"First failed check - {results[i].label}:")
        lines.append(f"  call:     {describe_args(spec, cases[i])}")
        lines.append(f"  problem:  {results[i].message}")
        if answers[i] is not None:
            precision = 4
            if cases[i].public:
                precision = _distinct_precision(expected[i], answers[i])
                lines.append(f"  expected: {show(expected[i], precision=precision)}")
            lines.append(f"  got:      {show(answers[i], precision=precision)}")
        for m in named:
            hint = HINT_TITLES.get(getattr(m, "hint", 0))
            lines.append(f"Likely misconception - {m.title}: {m.explanation}"
                         + (f" (See \"{hint}\" under the exercise.)" if hint else ""))
        others = sorted({r.label for r in results if not r.passed} - {results[i].label})
        if others:
            lines.append("Also failed: " + "; ".join(others[:6]) + (" ..." if len(others) > 6 else ""))
    for note in run.notes:
        lines.append(f"Note: {note}.")
    if run.printed.strip():
        lines.append("Your function printed:\n  " + run.printed.strip()[:500].replace("\n", "\n  "))
    return "\n".join(lines)
