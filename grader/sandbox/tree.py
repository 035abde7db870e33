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
import ast
import os
import shutil

from grader.checking.packages import package_dir

LEARNER = (("actspace", None), ("grader", "__init__.py"), ("grader", "checking"))
FIGURE_CODE = ("plotting", "training.py")  # inside actspace/: replaced by STAND_IN in a grading kernel
STAND_IN = '''"""A grading kernel draws no figures: this stand-in for {module} computes nothing (grader/sandbox/tree.py)."""
'''
FUNCTION = '''

def {name}(*args, **kwargs):  # a stand-in of the same name: the helper watch names it in feedback
    return None
'''
KERNEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel.py")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "lessons")  # (the student lessons: not needed)


def _stand_ins(actspace):
    """Replace the figure code in a copy of `actspace` by modules of the same names that compute nothing."""
    for part in FIGURE_CODE:
        path = os.path.join(actspace, part)
        if os.path.isdir(path):
            sources = {}
            for n in os.listdir(path):
                if n.endswith(".py"):
                    with open(os.path.join(path, n)) as f:
                        sources[n] = f.read()
            shutil.rmtree(path)
            os.makedirs(path)
            for name, source in sorted(sources.items()):
                with open(os.path.join(path, name), "w") as f:
                    if name == "__init__.py":  # the package itself: its submodules are the stand-ins
                        f.write(f'"""Stand-ins of actspace.{part}\'s modules for a grading kernel (grader/sandbox/tree.py)."""\n')
                    else:
                        f.write(_stand_in(f"actspace.{part}.{name[:-3]}", source))
        elif os.path.isfile(path):
            with open(path) as f:
                source = f.read()
            with open(path, "w") as f:
                f.write(_stand_in("actspace." + part[:-3], source))


def _stand_in(module, source):
    """The stand-in of a module whose code is `source`: its functions and classes return None, its other names are None."""
    functions, names = [], []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            functions.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    constants = "".join(f"{n} = None\n" for n in dict.fromkeys(names) if n not in functions)
    return STAND_IN.format(module=module) + constants + "".join(FUNCTION.format(name=n) for n in functions)


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
