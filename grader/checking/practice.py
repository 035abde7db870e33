"""`grader.check(name, fn)`: the learner's check, on practice cases, against a practice key.

It needs no reference: the key (``actspace/keys/<lesson>.json``, built from
``solutions`` when the course is built) holds the practice cases, the
reference's answers on them and every misconception's answers, so the
check names the learner's misconception exactly as the autograder would.
Grading cases are other cases, made from the course's secret when the work
is marked.
"""
import functools
import importlib.resources
import json
from dataclasses import dataclass

from grader.checking import compare as cmp
from grader.checking import evidence
from grader.checking.cases import UnknownExercise, decode_case
from grader.checking.runner import run_cases
from grader.checking.verdict import verdict


@dataclass(frozen=True)
class KeyedMisconception:
    title: str
    explanation: str
    hint: int = 2


@dataclass(frozen=True)
class KeyedExercise:
    """What a practice key says of an exercise: enough to judge a run, nothing to compute an answer."""

    name: str
    lesson: str
    signature: str
    output: str
    compare: object
    same: object
    may_call: tuple
    misconceptions: tuple


@dataclass
class CheckResult:
    """What `check` found: ``passed`` (every practice case right), ``score`` in [0, 1], ``feedback``."""

    name: str
    passed: bool
    score: float
    feedback: str
    misconceptions: list
    summary: str = ""  # one line: how many practice cases passed, and the likely misconception

    def __repr__(self):
        return f"CheckResult({self.name!r}, passed={self.passed}, score={self.score:.3f})"


@functools.lru_cache(maxsize=None)
def _keys():
    """{exercise name: its key}, from every lesson's key file in the installed actspace."""
    found = {}
    folder = importlib.resources.files("actspace") / "keys"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name) if folder.is_dir() else ():
        if entry.name.endswith(".json"):
            found.update(json.loads(entry.read_text())["exercises"])
    return found


def names():
    """Every exercise that has a practice key."""
    return tuple(_keys())


def _comparator(name):
    return None if name is None else getattr(cmp, name)


@functools.lru_cache(maxsize=None)
def load(name):
    """(exercise, cases, expected answers, wrong answers [misconception][case], float32 deviations) of `name`."""
    keys = _keys()
    if name not in keys:
        raise UnknownExercise(f"unknown exercise {name!r}; known exercises: {', '.join(keys) or '(no practice keys installed)'}")
    k = keys[name]
    spec = KeyedExercise(name, k["lesson"], k["signature"], k["output"], _comparator(k["compare"]),
                         _comparator(k["same"]), tuple(k["may_call"]),
                         tuple(KeyedMisconception(**m) for m in k["misconceptions"]))
    cases = [decode_case(c) for c in k["cases"]]
    expected = [_value(c["expected"]) for c in k["cases"]]
    wrong = [[_value(c["wrong"][m]) for c in k["cases"]] for m in range(len(spec.misconceptions))]
    deviations = [float(c["deviation"]) for c in k["cases"]]
    return spec, cases, expected, wrong, deviations


def _value(data):
    return None if data is None else evidence.decode_value(data, [evidence.MAX_BYTES])


def _wrong_answer(wrong):
    def answer(m, i):
        if wrong[m][i] is None:
            raise LookupError("this misconception has no answer on this case")
        return wrong[m][i]
    return answer


def check(name, fn, *, show=True):
    """Run `fn` on the practice cases of exercise `name`, print the report (unless `show` is False), return a CheckResult.

    Never raises because of what `fn` does; an unknown `name` raises UnknownExercise.
    """
    spec, cases, expected, wrong, deviations = load(name)
    run = run_cases(fn, cases, may_call=spec.may_call)
    result = verdict(spec, cases, run, expected, _wrong_answer(wrong), deviations)
    passed = result.passed == result.total and result.total > 0
    lines = [result.feedback.replace(" checks passed", " practice checks passed", 1)]
    if passed:
        lines.append(f"Well done: {name} is right on every practice case. "
                     "When your work is marked it is checked again, on other cases.")
    else:
        lines.append(f"Not yet: fix {name} and run this cell again"
                     + (" (the hints under the exercise can help)." if not result.misconceptions else "."))
    report = "\n".join(lines)
    if show:
        print(report)
    summary = f"{name}: {result.passed} of {result.total} practice checks passed"
    if result.misconceptions:
        summary += "; likely misconception: " + "; ".join(result.misconceptions)
    return CheckResult(name, passed, result.score, report, result.misconceptions,
                       summary + ("" if passed else " (the report above says more)"))
