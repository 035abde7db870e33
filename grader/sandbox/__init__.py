"""The grading sandbox: students' kernels run in bubblewrap and see only what an allow-list mounts.

Inside the sandbox the kernel sees, read-only, the system's libraries, the
Python installation without this project's own files, and the learner side
of this project copied into a tree of its own (``plan.py``, ``tree.py``):
never the course, the checkout, ``solutions``, ``grader/exercises``,
``grader/reference`` or the lessons' sources, wherever they are. Its only
writable places are size-limited tmpfs: a copy of its notebook's folder,
``/tmp`` and ``/dev/shm``. There is no network: the kernel talks to the
grader over unix sockets in a runtime folder bound into the sandbox, which,
run by root, it cannot write to. The kernel has its own PID namespace, so
whatever it leaves behind dies with it, and limits on memory, tasks, CPU
time, file size, open files and wall time; where the machine has a cgroup
CPU controller, all processes of one sandbox share one CPU's worth of time
(``cgroups.py``), so a spinner slows only itself.

Run by root, bwrap keeps root (it needs no user namespace) and the kernel
drops to a user of its own; run by anyone else, bwrap uses an unprivileged
user namespace. Either way the task limit (RLIMIT_NPROC) counts only the
sandbox's own tasks.

For autograding: ``available()`` says whether the sandbox starts here, and
``kernels(...)`` is a block inside which nbgrader's Execute runs its kernels
sandboxed, with the config it yields. A course sets other limits in its
nbgrader config, e.g. ``c.Sandbox.memory = 2 << 30`` (see ``Limits``).
"""
import contextlib
import dataclasses
import functools
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

from traitlets.config import Config

from grader.course.files import remove_tree
from grader.sandbox import cgroups, plan as sandbox_plan, tree

KERNEL_NAME = "actspace-sandbox"
HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(HERE, "launch.py")
INNER = sandbox_plan.BOOT + "/kernel.py"  # inside the sandbox (a copy of kernel.py, see tree.py)
_PROBE_SECONDS = 60

# The kernel's environment: these variables of the grader's, and the fixed ones below.
ENV_NAMES = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "PYTHONPATH", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE",
             "PYTHONUNBUFFERED", "PYTHONWARNINGS", "PYTHONIOENCODING", "MPLBACKEND", "OMP_NUM_THREADS",
             "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VIRTUAL_ENV",
             "PYDEVD_DISABLE_FILE_VALIDATION")
ENV_PREFIXES = ("LC_", "ACTSPACE_", "NBGRADER_")
ENV_SET = {"PYTHONPATH": sandbox_plan.LIB, "HOME": "/tmp", "TMPDIR": "/tmp", "USER": "student", "LOGNAME": "student",
           "JPY_PARENT_PID": "1"}  # the kernel's parent is the sandbox's init: ipykernel then polls no parent

_ROOT_USERS = (2_000_000_000, 1 << 22)  # kernels of root: uid 2e9 + launcher pid (pid_max <= 2**22)
_SMALL_MAP_USERS = (60_000, 5_000)  # when this system's user map is too small for that (pids modulo 5000)


class SandboxError(Exception):
    """The sandbox cannot be set up."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one grading kernel may use; each process limit holds for the kernel and every child."""

    memory: int = 4 << 30  # bytes of address space per process (RLIMIT_AS)
    processes: int = 128  # tasks (processes and threads) of the sandbox (RLIMIT_NPROC)
    cpu_seconds: int = 900  # CPU time per process (RLIMIT_CPU); a backstop for the per-cell timeout
    wall_seconds: int = 1800  # the kernel's whole life, then it is killed
    file_size: int = 256 << 20  # largest file it may write (RLIMIT_FSIZE)
    open_files: int = 1024  # RLIMIT_NOFILE
    tmp_size: int = 256 << 20  # the private /tmp and /dev/shm, each (tmpfs: memory)
    work_size: int = 256 << 20  # the kernel's working folder, a copy of its notebook's folder (tmpfs: memory)
    cpus: int = 1  # CPUs' worth of time all processes of the sandbox share (where cgroups allow)

    @classmethod
    def from_config(cls, config):
        """The limits set in the `Sandbox` section of an nbgrader config (`c.Sandbox.memory = 2 << 30`), defaults elsewhere."""
        section = dict(config.get("Sandbox", {})) if config is not None else {}
        names = {f.name for f in dataclasses.fields(cls)}
        for name, value in section.items():
            if name not in names:
                raise SandboxError(f"unknown setting Sandbox.{name} (known: {', '.join(sorted(names))})")
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise SandboxError(f"Sandbox.{name} must be a positive whole number, not {value!r}")
        return cls(**section)

    def rlimits(self):
        """The limits kernel.py sets, by its names."""
        return {"memory": self.memory, "processes": self.processes, "cpu_seconds": self.cpu_seconds,
                "file_size": self.file_size, "open_files": self.open_files, "core_size": 0}


