"""nbgrader's own autograde graded the way `actspace autograde` grades: `nbgrader autograde`, the formgrader's button.

A course folder's ``nbgrader_config.py`` calls ``configure(c, root)``
(written there by actspace, see ``grader.course.nbconfig``), which puts
actspace's grading steps into nbgrader's Autograde converter:

- ``Intake`` (first sanitizing step): the grade cells are repaired from the
  lesson's source notebook (``intake.repair``), an empty notebook is refused;
- ``SandboxedExecute``: the evidence kernel of ``GradingExecute``, started
  in the bubblewrap sandbox (the course root, the lessons' sources and
  ``solutions`` hidden, no network); if the sandbox cannot start, nothing
  is graded (the step fails, saying why);
- ``JudgeEvidence``: the ``grader.points`` cells judged from their evidence,
  in the grading process, against ``solutions``; then nbgrader's own steps
  and the output caps, as in ``grader.autograde.autograde_config``.

So a learner's kernel never judges itself, whichever button the instructor
presses. (`actspace autograde` adds what one nbgrader run cannot: each
submission graded from a copy in a process of its own, unreadable files
scored 0 with the reason, and the gradebook replaced only when all went
through.)
"""
import os

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

from grader.autograde import intake, write_cases
from grader.checking import kernel
from grader.course.course import course_secret
from grader.autograde.execution import GradingExecute
from grader.autograde.verdicts import NOTES_KEY


class Intake(NbGraderPreprocessor):
    """Repair the grade cells of a handed-in notebook from the lesson's source notebook (nbgrader's sanitizing step)."""

    lessons = Unicode("", help="the folder of the lessons' source notebooks (NAME/NAME.ipynb)").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        lesson, notebook = info["assignment"], info["notebook"]
        if not nb.cells or not any(str(c.get("source", "")).strip() for c in nb.cells):
            raise intake.Rejected(f"{info['student']}/{lesson}: the notebook is empty: none of its cells has any content")
        source = os.path.join(self.lessons, lesson, f"{notebook}.ipynb")
        if not os.path.isfile(source):
            raise intake.Rejected(f"no source notebook {source} to check the submission against")
        notes = intake.repair(nb, nbformat.read(source, as_version=4), lesson)
        if notes:
            nb.metadata[NOTES_KEY] = {"notes": notes}
        return nb, resources


class SandboxedExecute(GradingExecute):
    """GradingExecute whose kernels start in the grading sandbox; refuses to run without it."""

    course_root = Unicode("", help="the course root, hidden from the kernel").tag(config=True)
    lessons = List(Unicode(), help="folders of the lessons' sources, hidden from the kernel").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        from grader import sandbox

        limits = sandbox.Limits.from_config(self.config)  # c.Sandbox.memory = ... in the course's config
        ok, why = sandbox.available()
        if not ok:
            raise sandbox.SandboxError(f"{why}; refusing to grade without the sandbox (students' code could "
                                       "read the solutions and change the gradebook)")
        root = os.path.realpath(self.course_root or os.getcwd())  # nbgrader runs in the course root
        folder = (resources or {}).get("metadata", {}).get("path") or os.getcwd()  # where the notebook runs
        info = (resources or {}).get("nbgrader", {})
        write_cases(folder, info.get("assignment", ""), course_secret(root), info.get("student", ""))
        self.cases_file = os.path.join(os.path.realpath(folder), kernel.CASES_FILE)
        private = sandbox._private_dir()
        try:
            self._policy = sandbox.policy(private, [os.path.join(root, "autograded")], root, self.lessons, limits)
            sandbox.write_policy(private, self._policy)
            self._kernels = os.path.join(private, "kernels")
            return super().preprocess(nb, resources, km)
        finally:
            sandbox.remove(private)

    def create_kernel_manager(self):
        from jupyter_client.kernelspec import KernelSpecManager

        from grader import sandbox

        self.kernel_name = sandbox.KERNEL_NAME
        km = super().create_kernel_manager()
        km.kernel_spec_manager = KernelSpecManager(kernel_dirs=[self._kernels])  # only the sandbox's kernel
        km.transport = "ipc"  # no network in the sandbox: unix sockets in the runtime folder
        km.connection_file = os.path.join(self._policy["runtime"], "kernel.json")
        return km


def configure(c, root):
    """Put actspace's grading steps and the course's layout into the nbgrader config `c` of the course at `root`.

    Settings the config already has (timeouts, course id) are kept.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        IgnorePattern, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                        SaveAutoGrades)

    from grader.autograde import DEFAULT_CELL_TIMEOUT, DEFAULT_NOTEBOOK_TIMEOUT
    from grader.autograde.outputcap import LimitOutputBytes
    from grader.autograde.verdicts import JudgeEvidence
    from grader.course.course import COURSE_ID, INSTALLED_LESSONS, lessons_in
    from grader.course.nbconfig import MIRROR

    root = os.path.realpath(root)
    own = os.path.join(root, "lessons")
    source = "lessons" if lessons_in(own) else MIRROR

    def default(section, name, value):
        if name not in c[section]:
            c[section][name] = value

    default("CourseDirectory", "course_id", COURSE_ID)
    c.CourseDirectory.root = root
    c.CourseDirectory.source_directory = source
    default("CourseDirectory", "ignore", [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.md"])
    default("Execute", "timeout", DEFAULT_CELL_TIMEOUT)
    default("Execute", "interrupt_on_timeout", True)
    default("Execute", "iopub_timeout", 10)
    default("GradingExecute", "notebook_timeout", DEFAULT_NOTEBOOK_TIMEOUT)
    default("LimitOutput", "max_lines", 1000)
    default("LimitOutput", "max_traceback", 100)
    c.Intake.lessons = os.path.join(root, source)
    c.SandboxedExecute.course_root = root
    c.JudgeEvidence.secret = course_secret(root)  # the cases are the student's own: made from it again to judge
    c.SandboxedExecute.lessons = [os.path.join(root, source), str(INSTALLED_LESSONS)]
    c.Autograde.sanitize_preprocessors = [Intake, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                          CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [
        SandboxedExecute, JudgeEvidence, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, LimitOutputBytes,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    return c
