"""The learner side of this project, copied file by file into a folder of its own for one sandbox.

A grading kernel imports only this tree (mounted read-only at ``plan.LIB``,
first on its ``PYTHONPATH``): ``actspace/``, ``grader/__init__.py`` and
``grader/checking/``. Never ``solutions``, ``grader/exercises``,
``grader/reference``, the lessons' sources, or anything else of the checkout.

The grading cases reach the kernel as inputs in a file the autograder
writes (``grader.checking.kernel``), so nothing of the registry is needed.

The figure code is not copied either. ``actspace/plotting/`` and
``actspace/training.py`` compute what the lessons' figures show, and some of
that is the very answer of an exercise (a participation ratio, an orthant
code, a residual block); a grading kernel never draws a figure, so it gets
inert stand-ins of the same names instead (every function returns None).
A graded function that calls a course helper then gets nothing back, and no
answer is reachable in the kernel whatever the function does to the
profile hook that notices such calls.
"""
import os
import shutil

from grader.checking.packages import package_dir

LEARNER = (("actspace", None), ("grader", "__init__.py"), ("grader", "checking"))
FIGURE_CODE = ("plotting", "training.py")  # inside actspace/: replaced by STAND_IN in a grading kernel
STAND_IN = '''"""A grading kernel draws no figures: this stand-in for {module} computes nothing (grader/sandbox/tree.py)."""


def _nothing(*args, **kwargs):
    return None


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _nothing
'''
KERNEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel.py")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "lessons")  # (the student lessons: not needed)


def _stand_ins(actspace):
    """Replace the figure code in a copy of `actspace` by modules of the same names that compute nothing."""
    for part in FIGURE_CODE:
        path = os.path.join(actspace, part)
        if os.path.isdir(path):
            modules = [n for n in os.listdir(path) if n.endswith(".py")]
            shutil.rmtree(path)
            os.makedirs(path)
            for name in modules:
                with open(os.path.join(path, name), "w") as f:
                    if name == "__init__.py":  # the package itself: its submodules are the stand-ins
                        f.write(f'"""Stand-ins of actspace.{part}\'s modules for a grading kernel (grader/sandbox/tree.py)."""\n')
                    else:
                        f.write(STAND_IN.format(module=f"actspace.{part}.{name[:-3]}"))
        elif os.path.isfile(path):
            with open(path, "w") as f:
                f.write(STAND_IN.format(module="actspace." + part[:-3]))


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
    _stand_ins(os.path.join(lib, "actspace"))
    shutil.copyfile(KERNEL, os.path.join(boot, "kernel.py"))
    open(os.path.join(folder, "empty"), "w").close()  # what covers an excluded file (plan.Plan.args)
    for top, dirs, files in os.walk(folder):
        os.chmod(top, 0o755)
        for name in files:
            os.chmod(os.path.join(top, name), 0o644)
    return folder
