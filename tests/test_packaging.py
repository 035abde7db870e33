"""The learner's install, as a learner gets it: the wheel, built and installed into a fresh venv (not activated).

It holds the student lessons, the practice keys and the practice check, and
no answers: no `solutions`, no source notebooks, no solution cell's code, no
misconception banks, no grading pipeline.
"""
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.course import cells
from lesson_files import LESSONS, notebook_path, solution_cells
from venvs import make_venv

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR_ONLY = ("solutions/", "grader/exercises/", "grader/reference/", "grader/autograde/", "grader/course/",
                   "grader/sandbox/", "lessons/", "tests/")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("actspace-*.whl")
    return path


@pytest.fixture(scope="module")
def learner(tmp_path_factory, wheel):
    """A fresh venv with the wheel and its dependencies installed from the package index, as a learner does it."""
    folder = tmp_path_factory.mktemp("learner") / "env"
    python = make_venv(folder, borrow=False)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "--version"], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(wheel)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


def run(learner, *args, cwd, timeout=300):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"})


CONVERSION = re.compile(r"^[\w, ]+ = (np\.asarray\(|np\.array\(|float\(|int\()[^;]*$")  # `X = np.asarray(X, float)`


def answers():
    """{exercise: its solution cell's body}, as the lines that carry the answer.

    A line is kept when it is code of 12 characters or more and not a mere
    conversion of the inputs (those are in every module that takes arrays).
    """
    out = {}
    for lesson in sorted(p.name for p in LESSONS.iterdir() if p.is_dir()):
        for cell in solution_cells(nbformat.read(notebook_path(lesson), as_version=4)):
            body = cell.source.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0]
            lines = [line.split("#")[0].strip() for line in body.splitlines()]
            lines = [code for code in lines if len(code) >= 12 and not CONVERSION.match(code)]
            if lines:
                out[cell.metadata["nbgrader"]["grade_id"]] = lines
    return out


def given(cell):
    """A locked cell a lesson gives (an earlier lesson's answer, handed on with the lesson that uses it)."""
    return str(cell.metadata.get("nbgrader", {}).get("grade_id", "")).startswith("given_")


def test_the_wheel_holds_the_learners_side_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    leaks = [n for n in names if n.startswith(INSTRUCTOR_ONLY)]
    assert not leaks, leaks
    lessons = [n for n in names if n.endswith(".ipynb")]
    assert len(lessons) == len([p for p in LESSONS.iterdir() if p.is_dir()]) and \
        all(n.startswith("actspace/lessons/") for n in lessons)
    assert len([n for n in names if n.startswith("actspace/keys/") and n.endswith(".json")]) == len(lessons)
    assert "grader/checking/practice.py" in names and "grader/cli/lab.py" in names


def test_no_file_in_the_wheel_holds_a_solution_cells_code(wheel):
    """No file holds the body of any solution cell (every line that carries its answer)."""
    z = zipfile.ZipFile(wheel)
    bodies = answers()
    assert len(bodies) >= 29
    for name in z.namelist():
        text = z.read(name).decode("utf-8", "replace")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name
        if name.endswith(".ipynb"):  # JSON escapes quotes: look at the cells' own text
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells if not given(c))
        found = [exercise for exercise, lines in bodies.items() if all(line in text for line in lines)]
        assert not found, f"{name} holds the code of the solution of {', '.join(found)}"


def test_in_the_learners_install_the_answers_are_not_importable(learner, tmp_path):
    python = learner / "bin" / "python"
    done = run(learner, python, "-c", "import solutions", cwd=tmp_path)
    assert done.returncode != 0 and "not part of a learner's install" in done.stderr, done.stderr
    for module in ("grader.exercises", "grader.reference.judge", "grader.autograde"):
        done = run(learner, python, "-c", f"import {module}", cwd=tmp_path)
        assert "ModuleNotFoundError" in done.stderr, module
    done = run(learner, python, "-c", "import grader, numpy as np\n"
               "try:\n    grader.grade('relu', np.abs)\nexcept grader.InstructorOnly as e:\n    print('refused:', e)",
               cwd=tmp_path)
    assert "refused: this is a learner's install" in done.stdout, done.stderr


def test_the_practice_check_works_in_the_learners_install(learner, tmp_path):
    code = ("import grader, numpy as np\n"
            "print(grader.check('relu', lambda x: np.maximum(np.asarray(x, float), 0.0)).passed)\n"
            "r = grader.check('relu', lambda x: np.abs(np.asarray(x, float)))\n"
            "print(r.passed, r.misconceptions)")
    done = run(learner, learner / "bin" / "python", "-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Well done: relu is right on every practice case" in done.stdout
    assert re.search(r"^False \['.+'\]$", done.stdout, re.M), done.stdout


def test_instructor_commands_say_in_one_line_what_to_install(learner, tmp_path):
    for command in ("release", "autograde", "demo", "build"):
        done = run(learner, learner / "bin" / "actspace", command, cwd=tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.count("\n") == 1 and "learner's install" in done.stderr, (command, done.stderr)


def test_actspace_lab_writes_every_student_lesson(learner, tmp_path):
    folder = tmp_path / "work"
    lab = subprocess.Popen([str(learner / "bin" / "actspace"), "lab", "--dir", str(folder), "--no-browser",
                            "--port", "0"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"})
    try:
        deadline, seen = time.monotonic() + 120, ""
        while time.monotonic() < deadline and "http://127.0.0.1" not in seen and "http://localhost" not in seen:
            line = lab.stdout.readline()
            if not line and lab.poll() is not None:
                break
            seen += line
        assert "http://" in seen, seen[-2000:]
    finally:
        lab.terminate()
        try:
            lab.wait(20)
        except subprocess.TimeoutExpired:
            lab.kill()
    written = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert written == sorted(p.name for p in LESSONS.iterdir() if p.is_dir()) and len(written) == 7
    for name in written:
        nb = nbformat.read(folder / name / f"{name}.ipynb", as_version=4)
        assert any(cells.is_check(c) for c in nb.cells)
        assert not any("BEGIN SOLUTION" in c.source or "BEGIN HIDDEN TESTS" in c.source for c in nb.cells)
