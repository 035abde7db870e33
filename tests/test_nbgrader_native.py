"""nbgrader's own autograde on an actspace course: the formgrader's Autograde button grades as `actspace autograde`.

A course folder that `actspace` touched has an nbgrader_config.py naming
actspace's grading steps and a `source/` copy of the lessons; a Jupyter
server started in it (the instructor's formgrader) lists the lessons and the
submissions, and its autograde API runs the kernel in the sandbox and judges
the evidence outside it. Also: the course folder's permissions (issue #15, 4).
"""
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

import grader
from grader import cli, sandbox
from grader.checking import evidence
from grader.course import demo, nbconfig
from grader.course.course import INSTALLED_LESSONS, Course, lessons_in

FIRST = lessons_in(INSTALLED_LESSONS)[0]
REPO = pathlib.Path(grader.__file__).resolve().parent.parent  # where this grader package comes from
PROBE = 'import socket, os\nprint("HOST=" + socket.gethostname(), "PID1=" + open("/proc/1/comm").read().strip())'


def _solution_cell(nb, name):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)


def _submit(course, student, text):
    folder = course / "submitted" / student / FIRST
    folder.mkdir(parents=True)
    (folder / f"{FIRST}.ipynb").write_text(text)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released course with four submissions: right, blank, a cheat that imports solutions, a probe of the kernel."""
    ok, why = sandbox.available()
    assert ok, f"the grading sandbox is needed for this test and cannot start here: {why}"
    root = tmp_path_factory.mktemp("native") / "course"
    root.mkdir(mode=0o700)
    assert cli.main(["release", FIRST, "--course", str(root)]) == 0
    the_course = Course(root)
    class_ = demo.notebooks(the_course, FIRST)
    _submit(root, "ada", class_["ada"])
    _submit(root, "ben", class_["ben"])
    first = next(n for n in demo.solution_cells(nbformat.reads(class_["ada"], as_version=4)))
    cheat = nbformat.reads(class_["ada"], as_version=4)
    _solution_cell(cheat, first).source = f"from solutions import {first}"  # the reference, if it can reach it
    cheat.cells.insert(1, nbformat.v4.new_code_cell(PROBE))
    _submit(root, "eve", nbformat.writes(cheat))
    return root, first


def test_course_folder_is_nbgraders(course):
    root, _ = course
    text = (root / "nbgrader_config.py").read_text()
    assert nbconfig.BEGIN in text and "grader.autograde.native" in text
    assert nbconfig.is_copy(root / "source") and lessons_in(root / "source") == lessons_in(INSTALLED_LESSONS)
    assert Course(root).source == INSTALLED_LESSONS  # the copy is not taken for the lessons themselves
    for name in ("gradebook.db", "submitted", "autograded", "feedback", "source"):
        assert stat.S_IMODE((root / name).stat().st_mode) & 0o077 == 0, name
    assert nbconfig.write_config(root) is False  # written once; the instructor's own lines are kept


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Formgrader:
    """A Jupyter server (with nbgrader's formgrader) started in the course folder, as an instructor would."""

    def __init__(self, root, log):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
                   JUPYTER_CONFIG_DIR=str(log.parent / "jupyter-config"), JUPYTER_RUNTIME_DIR=str(log.parent / "rt"))
        argv = [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
                f"--ServerApp.root_dir={root}", "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True"]
        if os.geteuid() == 0:
            argv.append("--ServerApp.allow_root=True")
        self.log = open(log, "wb")
        self.process = subprocess.Popen(argv, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.get("/api/status")
                break
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)

    def request(self, path, method="GET", timeout=300):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=b"" if method == "POST" else None,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return json.loads(response.read() or b"null")

    def get(self, path):
        return self.request(path)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory):
    root, _ = course
    server = Formgrader(root, tmp_path_factory.mktemp("formgrader") / "server.log")
    try:
        yield server
    finally:
        server.stop()


def _scores(root, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "actspace") as gb:
        nb = gb.find_submission_notebook(FIRST, FIRST, student)
        return {g.name: g.score for g in nb.grades}


def _autograded(root, student):
    return nbformat.read(root / "autograded" / student / FIRST / f"{FIRST}.ipynb", as_version=4)


