"""The grading sandbox: what a student's kernel cannot reach, what it cannot keep, and `actspace autograde` around it.

Kernels here start the way autograding starts them: nbgrader's Execute with
the config of `sandbox.kernels`, in a fake course whose job folder sits where
`autograde` puts it. These tests need bubblewrap (`.ci/run` installs it).
"""
import json
import os
import pathlib
import shutil
import socket
import stat
import subprocess
import sys
import time
import uuid

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute

from grader import sandbox
from grader.sandbox import plan as sandbox_plan
from grader.course.course import INSTALLED_LESSONS, lessons_in

REPO = pathlib.Path(sandbox.HERE).parents[1]  # the checkout
SOLUTIONS = pathlib.Path(sandbox_plan.package_dir("solutions"))
FIRST = lessons_in(INSTALLED_LESSONS)[0]
SECRET = "SECRET-GRADEBOOK-CONTENT"


@pytest.fixture(scope="module", autouse=True)
def sandbox_works():
    ok, why = sandbox.available()
    assert ok, f"the grading sandbox does not start here: {why} (install bubblewrap; .ci/run does)"


class FakeCourse:
    """A course root as `autograde` leaves it while grading student `stu`: other files all around the job."""

    def __init__(self, root):
        self.root = root
        root.mkdir(parents=True)
        (root / "gradebook.db").write_text(SECRET)
        for folder in ("source/l1", "release/l1", "submitted/other/l1", "autograded/other/l1", "feedback/other/l1"):
            (root / folder).mkdir(parents=True)
            (root / folder / "l1.ipynb").write_text(SECRET)
        self.job = root / ".actspace-autograde-test" / "job0"
        (self.job / "submitted" / "stu" / "l1").mkdir(parents=True)
        (self.job / "gradebook.db").write_text(SECRET)
        self.cwd = self.job / "autograded" / "stu" / "l1"
        self.cwd.mkdir(parents=True)
        (self.cwd / "data.txt").write_text("given data")

    def state(self):
        """Every file of the course and its content, to show nothing changed."""
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*")) if p.is_file()}


@pytest.fixture
def course(tmp_path):
    return FakeCourse(tmp_path / "course")


def execute(course, cells, limits=None, timeout=30):
    """Run `cells` as nbgrader's autograde step would, sandboxed; (printed text per cell, error or None)."""
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    error = None
    with sandbox.kernels(course.job, course.root, sources=[course.root / "source"], limits=limits) as config:
        config.Execute.timeout = timeout
        try:
            nb, _ = Execute(config=config).preprocess(nb, {"metadata": {"path": str(course.cwd)}})
        except Exception as e:  # the kernel died: what ran so far is in nb
            error = e
    texts = ["".join(o.get("text", "") for o in c.get("outputs", []) if o.get("output_type") == "stream")
             for c in nb.cells]
    return texts, error, nb


def results(text):
    """The JSON object a probe cell printed last."""
    return json.loads(text.strip().splitlines()[-1])


PROBE = '''
import json, os
def attempt(action):
    try:
        value = action()
        return "ok" if value is None else f"ok: {value!r}"[:80]
    except BaseException as e:
        return type(e).__name__
def read(path):
    with open(path, "rb") as f:
        return f.read(200)
def write(path):
    with open(path, "ab") as f:
        f.write(b"tampered")
'''


