"""The exercises of every lesson, in curriculum order, and the seeded families of their cases.

Importing this package fills ``grader.exercises.spec.REGISTRY``. Every
exercise has two families of cases made by the same case maker:

- *practice* cases, from a fixed public seed: a learner's ``grader.check``
  runs them, and their answers ship in the practice keys (``actspace/keys``);
- *grading* cases, seeded from a course's secret and a student's id: no
  learner's install holds their answers, and two students' cases differ.

A case whose inputs do not depend on the seed (a pen-and-paper case, a
fixed edge case) is the same in both families, so it is marked public:
its answer is in the practice key anyway.
"""
import hashlib

import numpy as np

from grader.checking.cases import UnknownExercise, encode_case
from grader.exercises import (  # noqa: F401  (each module registers its exercises)
    l01_change_of_basis, l02_relu_orthants, l03_skip_connections,
    l04_attention_rebasing, l05_transformer_layer, l06_untangling,
    l07_trained_transformer,
)
from grader.exercises.spec import REGISTRY

NAMES = tuple(REGISTRY)
PRACTICE = ("practice",)
DEFAULT_SECRET = "no course"  # `grader.grade` outside a course: grading cases all the same, still not practice ones
_PROBE = ("probe",)  # a third family, only to tell fixed cases from random ones


def get(name):
    """The registered exercise called `name`, or UnknownExercise listing the known names."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownExercise(f"unknown exercise {name!r}; known exercises: {', '.join(NAMES)}") from None


def seed(name, family):
    """The seed of one family of an exercise's cases (64 bits of a hash of the name and the family)."""
    text = "\x00".join((name, *family)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def _make(name, family):
    return get(name).make_cases(np.random.default_rng(seed(name, family)))


def _mark_fixed(name, cases):
    """The cases, with every case whose inputs are the same in another family marked public."""
    probe = _make(name, _PROBE)
    if len(probe) != len(cases):
        return cases
    return [c if c.public or encode_case(c) != encode_case(p) else type(c)(c.label, c.args, c.kwargs, True)
            for c, p in zip(cases, probe)]


def practice_cases(name):
    """The practice cases of exercise `name` (inputs only): what a learner's check runs."""
    return _mark_fixed(name, _make(name, PRACTICE))


def grading_family(secret=DEFAULT_SECRET, student=""):
    return ("grade", str(secret), str(student))


def grading_cases(name, secret=DEFAULT_SECRET, student=""):
    """The grading cases of exercise `name` for one student of the course with `secret`."""
    return _mark_fixed(name, _make(name, grading_family(secret, student)))


def of_lesson(lesson):
    """Names of the exercises of `lesson`, in curriculum order."""
    return [n for n, e in REGISTRY.items() if e.lesson == lesson]
