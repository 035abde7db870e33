"""Evidence: what a grading kernel hands back about one exercise, and the strict check of it.

Inside a kernel started by the autograder (``ENV`` set), ``grader.points``
does not judge: it runs the student's function on the exercise's grading
cases (``grader.checking.kernel.emit``) and displays the sanitized outcomes
as one output of type ``MIMETYPE``. The grading process reads that output back with
``decode``, which accepts exactly the shape ``encode`` writes (exact keys,
types, dtypes and shapes; arrays as raw little-endian bytes, never pickles)
and turns it into a ``runner.Run`` for ``judge.judge``. Anything else is
``BadEvidence`` with a sentence saying what was wrong.
"""
import base64
import binascii
import math
import os

import numpy as np

from grader.checking.runner import Outcome, Run

MIMETYPE = "application/vnd.actspace.evidence+json"
ENV = "ACTSPACE_AUTOGRADE"  # the autograder's kernels run with ENV=EVIDENCE
EVIDENCE = "evidence"
VERSION = 1

STATUSES = ("ok", "error", "timeout", "bad_return", "not_run")
DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64")
MAX_TEXT = 2000  # characters of one message
MAX_PRINTED = 4000  # characters of what the function printed
MAX_NOTES = 10
MAX_DEPTH = 4
MAX_NDIM = 8
MAX_ITEMS = 1000  # items in one returned list
MAX_BYTES = 32 * 2 ** 20  # array bytes in one piece of evidence

_TOP_KEYS = {"version", "exercise", "cases", "outcomes", "called_reference", "printed", "notes"}
_OUTCOME_KEYS = {"status", "value", "message"}
_ARRAY_KEYS = {"dtype", "shape", "data"}


class BadEvidence(ValueError):
    """Evidence that is not exactly what `encode` writes, or not for the cases expected."""


def grading():
    """Is this process a kernel started by the autograder (which judges outside it)?"""
    return os.environ.get(ENV) == EVIDENCE


# ---------------------------------------------------------------- kernel side


def _text(s, limit):
    s = str(s)
    return s if len(s) <= limit else s[: limit - 20] + " ... (cut)"


def encode_value(value):
    """A sanitized return value (ndarray of numbers, or list of them) as JSON-able data."""
    if isinstance(value, list):
        return {"items": [encode_value(v) for v in value]}
    array = np.asarray(value)
    if array.dtype.name not in DTYPES:  # e.g. float128: kept as the nearest kind the judge reads
        array = array.astype(np.float64 if array.dtype.kind == "f" else np.int64)
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    data = np.ascontiguousarray(array, dtype=dtype).tobytes()
    return {"dtype": array.dtype.name, "shape": list(array.shape), "data": base64.b64encode(data).decode("ascii")}


def encode(name, cases, run):
    """The evidence of one exercise: case labels, each outcome, and what was noticed."""
    outcomes = []
    for out in run.outcomes:
        value = encode_value(out.value) if out.status == "ok" else None
        outcomes.append({"status": out.status, "value": value, "message": _text(out.message or "", MAX_TEXT)})
    return {
        "version": VERSION,
        "exercise": name,
        "cases": [c.label for c in cases],
        "outcomes": outcomes,
        "called_reference": None if run.called_reference is None else _text(run.called_reference, MAX_TEXT),
        "printed": _text(run.printed or "", MAX_PRINTED),
        "notes": [_text(n, MAX_TEXT) for n in run.notes[:MAX_NOTES]],
    }


# ---------------------------------------------------------------- trusted side


def _need(condition, reason):
    if not condition:
        raise BadEvidence(reason)


def _string(value, what, limit):
    _need(type(value) is str, f"{what} is not a string")
    _need(len(value) <= limit, f"{what} is longer than {limit} characters")
    return value


def _count(value, what):
    _need(type(value) is int and value >= 0, f"{what} is not a whole number")
    return value


def decode_value(data, budget, depth=0):
    """An exact ndarray (or list of them) from `encode_value`'s data; `budget` is a one-item list of bytes left."""
    _need(isinstance(data, dict), "a value is not an object")
    if set(data) == {"items"}:
        items = data["items"]
        _need(type(items) is list, "a list value has no list of items")
        _need(depth < MAX_DEPTH, "a value is nested too deeply")
        _need(len(items) <= MAX_ITEMS, "a list value is too long")
        return [decode_value(v, budget, depth + 1) for v in items]
    _need(set(data) == _ARRAY_KEYS, f"a value has the keys {sorted(data)}")
    dtype, shape, text = data["dtype"], data["shape"], data["data"]
    _need(type(dtype) is str and dtype in DTYPES, f"a value has the dtype {str(dtype)[:40]!r}")
    _need(type(shape) is list and len(shape) <= MAX_NDIM, "a value has a bad shape")
    shape = tuple(_count(n, "a dimension") for n in shape)
    _need(type(text) is str, "a value's data is not a string")
    kind = np.dtype(dtype)
    size = math.prod(shape) * kind.itemsize
    _need(size <= budget[0] and len(text) <= 4 * (budget[0] // 3 + 1), "the values are too large")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise BadEvidence("a value's data is not base64") from None
    _need(len(raw) == size, f"a value's data does not fill the shape {shape} of {dtype}")
    budget[0] -= size
    if dtype == "bool":
        codes = np.frombuffer(raw, dtype=np.uint8)
        _need(bool(np.all(codes <= 1)), "a boolean value holds bytes other than 0 and 1")
        return codes.astype(bool).reshape(shape)
    return np.frombuffer(raw, dtype=kind.newbyteorder("<")).astype(kind).reshape(shape)


def decode(payload, name, cases):
    """The `runner.Run` the evidence describes, for exercise `name` on `cases`; else BadEvidence."""
    _need(isinstance(payload, dict), "the evidence is not an object")
    _need(set(payload) == _TOP_KEYS, f"the evidence has the keys {sorted(payload)[:12]}")
    _need(payload["version"] == VERSION and type(payload["version"]) is int, "the evidence has another version")
    exercise = payload["exercise"]
    _need(exercise == name, f"the evidence is for {str(exercise)[:60]!r}, not for {name!r}")
    labels = payload["cases"]
    _need(type(labels) is list and labels == [c.label for c in cases],
          "the evidence is for other cases than this exercise's")
    outcomes = payload["outcomes"]
    _need(type(outcomes) is list and len(outcomes) == len(cases), "the evidence has the wrong number of outcomes")
    budget = [MAX_BYTES]
    run = Run(outcomes=[])
    for item in outcomes:
        _need(isinstance(item, dict) and set(item) == _OUTCOME_KEYS, "an outcome does not have exactly its keys")
        status = item["status"]
        _need(type(status) is str and status in STATUSES, f"an outcome has the status {str(status)[:40]!r}")
        message = _string(item["message"], "a message", MAX_TEXT)
        if status == "ok":
            value = decode_value(item["value"], budget)
        else:
            _need(item["value"] is None, f"an outcome with status {status!r} carries a value")
            value = None
        run.outcomes.append(Outcome(status, value=value, message=message))
    called = payload["called_reference"]
    run.called_reference = None if called is None else _string(called, "called_reference", MAX_TEXT)
    run.printed = _string(payload["printed"], "printed", MAX_PRINTED)
    notes = payload["notes"]
    _need(type(notes) is list and len(notes) <= MAX_NOTES, "notes is not a short list")
    run.notes = [_string(n, "a note", MAX_TEXT) for n in notes]
    return run