def marked_processes(marker):
    """Ids of live processes (anywhere on this machine) whose command line has `marker`."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except (OSError, ValueError):
            pass
    return found


def wait_until_gone(marker, seconds=5):
    deadline = time.monotonic() + seconds
    while marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return marked_processes(marker)


# ---------------------------------------------------------------- what the kernel cannot reach


def test_kernel_cannot_read_or_write_the_reference_lessons_or_the_course(course, monkeypatch):
    monkeypatch.setenv("ACTSPACE_TEST_SETTING", "passed")  # like the autograder's evidence switch
    monkeypatch.setenv("SOME_SECRET_TOKEN", "do-not-leak")
    before = course.state()
    paths = {
        "solutions module": SOLUTIONS / "__init__.py",
        "lesson source": INSTALLED_LESSONS / FIRST / f"{FIRST}.ipynb",
        "course gradebook": course.root / "gradebook.db",
        "course source": course.root / "source" / "l1" / "l1.ipynb",
        "course release": course.root / "release" / "l1" / "l1.ipynb",
        "other student's submission": course.root / "submitted" / "other" / "l1" / "l1.ipynb",
        "other student's graded notebook": course.root / "autograded" / "other" / "l1" / "l1.ipynb",
        "job's gradebook copy": course.job / "gradebook.db",
        "repository history": REPO / ".git" / "HEAD",
        "repository tests": REPO / "tests" / "conftest.py",
    }
    check = PROBE + f'''
paths = {json.dumps({k: str(v) for k, v in paths.items()})}
out = {{name: [attempt(lambda: read(p)), attempt(lambda: write(p))] for name, p in paths.items()}}
out["new file beside the gradebook"] = [attempt(lambda: write({str(course.root / "x.db")!r}))]
out["listing the course"] = [attempt(lambda: sorted(os.listdir({str(course.root)!r})))]
out["listing solutions"] = [attempt(lambda: os.listdir({str(SOLUTIONS)!r}) or None)]
def import_solutions():
    import solutions
out["import solutions"] = [attempt(import_solutions)]
print(json.dumps(out))
'''
    here = PROBE + '''
import grader, actspace, numpy, matplotlib
out = {"cwd": os.getcwd(), "given data": attempt(lambda: read("data.txt")),
       "write here": attempt(lambda: write("mine.txt")), "read back": attempt(lambda: read("mine.txt")),
       "write /tmp": attempt(lambda: write("/tmp/t")),
       "env": {k: v for k, v in os.environ.items() if "SECRET" in k or k.startswith("ACTSPACE_TEST")},
       "uid": os.getuid(), "effective capabilities": open("/proc/self/status").read().split("CapEff:")[1].split()[0]}
print(json.dumps(out))
'''
    texts, error, _ = execute(course, [check, here])
    assert error is None, error
    got = results(texts[0])
    for name in paths:
        assert not got[name][0].startswith("ok"), f"the kernel could read the {name}: {got[name]}"
        assert not got[name][1].startswith("ok"), f"the kernel could write the {name}: {got[name]}"
    assert got["new file beside the gradebook"][0] in ("OSError", "PermissionError")
    assert got["listing the course"] == ["ok: ['.actspace-autograde-test']"]  # only the way to its own folder
    assert not got["listing solutions"][0].startswith("ok:"), got["listing solutions"]
    assert got["import solutions"][0] in ("ModuleNotFoundError", "ImportError", "FileNotFoundError")
    own = results(texts[1])
    assert own["cwd"] == str(course.cwd)
    assert own["given data"] == "ok: b'given data'"
    assert own["write here"] == own["write /tmp"] == "ok" and own["read back"] == "ok: b'tampered'"
    assert own["env"] == {"ACTSPACE_TEST_SETTING": "passed"}
    assert own["effective capabilities"] == "0000000000000000"
    if os.geteuid() == 0:
        assert own["uid"] != 0
    assert course.state() == before  # the kernel wrote into its own copy of its folder only
    assert not (course.cwd / "mine.txt").exists()


def other_checkout(folder):
    """Another copy of the project on the grading machine: sources, an old build, the lessons' sources."""
    for part in ("solutions", "build/lib/solutions", "grader/exercises", "lessons/01_x"):
        (folder / part).mkdir(parents=True)
    (folder / "solutions" / "__init__.py").write_text("def relu(x):\n    return x * (x > 0)\n")
    (folder / "build" / "lib" / "solutions" / "relu_orthants.py").write_text("def relu(x):\n    return x\n")
    (folder / "grader" / "exercises" / "l05_transformer_layer.py").write_text("def ln(X):\n    return X\n")
    (folder / "lessons" / "01_x" / "01_x.ipynb").write_text('{"cells": ["### BEGIN SOLUTION"]}')
    return folder


