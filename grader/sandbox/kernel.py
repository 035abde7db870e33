"""Inside the sandbox: bind the kernel's sockets, become the sandbox's user, fill the working folder, cap, run.

``python kernel.py SETTINGS_JSON -f CONNECTION_FILE [...]``, started by
bwrap (see ``launch.py``). ipykernel is initialised first, which binds its
sockets in the runtime folder; when bwrap ran as root, that folder is
root's, and only then does this process become the unprivileged user that
SETTINGS_JSON names (the only capabilities it has are the ones to do that),
so the student's code cannot write into any folder of the grader's. The
notebook's folder (read-only at ``stage``) is copied into the working
folder (a size-limited tmpfs at ``work``). Every limit is set with
soft = hard, so the student's code cannot raise it again. ``--probe`` sets
everything up and exits instead of starting a kernel.
"""
import json
import os
import resource
import shutil
import sys

RLIMITS = {
    "memory": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,  # tasks of this user (of this user namespace, on Linux >= 5.14)
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_size": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "core_size": resource.RLIMIT_CORE,
}


def become(uid, gid):
    """Drop to an unprivileged user for good (bwrap set no_new_privs: nothing can give root back)."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def cap(limits):
    """Set every limit in `limits` (a name of RLIMITS -> value) as soft = hard, never above the current hard."""
    for name, value in limits.items():
        _, hard = resource.getrlimit(RLIMITS[name])
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(RLIMITS[name], (value, value))


def fill(stage, work):
    """Copy the notebook's folder into the working folder, writable by the kernel's user (links are not followed)."""
    try:
        for top, dirs, files in os.walk(stage):
            target = os.path.join(work, os.path.relpath(top, stage))
            os.makedirs(target, mode=0o777, exist_ok=True)
            os.chmod(target, 0o777)
            for name in files:
                src, dst = os.path.join(top, name), os.path.join(target, name)
                if not os.path.islink(src) and os.path.isfile(src):
                    shutil.copyfile(src, dst)
                    os.chmod(dst, 0o666)
    except (OSError, RecursionError) as e:  # a folder too large or too deep: the kernel starts with what fitted
        print(f"sandbox: the notebook's folder was not copied whole: {e}", file=sys.stderr)


def main(argv):
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # the boot folder is not a place to import modules from
    settings = json.loads(argv[1])
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")  # if memory runs out anyway, the sandbox is killed first
    app = None
    if argv[2:] != ["--probe"]:
        from ipykernel.kernelapp import IPKernelApp

        old = os.umask(0)  # what it makes in the private /tmp stays usable by the kernel's user
        app = IPKernelApp.instance()
        app.initialize([*argv[2:], "--HistoryManager.hist_file=:memory:"])  # binds the sockets
        os.umask(old)
    fill(settings["stage"], settings["work"])
    if settings.get("user") is not None:
        become(*settings["user"])
    cap(settings["limits"])
    if app is None:
        print("sandbox ok", flush=True)
        return
    app.start()


if __name__ == "__main__":
    main(sys.argv)
