"""A case (one call of a graded function) and its inputs as JSON: for practice keys and grading kernels.

Inputs travel as data, never as pickles: arrays as raw little-endian bytes
(the evidence format, ``grader.checking.evidence.encode_value``), lists and
tuples of them, and plain numbers, booleans and None.
"""
from dataclasses import dataclass, field

import numpy as np

from grader.checking import evidence


class UnknownExercise(ValueError):
    """No exercise of that name."""


@dataclass(frozen=True)
class Case:
    """One call of the graded function: a label a learner can read, and the arguments.

    Feedback shows the expected answer only for a ``public`` case (a small
    pen-and-paper case, as in the visible tests, or any case whose inputs are
    the same for every learner); for the others it describes what is wrong
    without giving the reference's values away.
    """

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    public: bool = False


def encode_input(value):
    """One argument as JSON-able data."""
    if value is None or type(value) in (bool, str):
        return {"plain": value}
    if type(value) is int:
        return {"int": value}
    if type(value) is float:
        return {"float": repr(value)}
    if isinstance(value, (list, tuple)):
        return {"list" if isinstance(value, list) else "tuple": [encode_input(v) for v in value]}
    if isinstance(value, (np.ndarray, np.generic)):
        return {"array": evidence.encode_value(np.asarray(value))}
    raise TypeError(f"a case argument of type {type(value).__name__} cannot be stored")


def decode_input(data):
    """The argument `encode_input` wrote (arrays come back writable, with their dtype and shape)."""
    (kind, value), = data.items()
    if kind == "plain":
        return value
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind in ("list", "tuple"):
        items = [decode_input(v) for v in value]
        return items if kind == "list" else tuple(items)
    if kind == "array":
        return np.array(evidence.decode_value(value, [evidence.MAX_BYTES]))
    raise ValueError(f"unknown kind of case argument {kind!r}")


def encode_case(case):
    return {"label": case.label, "public": case.public, "args": [encode_input(a) for a in case.args],
            "kwargs": {k: encode_input(v) for k, v in case.kwargs.items()}}


def decode_case(data):
    return Case(data["label"], tuple(decode_input(a) for a in data["args"]),
                {k: decode_input(v) for k, v in data["kwargs"].items()}, bool(data["public"]))