@pytest.mark.timeout(900)
def test_formgrader_lists_the_course_and_its_button_grades_in_the_sandbox(course, formgrader):
    root, first = course
    names = [a["name"] for a in formgrader.get("/formgrader/api/assignments")]
    assert FIRST in names, names
    students = {s["student"] for s in formgrader.get(f"/formgrader/api/submissions/{FIRST}")}
    assert {"ada", "ben", "eve"} <= students, students
    for student in ("ada", "ben", "eve"):
        result = formgrader.request(f"/formgrader/api/submission/{FIRST}/{student}/autograde", "POST")
        assert result["success"], result.get("error") or result.get("log")
    source = nbformat.read(INSTALLED_LESSONS / FIRST / f"{FIRST}.ipynb", as_version=4)
    graded = [c.metadata.nbgrader for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")]
    full = {m["grade_id"]: float(m["points"]) for m in graded}
    assert _scores(root, "ada") == full  # the reference's answers, judged from their evidence
    assert set(_scores(root, "ben").values()) == {0.0}  # blank
    eve = _scores(root, "eve")
    assert eve[f"{first}_tests"] == 0.0  # `from solutions import ...` does not work in the sandbox
    assert 0 < sum(eve.values()) < sum(full.values())  # the rest of the notebook graded as usual

    eve_nb = _autograded(root, "eve")
    probe = next(c for c in eve_nb.cells if c.cell_type == "code" and c.source == PROBE)
    shown = "".join(o.get("text", "") for o in probe.outputs)
    assert "HOST=actspace-sandbox" in shown and "PID1=bwrap" in shown, shown  # the kernel ran under bwrap
    cheat = _solution_cell(eve_nb, f"{first}_tests")
    said = "".join(o.get("text", "") for o in cheat.outputs if o.get("output_type") == "stream")
    assert said.startswith(f"{first}_tests: 0 of 1 points"), said
    graded_cell = _solution_cell(_autograded(root, "ada"), f"{first}_tests")
    text = "".join(o.get("text", "") for o in graded_cell.outputs if o.get("output_type") == "stream")
    assert text.strip() and evidence.MIMETYPE not in json.dumps(graded_cell.outputs)  # judged: feedback, no evidence
    blank = _solution_cell(_autograded(root, "ben"), f"{first}_tests")
    assert "0 of" in "".join(o.get("text", "") for o in blank.outputs if o.get("output_type") == "stream")


def test_native_autograde_refuses_without_the_sandbox(course, tmp_path, monkeypatch):
    """nbgrader's autograde with the course's config grades nothing when the sandbox cannot start."""
    root, _ = course
    from nbgrader.apps import NbGrader, NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'no bwrap here' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ACTSPACE_BWRAP", str(fake))
    sandbox.available.cache_clear()
    sandbox._usage.cache_clear()
    monkeypatch.chdir(root)
    try:
        app = NbGrader()
        app.load_config_file()
        api = NbGraderAPI(coursedir=CourseDirectory(config=app.config), config=app.config)
        result = api.autograde(FIRST, "ada")
        assert not result["success"]
        assert "sandbox" in (result.get("log", "") + result.get("error", ""))
    finally:
        monkeypatch.undo()
        sandbox.available.cache_clear()
        sandbox._usage.cache_clear()


# ----------------------------------------------------------------------- issue #15, item 4: private course folders


def test_an_open_course_folder_is_named_in_a_warning(tmp_path, capsys):
    root = tmp_path / "open"
    root.mkdir()
    root.chmod(0o755)
    assert cli.main(["release", FIRST, "--course", str(root)]) == 0
    err = capsys.readouterr().err
    assert re.search(rf"warning: {re.escape(str(root))} can be read by other users \(mode 0755\).*chmod 700", err), err
    assert stat.S_IMODE((root / "gradebook.db").stat().st_mode) == 0o600  # sqlite would make it 0644
    for name in ("submitted", "autograded", "feedback", "source"):
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o700, name
    (root / "feedback").chmod(0o755)
    root.chmod(0o700)
    assert cli.main(["grades", "--course", str(root)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {root / 'feedback'} can be read" in err and f"warning: {root} can" not in err, err
    (root / "feedback").chmod(0o700)
    assert cli.main(["grades", "--course", str(root)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_an_instructors_own_config_is_kept_below_actspaces_block(tmp_path):
    root = tmp_path / "course"
    root.mkdir(mode=0o700)
    own = "c = get_config()\nc.Sandbox.memory = 2 << 30\nc.Execute.timeout = 120\n"
    (root / "nbgrader_config.py").write_text(own)
    assert nbconfig.write_config(root) is True
    text = (root / "nbgrader_config.py").read_text()
    assert text.startswith(nbconfig.BEGIN) and text.endswith(own)
    assert nbconfig.write_config(root) is False and (root / "nbgrader_config.py").read_text() == text
    config = Course(root).config
    assert config.Sandbox.memory == 2 << 30 and config.Execute.timeout == 120  # the instructor's lines win
    assert config.CourseDirectory.root == str(root.resolve())
    assert [c.__name__ for c in config.Autograde.autograde_preprocessors][:2] == ["SandboxedExecute", "JudgeEvidence"]
