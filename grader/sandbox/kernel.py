"""Inside the sandbox: become the sandbox's user, cap this process and its children, then run ipykernel.

``python kernel.py LIMITS_JSON -f CONNECTION_FILE [...]``, started by
bwrap (see ``launch.py``). When bwrap ran as root, LIMITS_JSON names
the unprivileged user to become first (the only capabilities this process
has are the ones to do that). Every limit is set with soft = hard, so the
student's code cannot raise it again. ``--probe`` sets everything up and
exits instead of starting a kernel.
"""
import json
import os
import resource
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


def main(argv):
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # grader/ itself is not a place to import top-level modules from
    settings = json.loads(argv[1])
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")  # if memory runs out anyway, the sandbox is killed first
    if settings.get("user") is not None:
        become(*settings["user"])
    cap(settings["limits"])
    if argv[2:] == ["--probe"]:
        print("sandbox ok", flush=True)
        return
    sys.argv = [argv[0], *argv[2:]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main(sys.argv)