SEARCH = PROBE + '''
import errno, importlib, sys
def no(path):
    try:
        with open(path, "rb") as f:
            return "empty" if not os.path.isdir(path) and f.read(1) == b"" else "readable"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
found = []
for top, dirs, files in os.walk("/"):
    if top in ("/proc", "/sys", "/dev") or top.startswith(("/proc/", "/sys/", "/dev/")):
        dirs[:] = []
        continue
    for name in dirs + files:
        path = os.path.join(top, name)
        if name in ("solutions", "lessons", "judge.py") or name.startswith(("__editable__", "l05_")):
            if not (os.path.isfile(path) and os.path.getsize(path) == 0):  # an install's files are covered empty
                found.append(path)
        elif name.endswith(".ipynb"):
            try:
                if "BEGIN SOLUTION" in open(path, errors="replace").read():
                    found.append(path)
            except OSError:
                pass
mounts = open("/proc/self/mounts").read()
def ln():
    from grader.exercises.l05_transformer_layer import ln
def bank():
    import grader
    return len(grader.exercise("layer_norm").misconceptions)
out = {"found": found, "paths": {p: no(p) for p in PATHS}, "mount points": [line.split()[1] for line in mounts.splitlines()],
       "ln": attempt(ln), "bank": attempt(bank), "grader from": os.path.dirname(importlib.import_module("grader").__file__),
       "path": [p for p in sys.path if p], "stand-in": sorted(os.listdir("/actspace/lib/grader/exercises"))
       if os.path.isdir("/actspace/lib/grader/exercises") else None,
       "figure code": "stand-in" if "stand-in" in open(importlib.import_module("actspace.plotting.untangling").__file__).read()
       else "real"}
print(json.dumps(out))
'''


def test_no_copy_of_the_reference_the_lessons_or_the_misconceptions_is_reachable(course, tmp_path):
    copy = other_checkout(tmp_path / "elsewhere")
    paths = [REPO / "solutions" / "__init__.py", REPO / "grader" / "exercises" / "l05_transformer_layer.py",
             REPO / "grader" / "reference" / "judge.py", INSTALLED_LESSONS / FIRST / f"{FIRST}.ipynb",
             copy / "solutions" / "__init__.py", copy / "build" / "lib" / "solutions" / "relu_orthants.py",
             copy / "grader" / "exercises" / "l05_transformer_layer.py", copy / "lessons" / "01_x" / "01_x.ipynb",
             *(pathlib.Path(p) for p in sandbox_plan.distribution_files())]
    assert all(p.exists() for p in paths)  # positive control: all there outside the sandbox
    from grader.exercises.l05_transformer_layer import ln  # noqa: F401  (and importable outside)
    texts, error, _ = execute(course, [f"PATHS = {json.dumps([str(p) for p in paths])}\n" + SEARCH])
    assert error is None, error
    got = results(texts[0])
    assert got["found"] == [], got["found"]
    assert got["stand-in"] is None  # no exercise registry at all: the cases come in a file
    assert got["figure code"] == "stand-in"  # actspace.plotting computes nothing in a grading kernel
    dist = set(sandbox_plan.distribution_files())  # the install's .pth and finder: covered by an empty file
    assert {got["paths"][str(p)] for p in paths if str(p) not in dist} <= {"ENOENT", "EACCES", "EROFS"}, got["paths"]
    assert {got["paths"][p] for p in dist} <= {"ENOENT", "EACCES", "EROFS", "empty", "EISDIR"}, got["paths"]
    python = os.path.realpath(sys.prefix)  # the installation itself may lie in a checkout (its .venv): only it
    named = [m for m in got["mount points"] if ("wt-attacks" in m or m.startswith("/work"))
             and not sandbox_plan.inside(m, python)]
    assert not named, named  # no checkout is mounted
    assert got["ln"] == "ModuleNotFoundError" and got["bank"] == "InstructorOnly"
    assert got["grader from"] == sandbox_plan.LIB + "/grader"
    assert not any(str(REPO) in p and not sandbox_plan.inside(p, python) for p in got["path"]), got["path"]


