"""What an exercise is: its cases, how to compare answers, and its misconceptions.

Nothing here imports ``solutions``: the cases are inputs only, so they can be
made anywhere; the reference is looked up by name when answers are judged.
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from grader.checking.cases import Case  # noqa: F401  (the exercise modules make Cases)


@dataclass(frozen=True)
class Misconception:
    """A plausible wrong implementation, recognised by behaviour."""

    title: str  # short, named in the feedback
    explanation: str  # one or two sentences saying what to fix
    fn: Callable[..., Any]
    hint: int = 2  # the tier of the exercise's hints that addresses it (1 a nudge, 2 the method, 3 a sketch)


@dataclass(frozen=True)
class Exercise:
    """A graded function of the curriculum.

    ``make_cases(rng)`` returns the cases; ``compare(got, expected, case)``
    returns None when ``got`` is right and otherwise a sentence saying what is
    wrong (``got`` is the student's answer, already of the right kind).
    ``output`` is one of "array", "int", "float", "pair", "list".
    """

    name: str
    lesson: str
    signature: str
    make_cases: Callable[[np.random.Generator], list]
    compare: Callable[[Any, Any, Case], Optional[str]]
    output: str = "array"
    misconceptions: tuple = ()
    # does the student's answer equal a misconception's answer? (default: ``compare`` finds no fault)
    same: Optional[Callable[[Any, Any, Case], bool]] = None
    # course helper modules the student's function may call (building blocks of earlier lessons)
    may_call: tuple = ()


REGISTRY: dict = {}


def exercise(name, lesson, signature, output="array", compare=None, misconceptions=(), same=None, may_call=()):
    """Decorator for a case maker: registers the exercise under ``name``."""
    from grader.checking import compare as cmp

    def register(make_cases):
        REGISTRY[name] = Exercise(
            name=name, lesson=lesson, signature=signature, make_cases=make_cases,
            compare=compare or cmp.arrays_close, output=output,
            misconceptions=tuple(misconceptions), same=same, may_call=tuple(may_call),
        )
        return make_cases

    return register