def bwrap_path():
    """The bubblewrap binary: $ACTSPACE_BWRAP, else `bwrap` on PATH (None if there is none)."""
    chosen = os.environ.get("ACTSPACE_BWRAP")
    return chosen if chosen else shutil.which("bwrap")


def _check_tools():
    """(bwrap, timeout) paths, or SandboxError saying what is missing."""
    if not sys.platform.startswith("linux"):
        raise SandboxError("the grading sandbox needs Linux (bubblewrap)")
    bwrap = bwrap_path()
    if not bwrap or not os.access(bwrap, os.X_OK):
        raise SandboxError(f"bubblewrap is not installed ({bwrap or 'no bwrap on PATH'}): "
                           "install it, e.g. `apt-get install bubblewrap`")
    timeout = shutil.which("timeout")
    if not timeout:
        raise SandboxError("`timeout` (coreutils) is not on PATH")
    usage = _usage(bwrap)
    if "--size" not in usage or "--disable-userns" not in usage:
        raise SandboxError(f"{bwrap} is too old: bubblewrap 0.8 or newer is needed (--size, --disable-userns)")
    return bwrap, timeout


@functools.lru_cache(maxsize=None)
def _usage(bwrap):
    """What `bwrap --help` says (SandboxError if it does not run)."""
    try:
        return subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise SandboxError(f"{bwrap} does not run: {e}") from None


def _maps(first, count):
    """Are uids and gids first .. first+count-1 all mapped in this process's user namespace?"""
    for name in ("uid_map", "gid_map"):
        try:
            with open(f"/proc/self/{name}") as f:
                ranges = [tuple(map(int, line.split())) for line in f if line.strip()]
        except OSError:
            return False
        if not any(inner <= first and first + count <= inner + length for inner, _, length in ranges):
            return False
    return True


def _namespace_flags(as_root):
    """bwrap's namespace and privilege options: with root, bwrap needs no user namespace."""
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--hostname", "actspace-sandbox", "--die-with-parent", "--new-session"]
    if as_root:  # the kernel keeps only what it needs to become the sandbox's user
        return flags + ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return ["--unshare-user", "--disable-userns"] + flags


def _font_cache():
    """[(matplotlib's font list here, where the kernel's matplotlib looks for it)]: saves rebuilding it."""
    folder = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    return [(path, f"/tmp/.cache/matplotlib/{os.path.basename(path)}")
            for path in sorted(glob.glob(os.path.join(folder, "fontlist-v*.json")))[-1:]]


def policy(private, workdirs, course_root=None, sources=(), limits=None):
    """What launch.py needs to start one job's kernels (a JSON-able dict).

    `private` is this job's own folder for the runtime files and scratch
    copies; kernels may start only in a folder inside one of `workdirs`.
    """
    limits = limits or Limits()
    bwrap, timeout = _check_tools()
    as_root = os.geteuid() == 0
    users = None
    if as_root:
        users = _ROOT_USERS if _maps(*_ROOT_USERS) else _SMALL_MAP_USERS
    lib = os.path.join(private, "tree")
    if not os.path.isdir(lib):
        tree.build(lib)
    mounts, made = sandbox_plan.plan(course_root, sources).args(empty=os.path.join(lib, "empty"))
    mounts += [*sandbox_plan.mkdirs(sandbox_plan.ROOT, made), "--perms", "0755", "--dir", sandbox_plan.ROOT,
               "--ro-bind", os.path.join(lib, "lib"), sandbox_plan.LIB,
               "--ro-bind", os.path.join(lib, "boot"), sandbox_plan.BOOT]
    made.append(sandbox_plan.ROOT)
    return {
        "bwrap": bwrap, "timeout": timeout, "wall_seconds": limits.wall_seconds,
        "flags": _namespace_flags(as_root), "mounts": mounts, "made": made,
        "sizes": {"tmp": limits.tmp_size, "work": limits.work_size}, "stage": sandbox_plan.STAGE,
        "workdirs": [os.path.realpath(w) for w in workdirs], "runtime": os.path.join(private, "run"),
        "cgroup": cgroups.create(private, limits.cpus) if as_root else None,
        "files": [list(f) for f in _font_cache()], "users": users, "limits": limits.rlimits(),
        "env": {"names": list(ENV_NAMES), "prefixes": list(ENV_PREFIXES), "set": dict(ENV_SET)},
        "kernel": [sys.executable, INNER],
        # a Python installation (a venv, say) inside /tmp: bound again over the kernel's private /tmp
        "python_in_tmp": sandbox_plan._outermost(d for d in sandbox_plan._real(sandbox_plan.python_dirs())
                                                if sandbox_plan.inside(d, "/tmp")),
    }


