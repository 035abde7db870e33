"""The `actspace` command end to end on the installed lessons: the demo, the weekly cycle, --jobs, bad arguments, a venv."""
import io
import urllib.error
import os
import re
import shutil
import subprocess
import sys
import zipfile
from html import unescape
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

import grader
from venvs import make_venv
from grader import autograde, cli
from grader.course import demo
from grader.course import cells
from grader.course.course import INSTALLED_LESSONS, Course, lessons_in
from grader.reference import judge

LESSONS = lessons_in(INSTALLED_LESSONS)
FIRST = LESSONS[0]
CALL = re.compile(r"grader\.points\(\s*[\"'](\w+)[\"']")


def actspace(*args, exe=None, env=None, cwd=None, timeout=900):
    """Run the command as a user would; returns the CompletedProcess (text)."""
    command = [exe] if exe else [sys.executable, "-m", "grader.cli"]
    return subprocess.run(command + [str(a) for a in args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)


def expected_scores(lesson, secret, cy="cy"):
    """The demo class's score on `lesson`, from the source notebook and the judge alone (each student's own cases)."""
    nb = nbformat.read(INSTALLED_LESSONS / lesson / f"{lesson}.ipynb", as_version=4)
    points = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cells.is_graded(cell):
            names = CALL.findall(cell.source)
            assert len(names) == 1, f"{lesson}: graded cell {meta['grade_id']} should call grader.points once"
            points[names[0]] = float(meta["points"])
    plan = demo.misconception_plan(nb)
    partial = 0.0
    for name, p in points.items():
        if plan.get(name) is None:
            partial += p
        else:
            fn = grader.exercise(name).misconceptions[plan[name]].fn
            partial += round(judge.grade(name, fn, secret=secret, student=cy).score * p, 3)
    return {"ada": sum(points.values()), "ben": 0.0, "cy": partial, "dee": 0.0}


def scores(root):
    """{(student, lesson): score} read straight from a course folder's gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "actspace") as gb:
        return {(s.student.id, a.name): s.score for a in gb.assignments for s in a.submissions}


def dump(root):
    """Everything autograde writes into the gradebook, in a fixed order."""
    out = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "actspace") as gb:
        for a in sorted(gb.assignments, key=lambda a: a.name):
            for s in sorted(a.submissions, key=lambda s: s.student.id):
                for nb in sorted(s.notebooks, key=lambda n: n.name):
                    out.append((s.student.id, a.name, str(s.timestamp), nb.name, nb.flagged, nb.late_submission_penalty,
                                sorted((g.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                                       for g in nb.grades),
                                sorted((c.name, c.auto_comment, c.manual_comment) for c in nb.comments)))
    return out


# ---------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "course"
    result = actspace("demo", "--dir", folder, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    return folder, result


def test_demo_gives_every_student_the_expected_score(demo_run):
    folder, result = demo_run
    got = scores(folder)
    for lesson in LESSONS:
        want = expected_scores(lesson, Course(folder).secret)
        for student in demo.STUDENTS:
            assert got[(student, lesson)] == pytest.approx(want[student], abs=1e-6), (student, lesson)
        assert 0 < want["cy"] < want["ada"] or not any(demo.misconception_plan(
            nbformat.read(INSTALLED_LESSONS / lesson / f"{lesson}.ipynb", as_version=4)).values()), lesson
    assert len(got) == len(LESSONS) * len(demo.STUDENTS)


def test_grading_kernels_draw_no_figures_and_reach_no_figure_code(demo_run):
    """In the sandbox the figure code is an inert stand-in: no picture, and no cell that a figure broke is graded."""
    folder, _ = demo_run
    for lesson in LESSONS:
        nb = nbformat.read(folder / "autograded" / "ada" / lesson / f"{lesson}.ipynb", as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        assert not [o for o in outputs if "image/png" in o.get("data", {})], lesson  # nothing drawn
        for cell in nb.cells:  # the graded and check cells all ran clean: ada's answers are right
            if cells.is_graded(cell) or cells.is_check(cell):
                assert not [o for o in cell.outputs if o.output_type == "error"], (lesson, cell.source[:80])


def test_demo_prints_the_table_and_where_the_feedback_is(demo_run):
    folder, result = demo_run
    for student in demo.STUDENTS:
        assert re.search(rf"^{student}\s", result.stdout, re.M), result.stdout
    assert f"{folder / 'feedback'}" in result.stdout
    assert (folder / "feedback" / "cy" / FIRST / f"{FIRST}.html").is_file()
    assert "not graded: dee/" in result.stdout
    assert re.search(r"\[\d+/\d+\] 100% done in", result.stderr)  # the progress bar


# ---------------------------------------------------------------- the weekly cycle, from a venv not activated


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A venv with this checkout pip-installed (editable, the instructor's install) and PATH without its bin."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    python = make_venv(folder)
    repo = Path(grader.__file__).resolve().parent.parent
    done = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", repo],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    env = {"HOME": os.environ.get("HOME", "/tmp"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return folder / "bin" / "actspace", env


def canvas_zip(path, notebooks):
    """A Canvas-style export: `<login>_<user id>_<submission id>_<file name>`, plus a file that is not a notebook."""
    ids = {"cy": 1003, "dee": 1004}
    with zipfile.ZipFile(path, "w") as z:
        for student, text in notebooks.items():
            z.writestr(f"{student}smith_{ids[student]}_{ids[student] + 5000}_{FIRST}.ipynb", text)
        z.writestr("readme_1003_6003_notes.txt", "not a submission")
    return {ids[s]: s for s in notebooks}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory, venv):
    """release -> collect (Canvas zip) -> autograde -> feedback -> grades, all through the venv's actspace."""
    exe, env = venv
    root = tmp_path_factory.mktemp("cycle")
    course = root / "course"
    course.mkdir()
    runs = {"release": actspace("release", FIRST, "--course", course, exe=exe, env=env)}
    assert runs["release"].returncode == 0, runs["release"].stderr
    class_notebooks = demo.notebooks(Course(course), FIRST)
    ids = canvas_zip(root / "export.zip", {s: class_notebooks[s] for s in ("cy", "dee")})
    runs["collect"] = actspace("collect", "--from", root / "export.zip", "--course", course, exe=exe, env=env)
    assert runs["collect"].returncode == 0, runs["collect"].stderr
    shutil.copytree(course, root / "copy")  # the same collected course, for --jobs 2
    for step in (["autograde"], ["feedback"], ["grades", "--csv", root / "grades.csv"]):
        runs[step[0]] = actspace(*step, "--course", course, exe=exe, env=env)
        assert runs[step[0]].returncode == 0, runs[step[0]].stderr
    return root, course, ids, runs


def test_cycle_grades(cycle):
    root, course, ids, runs = cycle
    want = expected_scores(FIRST, Course(course).secret, cy=str(ids_of(ids, "cy")))
    got = scores(course)
    assert got == pytest.approx({(str(i), FIRST): want[s] for i, s in ids.items()})
    csv = (root / "grades.csv").read_text().splitlines()
    assert csv[0] == f"student_id,{FIRST},total"
    assert f"max_points,{want['ada']:g},{want['ada']:g}" in csv
    assert f"{ids_of(ids, 'cy')},{want['cy']:g},{want['cy']:g}" in csv
    assert any(line.startswith(f"{ids_of(ids, 'dee')},0,") for line in csv)
    assert "Collected 2 submissions of 2 students" in runs["collect"].stdout
    assert "not graded: 1004/" in runs["autograde"].stdout
    assert re.search(r"\[2/2\] 100% done in", runs["autograde"].stderr)


def ids_of(ids, student):
    return next(i for i, s in ids.items() if s == student)


def hidden_lines(cell_source):
    """The lines between a solution cell's markers: the reference code a learner never sees."""
    lines, inside = [], False
    for line in cell_source.splitlines():
        if demo._MARKER.match(line):
            inside = "BEGIN" in line
        elif inside and line.strip() and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


def test_cycle_feedback_has_the_grader_messages_and_no_reference_code(cycle):
    root, course, ids, runs = cycle
    source = nbformat.read(INSTALLED_LESSONS / FIRST / f"{FIRST}.ipynb", as_version=4)
    wrong = [n for n, i in demo.misconception_plan(source).items() if i is not None]
    reference = [l for n in wrong for l in hidden_lines(demo.solution_cells(source)[n].source)]
    assert wrong and reference
    cy = course / "feedback" / str(ids_of(ids, "cy")) / FIRST / f"{FIRST}.html"
    text = unescape(re.sub(r"<[^>]+>", "", cy.read_text()))
    assert "checks passed" in text and "Likely misconception" in text
    for name in wrong:  # cy's wrong answers are explained, and their reference code is nowhere
        assert re.search(rf"{name}: \d+ of \d+ checks passed", text), name
    leaked = [l for l in reference if l in text]
    assert not leaked, leaked
    assert "no feedback: 1004/" in runs["feedback"].stdout


def test_jobs_2_writes_the_same_gradebook_as_jobs_1(cycle):
    root, course, ids, runs = cycle
    result = actspace("autograde", "--jobs", "2", "--course", root / "copy")
    assert result.returncode == 0, result.stderr
    assert dump(root / "copy") == dump(course)
    assert len(dump(course)) == 2


def test_works_from_a_venv_that_is_not_activated(venv, tmp_path):
    exe, env = venv
    assert exe.is_absolute() and str(exe.parent) not in env["PATH"].split(os.pathsep)
    assert shutil.which("alembic", path=env["PATH"]) is None  # nbgrader needs it: actspace must find its own
    course = tmp_path / "course"
    course.mkdir()
    result = actspace("release", FIRST, "--course", course, exe=exe, env=env)
    assert result.returncode == 0, result.stderr
    assert (course / "release" / FIRST / f"{FIRST}.ipynb").is_file()
    assert actspace("grades", "--course", course, exe=exe, env=env).returncode == 0


def test_release_and_collect_through_the_nbgrader_exchange(tmp_path, monkeypatch, capsys):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
    from traitlets.config import Config

    exchange, course, learner = tmp_path / "exchange", tmp_path / "course", tmp_path / "learner"
    for folder in (exchange, course, learner):
        folder.mkdir()
    (course / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    assert cli.main(["release", FIRST, "--course", str(course)]) == 0
    assert "Released to the nbgrader exchange" in capsys.readouterr().out
    c = Config()
    c.Exchange.root, c.CourseDirectory.course_id = str(exchange), "actspace"
    c.CourseDirectory.root, c.CourseDirectory.assignment_id = str(learner), FIRST
    monkeypatch.chdir(learner)
    where, who = CourseDirectory(config=c), Authenticator(config=c)
    ExchangeFetchAssignment(coursedir=where, authenticator=who, config=c).start()  # what a learner does in JupyterLab
    ExchangeSubmit(coursedir=where, authenticator=who, config=c).start()
    assert cli.main(["collect", FIRST, "--course", str(course)]) == 0
    assert "Collected 1 submissions of 1 students" in capsys.readouterr().out
    assert list(course.glob(f"submitted/*/{FIRST}/{FIRST}.ipynb"))


# ---------------------------------------------------------------- bad arguments: one line, non-zero


def fails(capsys, *argv):
    """Run `actspace argv` in-process; the exit status and the one line it printed on stderr."""
    status = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert status != 0 and "\n" not in err, (status, err)
    return err


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    course = tmp_path_factory.mktemp("released")
    assert cli.main(["release", FIRST, "--course", str(course)]) == 0
    return course


@pytest.mark.parametrize("command", ["release", "collect", "autograde", "feedback", "lab"])
def test_unknown_lesson(command, released, capsys):
    extra = ["--from", str(released)] if command == "collect" else []
    extra += ["--dir", str(released / "lab")] if command == "lab" else []
    assert "unknown lesson '99_nope'" in fails(capsys, command, "99_nope", "--course", released, *extra)


@pytest.mark.parametrize("command", ["release", "collect", "autograde", "feedback", "grades", "lab", "demo"])
def test_missing_course_folder(command, tmp_path, capsys):
    missing = tmp_path / "no-such-course"
    assert f"course folder {missing} does not exist" in fails(capsys, command, "--course", missing)


def test_empty_submission_folder(released, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert "no submissions in" in fails(capsys, "collect", "--from", tmp_path / "empty", "--course", released)
    assert "does not exist" in fails(capsys, "collect", "--from", tmp_path / "nope.zip", "--course", released)
    assert "no submissions in" in fails(capsys, "autograde", "--course", released)
    assert "is not released" in fails(capsys, "autograde", LESSONS[-1], "--course", released) or len(LESSONS) == 1


def test_demo_refuses_a_folder_that_is_not_empty(released, capsys):
    assert "is not empty" in fails(capsys, "demo", "--dir", released)


def test_every_subcommand_has_help(capsys):
    for command in ["lab", "release", "collect", "autograde", "feedback", "grades", "demo"]:
        with pytest.raises(SystemExit) as stop:
            cli.main([command, "--help"])
        assert stop.value.code == 0
        assert f"usage: actspace {command}" in capsys.readouterr().out


# ---------------------------------------------------------------- the gradebook is never half-written


def test_a_failed_step_leaves_the_gradebook_as_it_was(released):
    course = Course(released)
    before = course.gradebook.read_bytes()
    with pytest.raises(RuntimeError):
        with course.staged_gradebook() as db_url:
            with Gradebook(db_url, "actspace") as gb:
                gb.add_student("half-written")
            raise RuntimeError("stopped half way")
    assert course.gradebook.read_bytes() == before
    assert not list(released.glob(".gradebook-*"))


def test_an_interrupted_autograde_leaves_the_gradebook_as_it_was(released, monkeypatch):
    course = Course(released)
    for student in ("s1", "s2"):
        folder = released / "submitted" / student / FIRST
        folder.mkdir(parents=True)
        shutil.copy(released / "release" / FIRST / f"{FIRST}.ipynb", folder)
    before = course.gradebook.read_bytes()
    monkeypatch.setattr(autograde, "_run", lambda todo, jobs, bar: [autograde.Outcome(j, False, "skipped") for j in todo])
    calls = []

    def merge_then_stop(db_url, outcome):
        calls.append(outcome)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_merge(db_url, outcome)

    real_merge = autograde.merge
    monkeypatch.setattr(autograde, "merge", merge_then_stop)
    with pytest.raises(KeyboardInterrupt):
        autograde.autograde(course, progress=autograde.Progress(2, stream=io.StringIO()))
    assert course.gradebook.read_bytes() == before
    assert not list(released.glob(".gradebook-*")) and not list(released.glob(".actspace-autograde-*"))
    shutil.rmtree(released / "submitted")


# ---------------------------------------------------------------- the learner's lab


def test_lab_serves_the_student_versions_with_the_learner_extensions(tmp_path):
    import json
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path / "work"
    log = open(tmp_path / "lab.log", "w+")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    server = subprocess.Popen([sys.executable, "-m", "grader.cli", "lab", "--no-browser", "--port", str(port),
                               "--dir", str(folder), FIRST], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        url = None
        for _ in range(240):
            log.seek(0)
            found = re.search(rf"(http://127\.0\.0\.1:{port}/lab\?token=\w+)", log.read())
            if found:
                url = found.group(1)
                break
            assert server.poll() is None, open(tmp_path / "lab.log").read()
            time.sleep(0.5)
        assert url, open(tmp_path / "lab.log").read()
        token = url.split("token=")[1]
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        config = json.loads(unescape(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1)))
        off = config["disabledExtensions"]
        assert "@jupyter/nbgrader:formgrader" in off and "@jupyter/nbgrader:create-assignment" in off
        assert "@jupyter/nbgrader:assignment-list" not in off and "@jupyter/nbgrader:validate-assignment" not in off
        version = urllib.request.urlopen(f"http://127.0.0.1:{port}/nbgrader_version?version=x&token={token}", timeout=30)
        assert version.status == 200  # the assignment-list and validate server extensions answer
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader/api/status?token={token}", timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    student = (folder / FIRST / f"{FIRST}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in student and "BEGIN HIDDEN TESTS" not in student
    source = nbformat.read(INSTALLED_LESSONS / FIRST / f"{FIRST}.ipynb", as_version=4)
    assert not [l for c in demo.solution_cells(source).values() for l in hidden_lines(c.source) if l in student]
