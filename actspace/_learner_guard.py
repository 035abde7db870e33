"""In a learner's install: `import solutions` fails with a sentence saying why (loaded by a .pth file).

The learner's wheel ships this file as a top-level module and a .pth that
imports it; a checkout (the instructor's install) never loads it.
"""
import importlib.abc
import importlib.machinery
import sys

WHY = ("the reference solutions are not part of a learner's install of actspace: a learner's install holds the "
       "lessons and the practice checks (grader.check), never the answers. Instructors use a checkout of the "
       "course: python -m pip install -e <checkout>")


class _NoReference(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: only asked for `solutions` when nothing else provides it."""

    def find_spec(self, name, path=None, target=None):
        if name == "solutions" or name.startswith("solutions."):
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r}: {WHY}", name=spec.name)

    def exec_module(self, module):  # never reached
        raise ModuleNotFoundError(WHY, name=module.__name__)


if not any(isinstance(f, _NoReference) for f in sys.meta_path):
    sys.meta_path.append(_NoReference())
