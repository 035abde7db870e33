"""The practice keys: each exercise's practice cases with the reference's and the misconceptions' answers.

A key holds answers, never code: what ``solutions`` and each misconception
of the bank return on the practice cases (their *outputs*; some
misconceptions contain a right sub-step, so their code stays here), and the
names of the comparators that judge them. ``grader.checking.practice``
reads the keys in a learner's install. Built by ``actspace build`` into
``actspace/keys/<lesson>.json``; a test rebuilds them and fails on drift.
"""
import json
import pathlib

from grader import exercises
from grader.checking import compare as cmp
from grader.checking import evidence
from grader.checking.cases import encode_case
from grader.checking.runner import BadReturn, sanitize
from grader.checking.verdict import as_kind
from grader.reference.judge import expected_outputs, float32_deviations, misconception_output

VERSION = 1
KEYS = pathlib.Path(__file__).resolve().parent.parent.parent / "actspace" / "keys"


def _comparator(fn):
    name = getattr(fn, "__name__", "")
    if getattr(cmp, name, None) is not fn:
        raise ValueError(f"{fn!r} is not a comparator of grader.checking.compare: a practice key can only name those")
    return name


def _answer(value):
    """An answer as evidence data, or None when it is not one (then that misconception is never named there)."""
    try:
        return evidence.encode_value(sanitize(value))
    except (BadReturn, TypeError, ValueError):
        return None


def key_of(name):
    """The practice key of one exercise (JSON-able)."""
    ex = exercises.get(name)
    cases = exercises.practice_cases(name)
    expected = expected_outputs(ex, cases)
    deviations = float32_deviations(ex, cases, expected)
    wrong = []
    for m in range(len(ex.misconceptions)):
        answers = []
        for case in cases:
            try:
                answers.append(_answer(as_kind(misconception_output(ex, m, case), ex.output)))
            except Exception:  # a misconception that fails on a case is not named by it
                answers.append(None)
        wrong.append(answers)
    return {
        "lesson": ex.lesson, "signature": ex.signature, "output": ex.output,
        "compare": _comparator(ex.compare), "same": None if ex.same is None else _comparator(ex.same),
        "may_call": list(ex.may_call),
        "misconceptions": [{"title": m.title, "explanation": m.explanation, "hint": m.hint}
                           for m in ex.misconceptions],
        "cases": [dict(encode_case(c), expected=_answer(e), deviation=float(deviations[i]),
                       wrong=[w[i] for w in wrong]) for i, (c, e) in enumerate(zip(cases, expected))],
    }


def keys():
    """{lesson: key file content} for every lesson."""
    out = {}
    for name in exercises.NAMES:
        key = key_of(name)
        out.setdefault(key["lesson"], {"version": VERSION, "exercises": {}})["exercises"][name] = key
    return out


def build(dest=KEYS):
    """Write every lesson's practice key into `dest`; returns the paths written."""
    dest = pathlib.Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson, content in keys().items():
        path = dest / f"{lesson}.json"
        path.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written