def write_policy(private, the_policy):
    """Write the policy and the kernelspec that starts kernels under it into `private`; returns the policy's path."""
    os.makedirs(the_policy["runtime"], exist_ok=True)
    path = os.path.join(private, "policy.json")
    with open(path, "w") as f:
        json.dump(the_policy, f, indent=1)
    spec_dir = os.path.join(private, "kernels", KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    spec = {"argv": [sys.executable, "-I", "-S", LAUNCHER, path, "{connection_file}"],
            "display_name": "Python 3 (actspace sandbox)", "language": "python",
            "interrupt_mode": "message",  # a signal would reach bwrap and timeout, not just the kernel
            "metadata": {"debugger": False}}
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return path


def config_for(private, job_workdir, course_root, sources=(), limits=None):
    """The nbgrader config that runs one job's kernels in the sandbox (kernelspec written into `private`).

    Kernels may run only in `job_workdir/autograded` (where nbgrader
    executes), each in a size-limited copy of its folder; `course_root` and the
    lessons' `sources` are never mounted. The kernelspec is found through
    JUPYTER_PATH: use `kernels()`, which sets it.
    """
    the_policy = policy(private, [os.path.join(job_workdir, "autograded")], course_root, sources, limits)
    write_policy(private, the_policy)
    c = Config()
    c.Execute.kernel_name = KERNEL_NAME
    c.KernelManager.transport = "ipc"  # no network in the sandbox: unix sockets in the runtime folder
    c.KernelManager.connection_file = os.path.join(the_policy["runtime"], "kernel.json")
    return c


def _private_dir():
    """A new folder of our own for one job's sandbox files (short: unix socket paths have ~100 bytes)."""
    base = tempfile.gettempdir()
    return os.path.realpath(tempfile.mkdtemp(prefix="actspace-sandbox-", dir=base if len(base) < 40 else "/tmp"))


@contextlib.contextmanager
def _on_jupyter_path(folder):
    """Put `folder` first on JUPYTER_PATH (where jupyter_client looks for kernelspecs) for the block."""
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([folder] + ([old] if old else []))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old


def remove(folder):
    """Delete a job's sandbox folder and its CPU budget, however deep or read-only what is in it."""
    cgroups.remove(folder)
    remove_tree(folder)


@contextlib.contextmanager
def kernels(job_workdir, course_root, sources=(), limits=None):
    """Inside this block, nbgrader run with the yielded Config grades `job_workdir` in sandboxed kernels."""
    private = _private_dir()
    try:
        config = config_for(private, job_workdir, course_root, sources, limits)
        with _on_jupyter_path(private):
            yield config
    finally:
        remove(private)


@functools.lru_cache(maxsize=None)
def available():
    """(ok, what): can grading kernels start in the sandbox here? Starts one sandboxed process, once.

    `what` says how the sandbox runs, or in one line why it cannot.
    """
    try:
        private = _private_dir()
    except OSError as e:
        return False, f"no temporary folder for the sandbox: {e}"
    try:
        work = os.path.join(private, "job", "autograded")
        os.makedirs(work)
        path = write_policy(private, policy(private, [work], os.path.join(private, "job")))
        probe = subprocess.run([sys.executable, "-I", "-S", LAUNCHER, path, "--probe"], cwd=work,
                               capture_output=True, text=True, timeout=_PROBE_SECONDS)
    except SandboxError as e:
        return False, str(e)
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"the sandbox did not start: {type(e).__name__}: {e}"
    finally:
        remove(private)
    if probe.returncode == 0 and "sandbox ok" in probe.stdout:
        how = "bwrap as root, kernels as their own user" if os.geteuid() == 0 else "bwrap in a user namespace"
        return True, f"bubblewrap sandbox ({how})"
    lines = [l.strip() for l in probe.stderr.splitlines() if l.strip()]
    return False, f"the sandbox did not start: {lines[-1] if lines else f'exit status {probe.returncode}'}"
