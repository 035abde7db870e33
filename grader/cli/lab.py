"""`actspace lab`: the learner's JupyterLab on a working folder of student versions, with nbgrader's learner extensions.

The student versions come prebuilt with actspace (``actspace/lessons``:
no answers, no hidden tests), so this works in a learner's install. An
instructor may serve their own course's lessons instead (``--course``):
those are generated from the source notebooks with nbgrader.
"""
import importlib.resources
import json
import os
import pathlib
import shutil
import tempfile

from grader.cli.environment import use_own_tools


class LabError(Exception):
    """A problem the learner can fix, told in one line."""


def student_lessons():
    """The folder of the student versions that ship with actspace."""
    return pathlib.Path(str(importlib.resources.files("actspace") / "lessons"))


def lessons_in(folder):
    """Names of the lessons in a folder: subfolders NAME holding NAME.ipynb, sorted."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").is_file())

# nbgrader's parts a learner uses (assignment list, validate) on; the instructor's off
SERVER_EXTENSIONS = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
LAB_EXTENSIONS_OFF = {
    "@jupyter/nbgrader:assignment-list": False,
    "@jupyter/nbgrader:validate-assignment": False,
    "@jupyter/nbgrader:formgrader": True,
    "@jupyter/nbgrader:course-list": True,
    "@jupyter/nbgrader:create-assignment": True,
}
CONFIG_DIR = ".actspace-jupyter"  # inside the working folder; a dot folder, so JupyterLab does not list it


def prepare(folder, lessons=None, source=None):
    """Student versions of the lessons missing from `folder` (work already there is kept); returns the lessons added.

    `source` is an instructor's lessons folder (source notebooks) to generate them from instead.
    """
    folder = pathlib.Path(folder).expanduser().resolve()
    available = lessons_in(source or student_lessons())
    unknown = [l for l in lessons or () if l not in available]
    if unknown:
        raise LabError(f"unknown lesson {unknown[0]!r}; lessons: {', '.join(available)}")
    if not available:
        raise LabError(f"no lessons in {source or student_lessons()}")
    missing = [l for l in (lessons or available) if not (folder / l).exists()]
    folder.mkdir(parents=True, exist_ok=True)
    if missing and source is None:
        for name in missing:
            _copy_writable(student_lessons() / name, folder / name)
    elif missing:
        from grader.course.course import build_student_lessons

        with tempfile.TemporaryDirectory(prefix="actspace-lab-") as tmp:
            built = build_student_lessons(tmp, missing, source=source)
            for name in missing:
                _copy_writable(built / name, folder / name)
    return missing


def _copy_writable(src, dest):
    """Copy a lesson folder for the learner to work in (writable, whatever the installed files' modes)."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def write_config(folder):
    """Jupyter config for the learner's lab (extensions on and off) in `folder`/.actspace-jupyter; returns that folder."""
    config = pathlib.Path(folder) / CONFIG_DIR
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": LAB_EXTENSIONS_OFF}, indent=1))
    server = {"ServerApp": {"jpserver_extensions": SERVER_EXTENSIONS}}
    (config / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    # Validate runs every cell, so a learner sees the visible checks that still fail (not just graded cells)
    (config / "nbgrader_config.json").write_text(json.dumps({"Validator": {"validate_all": True}}, indent=1))
    return config


def run(folder, lessons=None, port=None, no_browser=False, source=None):
    """Prepare `folder` and serve JupyterLab there until stopped (Ctrl-C)."""
    folder = pathlib.Path(folder).expanduser().resolve()
    added = prepare(folder, lessons, source)
    config = write_config(folder)
    paths = [str(config)] + [p for p in os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)  # first on the path: ours wins
    use_own_tools()
    print(f"Lessons in {folder}" + (f" (new: {', '.join(added)})" if added else ""), flush=True)
    print("Starting JupyterLab; open the URL printed below (Ctrl-C to stop).", flush=True)
    from jupyterlab.labapp import LabApp

    argv = [f"--ServerApp.root_dir={folder}"]
    argv += [f"--ServerApp.jpserver_extensions={name}={value}" for name, value in SERVER_EXTENSIONS.items()]
    if port is not None:
        argv.append(f"--ServerApp.port={port}")
    if no_browser:
        argv.append("--ServerApp.open_browser=False")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
        argv.append("--ServerApp.allow_root=True")
    LabApp.launch_instance(argv=argv)
