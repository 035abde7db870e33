"""Two installs from one checkout: the learner's wheel, and the instructor's editable install.

- ``pip install .``, a wheel, ``pip install git+<repository>``: **the learner's
  install**. It holds ``actspace`` (plots, sliders, the student lessons and
  the practice keys as package data) and the learner's side of ``grader``
  (``grader.check``, the runner and comparators, ``actspace lab``), and no
  answers: no ``solutions``, no source notebooks, no misconception banks, no
  grading pipeline. ``import solutions`` there fails with a sentence saying why.
- ``pip install -e .`` in a checkout: **the instructor's and course author's
  install**: everything, read from the checkout (release, autograde, demo, tests).

Everything else about the project is in pyproject.toml.
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

LEARNER_PACKAGES = ("actspace", "actspace.plotting", "grader", "grader.checking", "grader.cli")
LEARNER_CLI = ("__init__", "__main__", "environment", "lab")  # grader.cli: the `actspace` command, `lab` included
GUARD = "_actspace_learner"  # a module and a .pth that make `import solutions` say why it fails


class LearnerBuildPy(build_py):
    """build_py that keeps only the learner's side, unless it runs for an editable install."""

    def finalize_options(self):
        super().finalize_options()
        if not self.editable_mode:
            self.packages = [p for p in self.packages if p in LEARNER_PACKAGES]
            self.__dict__.pop("data_files", None)

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        if self.editable_mode or package != "grader.cli":
            return modules
        return [m for m in modules if m[1] in LEARNER_CLI]

    def run(self):
        if not self.editable_mode:  # what an earlier build left in build/lib would ship too
            shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()
        if not self.editable_mode:
            here = os.path.dirname(os.path.abspath(__file__))
            self.copy_file(os.path.join(here, "actspace", "_learner_guard.py"),
                           os.path.join(self.build_lib, f"{GUARD}.py"))
            with open(os.path.join(self.build_lib, f"{GUARD}.pth"), "w") as f:
                f.write(f"import {GUARD}\n")


setup(cmdclass={"build_py": LearnerBuildPy})
