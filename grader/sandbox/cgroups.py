"""One CPU budget per sandbox: all processes of one grading kernel share it, however many they start.

With cgroup v2 (``/sys/fs/cgroup/cgroup.controllers`` lists ``cpu``) a job
gets ``cpu.max``; with cgroup v1 (a ``cpu`` hierarchy, as in many
containers) ``cpu.cfs_quota_us`` and equal ``cpu.shares``. Each kernel's
launcher makes a group of its own inside the job's and moves itself there
before it starts bwrap (``launch.join_cgroup``), so a kernel that starts
240 spinning children still gets at most ``cpus`` CPUs, and two sandboxes
get equal shares when both are busy. Needs root (the grader runs as root);
without a writable cpu controller there is no budget, and the task and CPU
seconds limits are what is left (``available_controller`` says which).
"""
import os
import signal

V2 = "/sys/fs/cgroup"
V1 = "/sys/fs/cgroup/cpu"
PERIOD = 100_000  # microseconds
PREFIX = "actspace-"


def _v2():
    try:
        with open(os.path.join(V2, "cgroup.controllers")) as f:
            return "cpu" in f.read().split()
    except OSError:
        return False


def available_controller():
    """"v2", "v1" or None: the cpu controller this process may use to share CPU between sandboxes."""
    if os.geteuid() != 0:
        return None
    if _v2() and os.access(V2, os.W_OK):
        return "v2"
    if os.path.isfile(os.path.join(V1, "cpu.cfs_quota_us")) and os.access(V1, os.W_OK):
        return "v1"
    return None


def _name(private):
    return PREFIX + os.path.basename(os.path.normpath(private))


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def create(private, cpus):
    """The job's cgroup folder (made here), in which each kernel makes its own; None if there is no controller."""
    kind = available_controller()
    if kind is None:
        return None
    group = os.path.join(V2 if kind == "v2" else V1, _name(private))
    try:
        os.makedirs(group, exist_ok=True)
        if kind == "v2":
            _write(os.path.join(V2, "cgroup.subtree_control"), "+cpu")
            _write(os.path.join(group, "cgroup.subtree_control"), "+cpu")
            _write(os.path.join(group, "cpu.max"), f"{cpus * PERIOD} {PERIOD}")
        else:
            _write(os.path.join(group, "cpu.cfs_period_us"), PERIOD)
            _write(os.path.join(group, "cpu.cfs_quota_us"), cpus * PERIOD)
            _write(os.path.join(group, "cpu.shares"), 1024)
    except OSError:
        _rmdir(group)
        return None
    return group


def _pids(group):
    try:
        with open(os.path.join(group, "cgroup.procs")) as f:
            return [int(line) for line in f if line.strip()]
    except OSError:
        return []


def _rmdir(group):
    """Remove a cgroup and the groups in it, killing what still runs in them (the sandbox's own processes)."""
    if not os.path.isdir(group):
        return
    for entry in os.scandir(group):
        if entry.is_dir(follow_symlinks=False):
            _rmdir(entry.path)
    for _ in range(50):
        pids = _pids(group)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.rmdir(group)
            return
        except OSError:
            import time

            time.sleep(0.05)


def remove(private):
    """Remove the cgroup `create` made for the job whose folder is `private` (nothing if there is none)."""
    for base in (V2, V1):
        _rmdir(os.path.join(base, _name(private)))
