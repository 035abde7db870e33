"""Shared fixtures: a copy of the reference that is not the `solutions` package itself."""
import importlib
import inspect
import types

import pytest

import solutions


def _reference_copy():
    """Every reference function re-created from its source, as a notebook's solution cells would be.

    The grader scores the reference module's own functions 0 (handing in
    `solutions.x` is cheating), so tests of "the right answer scores 1" grade
    this copy instead. Modules run in lesson order in one namespace, the way
    earlier cells of a notebook define names for later ones.
    """
    ns = {"__name__": "reference_copy"}
    for module in solutions.LESSON_MODULES.values():
        source = inspect.getsource(importlib.import_module(module))
        lines = [l for l in source.splitlines() if not l.startswith("from solutions")]
        exec(compile("\n".join(lines), "<reference copy>", "exec"), ns)
    return types.SimpleNamespace(**ns)


@pytest.fixture(scope="session")
def reference_copy():
    return _reference_copy()
