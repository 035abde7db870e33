"""The learner side of this project, copied file by file into a folder of its own for one sandbox.

A grading kernel imports only this tree (mounted read-only at ``plan.LIB``,
first on its ``PYTHONPATH``): ``actspace/``, ``grader/__init__.py`` and
``grader/checking/``. Never ``solutions``, ``grader/exercises``,
``grader/reference``, the lessons' sources, or anything else of the checkout.

Until grading cases come from a file the autograder writes (the lead's
change), ``grader/__init__.py`` still imports the exercise registry; the tree
then holds a stand-in ``grader/exercises`` made here: for each exercise its
name, lesson, the course helpers it may call and its case *inputs* (as data,
``grader.checking.cases``), never the case makers, misconceptions or
comparators.
"""
import functools
import json
import os
import shutil

from grader.checking.packages import package_dir

LEARNER = (("actspace", None), ("grader", "__init__.py"), ("grader", "checking"))
KERNEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel.py")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")

_REGISTRY = '''"""Stand-in for the exercise registry inside a grading kernel: case inputs only (made by grader/sandbox/tree.py)."""
import functools
import json
import os
from dataclasses import dataclass

from grader.checking.cases import Case, decode_case  # noqa: F401


@dataclass(frozen=True)
class Exercise:
    name: str
    lesson: str
    may_call: tuple
    _cases: tuple

    def make_cases(self, rng=None):
        return [decode_case(c) for c in self._cases]

    misconceptions = ()


with open(os.path.join(os.path.dirname(__file__), "cases.json")) as _f:
    REGISTRY = {e["name"]: Exercise(e["name"], e["lesson"], tuple(e["may_call"]), tuple(e["cases"]))
                for e in json.load(_f)}
'''


@functools.lru_cache(maxsize=1)
def _cases():
    """[{name, lesson, may_call, cases}] of every registered exercise: what a grading kernel needs of it."""
    import grader
    from grader.checking.cases import encode_case

    return json.dumps([{"name": name, "lesson": grader.exercise(name).lesson, "may_call": list(grader.exercise(name).may_call),
             "cases": [encode_case(c) for c in grader.cases(name)]} for name in grader.NAMES])


def needs_registry(init_file):
    """Does this `grader/__init__.py` import the exercise registry?"""
    with open(init_file) as f:
        text = f.read()
    return "grader.exercises" in text or "from grader import exercises" in text


def build(folder):
    """Write the kernel's packages into `folder/lib` and kernel.py into `folder/boot`; returns `folder`."""
    lib, boot = os.path.join(folder, "lib"), os.path.join(folder, "boot")
    os.makedirs(lib)
    os.makedirs(boot)
    for package, part in LEARNER:
        source = package_dir(package)
        if source is None:
            raise FileNotFoundError(f"the package {package} is not importable here")
        src = os.path.join(source, part) if part else source
        dst = os.path.join(lib, package, part) if part else os.path.join(lib, package)
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=_SKIP, symlinks=False)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
    if needs_registry(os.path.join(lib, "grader", "__init__.py")):
        stand_in = os.path.join(lib, "grader", "exercises")
        os.makedirs(stand_in)
        open(os.path.join(stand_in, "__init__.py"), "w").close()
        with open(os.path.join(stand_in, "spec.py"), "w") as f:
            f.write(_REGISTRY)
        with open(os.path.join(stand_in, "cases.json"), "w") as f:
            f.write(_cases())
    shutil.copyfile(KERNEL, os.path.join(boot, "kernel.py"))
    open(os.path.join(folder, "empty"), "w").close()  # what covers an excluded file (plan.Plan.args)
    for top, dirs, files in os.walk(folder):
        os.chmod(top, 0o755)
        for name in files:
            os.chmod(os.path.join(top, name), 0o644)
    return folder
