"""The learner side of this project, copied file by file into a folder of its own for one sandbox.

A grading kernel imports only this tree (mounted read-only at ``plan.LIB``,
first on its ``PYTHONPATH``): ``actspace/``, ``grader/__init__.py`` and
``grader/checking/``. Never ``solutions``, ``grader/exercises``,
``grader/reference``, the lessons' sources, or anything else of the checkout.

The grading cases reach the kernel as inputs in a file the autograder
writes (``grader.checking.kernel``), so nothing of the registry is needed.
"""
import os
import shutil

from grader.checking.packages import package_dir

LEARNER = (("actspace", None), ("grader", "__init__.py"), ("grader", "checking"))
KERNEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel.py")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


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
    shutil.copyfile(KERNEL, os.path.join(boot, "kernel.py"))
    open(os.path.join(folder, "empty"), "w").close()  # what covers an excluded file (plan.Plan.args)
    for top, dirs, files in os.walk(folder):
        os.chmod(top, 0o755)
        for name in files:
            os.chmod(os.path.join(top, name), 0o644)
    return folder