def test_the_same_search_without_the_sandbox_finds_them(course, tmp_path):
    """Positive control of the search above: run as a plain process, it finds the copies and reads them."""
    copy = other_checkout(tmp_path / "elsewhere")
    paths = [copy / "solutions" / "__init__.py", REPO / "grader" / "exercises" / "l05_transformer_layer.py"]
    code = SEARCH.replace('os.walk("/")', f'os.walk({str(tmp_path)!r})')
    run = subprocess.run([sys.executable, "-c", f"PATHS = {json.dumps([str(p) for p in paths])}\n" + code],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    got = results(run.stdout)
    assert str(copy / "solutions") in got["found"] and str(copy / "lessons" / "01_x" / "01_x.ipynb") in got["found"]
    assert set(got["paths"].values()) == {"readable"} and got["ln"] == "ok"


def test_kernel_has_no_network(course):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        texts, error, _ = execute(course, [PROBE + f'''
import socket
out = {{"grader's loopback": attempt(lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3).close()),
       "outside": attempt(lambda: socket.create_connection(("192.0.2.1", 80), timeout=3).close())}}
print(json.dumps(out))
'''])
    finally:
        server.close()
    assert error is None, error
    got = results(texts[0])
    assert got["grader's loopback"] == "ConnectionRefusedError"  # the sandbox's own loopback, where nothing listens
    assert got["outside"] in ("OSError", "TimeoutError")  # network is unreachable


def test_a_correct_notebook_runs_and_draws(course):
    nb_cells = ["import numpy as np\nimport matplotlib.pyplot as plt\nx = np.linspace(0, 1, 50)",
                "fig, ax = plt.subplots()\nax.plot(x, x ** 2)\nplt.show()",
                "from grader.checking import practice\nfrom grader.checking.runner import run_cases\n"
                "cases = practice.load('to_basis')[1]\n"
                "run = run_cases(lambda *a, **k: np.zeros(2), cases)\n"
                "print(len(run.outcomes) == len(cases), {o.status for o in run.outcomes}, run.called_reference)"]
    texts, error, nb = execute(course, nb_cells)
    assert error is None, error
    assert any("image/png" in o.get("data", {}) for o in nb.cells[1].outputs), nb.cells[1].outputs
    assert texts[2].split() == ["True", "{'ok'}", "None"], texts[2]


def test_a_python_beside_the_course_in_tmp_leaves_the_grading_folder_reachable(course, tmp_path, monkeypatch):
    """A venv and the course under one private folder in /tmp (as in pytest's and many a hub's /tmp).

    The interpreter's folder is bound again over the kernel's own /tmp; the
    folders above it must be the sandbox's, not the private host folder, or
    the kernel's user cannot reach its own working folder by its full path
    (the grading cases are read that way).
    """
    os.chmod(tmp_path, 0o700)
    python_here = tmp_path / "venv"
    python_here.mkdir()
    real = sandbox_plan.python_dirs
    monkeypatch.setattr(sandbox_plan, "python_dirs", lambda: [*real(), str(python_here)])
    texts, error, _ = execute(course, [f"print(open({str(course.cwd / 'data.txt')!r}).read())",
                                       f"import os; print(sorted(os.listdir({str(python_here)!r})))"])
    assert error is None, error
    assert texts == ["given data\n", "[]\n"], texts


# ---------------------------------------------------------------- what the kernel cannot keep or exceed


def test_a_detached_child_dies_with_the_kernel(course):
    marker = f"left-behind-{uuid.uuid4().hex}"
    texts, error, _ = execute(course, [f'''
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{marker}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # double fork: the grandchild belongs to nobody
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "{marker}"])
    os._exit(0)
time.sleep(1)
print(len([p for p in os.listdir("/proc") if p.isdigit()]))
'''])
    assert error is None, error
    assert int(texts[0]) >= 4  # init, kernel, and the two sleepers were running
    assert wait_until_gone(marker) == []


def test_memory_bomb_raises_memory_error_and_the_kernel_goes_on(course):
    texts, error, _ = execute(course, [PROBE + '''
import numpy as np
out = {"numpy 8 GiB": attempt(lambda: np.ones(2 ** 30).sum()), "bytes 8 GiB": attempt(lambda: len(bytearray(8 << 30)))}
print(json.dumps(out))
''', "print('still here')"], limits=sandbox.Limits(memory=2 << 30))
    assert error is None, error
    assert results(texts[0]) == {"numpy 8 GiB": "MemoryError", "bytes 8 GiB": "MemoryError"}
    assert texts[1].strip() == "still here"


def test_fork_loop_is_capped_and_limits_cannot_be_raised(course):
    texts, error, _ = execute(course, [PROBE + '''
import os, resource, time
children, stopped = [], None
try:
    for _ in range(500):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except OSError as e:
    stopped = e.errno
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
print(json.dumps({"children": len(children), "stopped": stopped,
                  "raise tasks": attempt(lambda: resource.setrlimit(resource.RLIMIT_NPROC, (10000, 10000))),
                  "raise memory": attempt(lambda: resource.setrlimit(resource.RLIMIT_AS, (-1, -1)))}))
''', "print('still here')"], limits=sandbox.Limits(processes=40))
    assert error is None, error
    got = results(texts[0])
    assert got["stopped"] == 11 and 0 < got["children"] < 40, got  # EAGAIN once the sandbox has 40 tasks
    assert got["raise tasks"] == got["raise memory"] == "ValueError"
    assert texts[1].strip() == "still here"


def test_os_exit_ends_only_the_kernel(course):
    marker = f"after-exit-{uuid.uuid4().hex}"
    texts, error, _ = execute(course, [
        f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'])",
        "import os\nos._exit(0)", "print('never')"])
    assert type(error).__name__ == "DeadKernelError"
    assert wait_until_gone(marker) == []
    texts, error, _ = execute(course, ["print('next kernel')"])  # grading goes on
    assert error is None and texts[0].strip() == "next kernel"


FILL_AND_PIN = PROBE + '''
import errno
def fill(folder):
    try:
        for i in range(10 ** 6):
            with open(os.path.join(folder, f"fill{i}"), "wb") as f:
                f.write(b"x" * (1 << 20))
    except OSError as e:
        return errno.errorcode[e.errno]
def deep(folder, levels=2500):
    try:
        for _ in range(levels):
            folder = os.path.join(folder, "d")
            os.mkdir(folder)
            os.chdir(folder)
            folder = "."
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
    finally:
        os.chdir(HERE)
HERE = os.getcwd()
out = {"deep": deep(HERE), "work": fill(HERE), "tmp": fill("/tmp"), "shm": fill("/dev/shm"),
       "root": attempt(lambda: write("/x")), "usr": attempt(lambda: write("/usr/x"))}
print(json.dumps(out))
'''


def test_filling_the_disk_and_a_deep_folder_stay_in_the_sandbox(course):
    before = course.state()
    limits = sandbox.Limits(tmp_size=8 << 20, work_size=8 << 20)
    texts, error, _ = execute(course, [FILL_AND_PIN, "print('still here')"], limits=limits)
    assert error is None, error
    got = results(texts[0])
    assert got["deep"] == "ok" and got["work"] == got["tmp"] == got["shm"] == "ENOSPC", got  # each capped at 8 MB
    assert got["root"] == got["usr"] == "OSError"  # read-only (EROFS)
    assert texts[1].strip() == "still here"
    assert course.state() == before  # nothing reached the grader's disk (its runtime folder is root's when root)


def test_remove_tree_removes_a_folder_deeper_than_python_recursion(tmp_path):
    from grader.course.files import remove_tree

    folder = tmp_path / "deep"
    os.mkdir(folder)
    fd = os.open(folder, os.O_RDONLY)
    for _ in range(3000):  # by descriptor: the path gets too long for the kernel
        os.mkdir("d", dir_fd=fd)
        fd2 = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = fd2
    os.close(fd)
    with pytest.raises(RecursionError):
        shutil.rmtree(folder)
    remove_tree(folder)
    assert not folder.exists()


def test_a_loop_that_ignores_interrupts_is_killed_by_the_wall_clock(course):
    start = time.monotonic()
    texts, error, _ = execute(course, [
        "print('started')", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"],
        limits=sandbox.Limits(wall_seconds=10), timeout=60)
    assert texts[0].strip() == "started"
    assert error is not None  # the kernel was killed while its cell ran
    assert time.monotonic() - start < 40


def test_cpu_time_is_capped(course):
    start = time.monotonic()
    texts, error, _ = execute(course, ["print('started')", "while True:\n    pass"],
                              limits=sandbox.Limits(cpu_seconds=3), timeout=60)
    assert texts[0].strip() == "started"
    assert type(error).__name__ == "DeadKernelError"
    assert time.monotonic() - start < 30


# ---------------------------------------------------------------- the pieces


def test_the_kernel_gets_only_allowed_environment_variables():
    from grader.sandbox.launch import kernel_env

    rules = {"names": list(sandbox.ENV_NAMES), "prefixes": list(sandbox.ENV_PREFIXES), "set": sandbox.ENV_SET}
    env = kernel_env({"PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "x", "ACTSPACE_AUTOGRADE": "evidence",
                      "JPY_PARENT_PID": "4242", "HOME": "/home/teacher", "LC_ALL": "C"}, rules)
    assert env["PATH"] == "/bin" and env["ACTSPACE_AUTOGRADE"] == "evidence" and env["LC_ALL"] == "C"
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["HOME"] == "/tmp" and env["JPY_PARENT_PID"] == "1"


def test_limits_come_from_the_course_config():
    from traitlets.config import Config

    c = Config()
    c.Sandbox.memory = 2 << 30
    c.Sandbox.processes = 64
    assert sandbox.Limits.from_config(c) == sandbox.Limits(memory=2 << 30, processes=64)
    c.Sandbox.memroy = 1
    with pytest.raises(sandbox.SandboxError, match="Sandbox.memroy"):
        sandbox.Limits.from_config(c)
    with pytest.raises(sandbox.SandboxError, match="positive whole number"):
        sandbox.Limits.from_config(Config({"Sandbox": {"memory": "2G"}}))


def test_plan_mounts_only_what_it_allows_and_covers_the_projects_files_in_it(tmp_path):
    site = tmp_path / "py" / "lib" / "python3.11" / "site-packages"
    for name in ("numpy", "solutions", "grader", "actspace-0.1.0.dist-info"):
        (site / name).mkdir(parents=True)
    finder = site / "__editable___actspace_finder.py"
    finder.write_text("MAPPING = {'grader': '/work/main/grader'}")
    (tmp_path / "usr" / "local").mkdir(parents=True)
    (tmp_path / "usr" / "lib").mkdir()
    excluded = tuple(str(site / n) for n in ("solutions", "grader", "actspace-0.1.0.dist-info")) + (str(finder),)
    plan = sandbox_plan.Plan(system=(str(tmp_path / "usr"),), python=(str(tmp_path / "py"),), excluded=excluded,
                             system_excluded=(str(tmp_path / "usr" / "local"),))
    args, _ = plan.args(empty="/E")
    joined = " ".join(args)
    assert f"--ro-bind {tmp_path}/usr {tmp_path}/usr" in joined and f"--ro-bind {tmp_path}/py {tmp_path}/py" in joined
    assert f"--tmpfs {tmp_path}/usr/local" in joined  # the system folder without /usr/local
    for folder in excluded[:3]:
        assert f"--tmpfs {folder}" in joined and f"--remount-ro {folder}" in joined
    assert f"--ro-bind /E {finder}" in joined
    assert "--ro-bind / /" not in joined  # nothing else


def test_a_venv_inside_the_checkout_is_mounted_and_the_checkout_is_not(tmp_path):
    """`python3 -m venv .venv` in the checkout (what scripts/test does where pip may not install): only the venv."""
    checkout = tmp_path / "actspace"
    venv = checkout / ".venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "numpy").mkdir(parents=True)
    finder = site / "__editable___actspace_finder.py"
    finder.write_text(f"MAPPING = {{'grader': '{checkout}/grader'}}")
    (checkout / "solutions").mkdir()
    plan = sandbox_plan.Plan(system=(), python=(str(venv),), excluded=(str(checkout), str(finder)))
    args, _ = plan.args(empty="/E")
    joined = " ".join(args)
    assert f"--ro-bind {venv} {venv}" in joined
    assert f"--ro-bind /E {finder}" in joined
    assert f"--ro-bind {checkout} " not in joined and f"{checkout}/solutions" not in joined  # only an empty folder


def test_a_kernel_starts_only_in_a_grading_folder(course, tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    path = sandbox.write_policy(str(private), sandbox.policy(str(private), [str(course.job / "autograded")],
                                                             str(course.root)))
    elsewhere = subprocess.run([sys.executable, "-I", "-S", sandbox.LAUNCHER, path, "--probe"], cwd=course.root,
                               capture_output=True, text=True, timeout=60)
    assert elsewhere.returncode != 0 and "not a grading folder" in elsewhere.stderr
    inside = subprocess.run([sys.executable, "-I", "-S", sandbox.LAUNCHER, path, "--probe"], cwd=course.cwd,
                            capture_output=True, text=True, timeout=60)
    sandbox.remove(str(private))
    assert inside.returncode == 0 and "sandbox ok" in inside.stdout, inside.stderr


def test_start_up_overhead_is_small(course):
    """Kernel start to ready, sandboxed and not (the figure is in the report; here only a generous bound)."""
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    def ready_seconds(config, name):
        start = time.perf_counter()
        km = KernelManager(kernel_name=name, config=config)
        km.start_kernel(cwd=str(course.cwd))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            return time.perf_counter() - start
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    plain, boxed = [], []
    for _ in range(3):
        plain.append(ready_seconds(Config(), "python3"))
        with sandbox.kernels(course.job, course.root) as config:
            boxed.append(ready_seconds(config, sandbox.KERNEL_NAME))
    print(f"kernel ready: plain {sorted(plain)[1]:.3f} s, sandboxed {sorted(boxed)[1]:.3f} s (medians of 3)")
    assert sorted(boxed)[1] < sorted(plain)[1] + 1.0


# ---------------------------------------------------------------- actspace autograde around it


def actspace(*args, env=None):
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


def tiny_lesson(folder):
    """A one-exercise source lesson: x must be 1."""
    answer = new_code_cell("x = 0\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    answer.metadata.nbgrader = {"grade": False, "solution": True, "locked": False, "grade_id": "answer",
                                "schema_version": 3}
    test = new_code_cell("assert x == 1")
    test.metadata.nbgrader = {"grade": True, "solution": False, "locked": True, "grade_id": "check", "points": 1,
                              "schema_version": 3}
    nb = new_notebook(cells=[new_markdown_cell("Set x to 1."), answer, test])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (folder / "01_tiny").mkdir(parents=True)
    nbformat.write(nb, folder / "01_tiny" / "01_tiny.ipynb")


ATTACK = '''x = 1
import glob, os
for path in ["../../../gradebook.db", "../../../../../gradebook.db"]:  # the job's copy, the course's
    try:
        open(path, "wb").write(b"all full marks")
        print("WROTE", path)
    except OSError as e:
        print("blocked", path, type(e).__name__)
print("source visible:", glob.glob("../../../../../lessons/*/*.ipynb"))
'''


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    """A released one-lesson course with two submissions: a right answer, and one that attacks the gradebook."""
    root = tmp_path_factory.mktemp("tiny") / "course"
    root.mkdir(mode=0o700)  # a course folder as the README makes it (an open one is warned about)
    tiny_lesson(root / "lessons")
    released = actspace("release", "--course", root)
    assert released.returncode == 0, released.stderr
    nb = nbformat.read(root / "release" / "01_tiny" / "01_tiny.ipynb", as_version=4)
    for student, code in (("ada", "x = 1"), ("eve", ATTACK)):
        nb.cells[1].source = code
        (root / "submitted" / student / "01_tiny").mkdir(parents=True)
        nbformat.write(nb, root / "submitted" / student / "01_tiny" / "01_tiny.ipynb")
    return root


def scores(root):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "actspace") as gb:
        return {s.student.id: s.score for a in gb.assignments for s in a.submissions}


def test_autograde_refuses_without_a_working_sandbox(tiny_course, tmp_path):
    fake = tmp_path / "bwrap"  # answers --help like bwrap, cannot make namespaces
    fake.write_text(f"#!/bin/sh\n[ \"$1\" = --help ] && exec {sandbox.bwrap_path() or 'bwrap'} --help\n"
                    "echo 'bwrap: No permissions to create a new namespace' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    before = (tiny_course / "gradebook.db").read_bytes()
    result = actspace("autograde", "--course", tiny_course, env={"ACTSPACE_BWRAP": str(fake)})
    assert result.returncode == 2
    assert "No permissions to create a new namespace" in result.stderr and "--no-sandbox" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    missing = actspace("autograde", "--course", tiny_course, env={"ACTSPACE_BWRAP": str(tmp_path / "none")})
    assert missing.returncode == 2 and "bubblewrap is not installed" in missing.stderr
    assert (tiny_course / "gradebook.db").read_bytes() == before


def test_autograde_grades_in_the_sandbox_and_the_attack_fails(tiny_course):
    result = actspace("autograde", "--course", tiny_course)
    assert result.returncode == 0, result.stderr
    assert "Autograded 2 of 2" in result.stdout, result.stdout
    assert scores(tiny_course) == {"ada": 1.0, "eve": 1.0}  # eve's score is her answer's, not her write's
    graded = nbformat.read(tiny_course / "autograded" / "eve" / "01_tiny" / "01_tiny.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in graded.cells[1].outputs)
    assert "WROTE" not in printed and printed.count("blocked") == 2, printed
    assert "source visible: []" in printed


def test_autograde_no_sandbox_warns_and_grades(tiny_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(tiny_course, root)
    shutil.rmtree(root / "submitted" / "eve")  # unsandboxed, her attack would work
    result = actspace("autograde", "--no-sandbox", "--course", root, env={"ACTSPACE_BWRAP": str(tmp_path / "none")})
    assert result.returncode == 0, result.stderr
    assert "warning: grading WITHOUT the sandbox" in result.stderr
    assert "bubblewrap is not installed" in result.stderr  # and why it would not start
    assert "Autograded 1 of 1" in result.stdout
    assert scores(root)["ada"] == 1.0


def test_a_full_disk_gives_one_line_and_leaves_the_gradebook(tiny_course, tmp_path):
    """The course on a small tmpfs that is full: autograde says so in one line, no traceback, gradebook unchanged."""
    script = f'''set -e
cp -r {tiny_course} /small/course
sha256sum /small/course/gradebook.db > /small/before
head -c 100000000 /dev/zero > /small/filler 2>/dev/null || true
set +e
{sys.executable} -m grader.cli autograde --no-sandbox --course /small/course 2>&1
echo "status $?"
sha256sum -c --quiet /small/before && echo "gradebook unchanged"
'''
    run = subprocess.run([sandbox.bwrap_path(), "--dev-bind", "/", "/", "--size", str(8 << 20), "--tmpfs", "/small",
                          "sh", "-c", script], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "ACTSPACE_BWRAP": str(tmp_path / "none")})
    out = run.stdout
    assert "status 2" in out and "gradebook unchanged" in out, out + run.stderr
    errors = [l for l in out.splitlines() if "error:" in l]
    assert len(errors) == 1 and "the disk is full" in errors[0] and "Traceback" not in out, out


SPINNER = '''import os, time
for _ in range(240):
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
time.sleep(120)
'''
HONEST = "import time\nstart = time.perf_counter()\nsum(i * i for i in range(3_000_000))\nprint(time.perf_counter() - start)"


def test_a_spinner_cannot_slow_a_concurrent_honest_student_past_a_cell_timeout(course, tmp_path):
    assert sandbox.cgroups.available_controller() is not None, \
        "no cgroup cpu controller here: a sandbox's processes would share no CPU budget (README: the grading sandbox)"
    from jupyter_client.manager import KernelManager

    honest_course = FakeCourse(tmp_path / "honest")
    alone = float(execute(honest_course, [HONEST])[0][0])
    with sandbox.kernels(course.job, course.root, limits=sandbox.Limits(processes=400)) as config:
        km = KernelManager(kernel_name=sandbox.KERNEL_NAME, config=config)
        km.start_kernel(cwd=str(course.cwd))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            kc.execute(SPINNER)
            time.sleep(3)  # the 240 children spin
            texts, error, _ = execute(honest_course, [HONEST], timeout=20)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    assert error is None, error
    beside = float(texts[0])
    print(f"honest cell: {alone:.2f} s alone, {beside:.2f} s beside 240 spinners")
    assert beside < 10 * max(alone, 0.3) and beside < 20
