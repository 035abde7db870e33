"""Start a grading kernel inside bubblewrap: the sandbox kernelspec's argv runs this file.

``python -I -S launch.py POLICY CONNECTION_FILE [KERNEL_ARGS...]``,
started by jupyter_client in the folder the notebook executes in (standard
library only, so it starts fast). It empties the runtime folder but for the
connection file, keeps only the allowed environment variables, puts itself
(and so the whole sandbox) into a CPU budget of its own when the machine has
cgroups, and replaces itself with ``timeout`` (the wall-time cap) running
``bwrap`` running ``kernel.py`` (user and limits) running ipykernel.

Inside, the kernel sees only what the policy mounts (``plan.py``); its only
writable places are size-limited tmpfs: its working folder (at the
notebook's folder's path, filled with a copy of it), ``/tmp`` and
``/dev/shm``. Nothing it writes reaches the grader's disk: run by root, the
runtime folder (its sockets) stays root's, and the kernel binds its sockets
before it drops to the sandbox's user.

``--probe`` instead of CONNECTION_FILE runs the same sandbox around a check
that only sets the user and the limits (see ``grader.sandbox.available``).
"""
import json
import os
import shutil
import sys


def inside(path, folder):
    """Is `path` equal to `folder` or below it?"""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def mkdirs(dest, tmpfs, perms="0755"):
    """bwrap arguments that create the folders above `dest` inside its tmpfs, with `perms`.

    (bwrap would make them itself, but only for root; `tmpfs` lists the tmpfs mount points.)
    """
    roots = [t for t in tmpfs if inside(dest, t) and dest != t]
    if not roots:
        return []
    root, a = max(roots, key=len), []
    parent = os.path.dirname(dest)
    chain = []
    while parent != root and inside(parent, root):
        chain.append(parent)
        parent = os.path.dirname(parent)
    for folder in reversed(chain):
        a += ["--perms", perms, "--dir", folder]
    return a


def kernel_env(environ, rules):
    """The environment the kernel gets: the allowed variables of `environ`, then the fixed ones."""
    prefixes = tuple(rules["prefixes"])
    env = {k: v for k, v in environ.items() if k in rules["names"] or k.startswith(prefixes)}
    env.update(rules["set"])
    return env


def check_cwd(cwd, policy):
    """SystemExit unless `cwd` is a grading folder of the policy."""
    if not any(inside(cwd, w) for w in policy["workdirs"]):
        raise SystemExit(f"sandbox: refusing to start a kernel in {cwd}: not a grading folder")


def join_cgroup(policy):
    """Move this process (and so everything it starts) into a new cgroup under the job's (if it has one)."""
    group = policy.get("cgroup")
    if not group:
        return
    mine = os.path.join(group, f"k{os.getpid()}")
    try:
        os.mkdir(mine)
        with open(os.path.join(mine, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    except OSError as e:
        raise SystemExit(f"sandbox: cannot join the CPU budget {mine}: {e}")


def clear_runtime(runtime, keep):
    """Delete everything in the runtime folder but the connection file `keep` (what an earlier kernel left)."""
    for name in os.listdir(runtime):
        path = os.path.join(runtime, name)
        if os.path.realpath(path) == os.path.realpath(keep):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def sandbox_user(first, count):
    """(uid, gid) for this sandbox, from this process's id: no two live launchers share it if `count` > pid_max."""
    uid = first + os.getpid() % count
    return uid, uid


def command(policy, cwd, settings, kernel_args):
    """timeout + bwrap + the kernel, as one argv."""
    made = list(policy["made"])
    a = [policy["timeout"], "-s", "KILL", str(policy["wall_seconds"]), policy["bwrap"], *policy["flags"],
         *policy["mounts"], "--proc", "/proc", "--dev", "/dev"]
    sizes = policy["sizes"]
    a += ["--perms", "1777", "--size", str(sizes["tmp"]), "--tmpfs", "/dev/shm"]
    a += ["--perms", "1777", "--size", str(sizes["tmp"]), "--tmpfs", "/tmp"]  # first: what lies in /tmp goes on it
    made = [m for m in made if not inside(m, "/tmp")] + ["/tmp"]  # folders made in /tmp before are hidden now
    for d in policy.get("python_in_tmp", ()):  # the interpreter must stay visible over the private /tmp
        a += [*mkdirs(d, made), "--ro-bind", d, d]
    a += [*mkdirs(cwd, made), "--perms", "0777", "--size", str(sizes["work"]), "--tmpfs", cwd]
    a += [*mkdirs(policy["stage"], made), "--ro-bind", cwd, policy["stage"]]
    a += [*mkdirs(policy["runtime"], made), "--bind", policy["runtime"], policy["runtime"]]
    for src, dst in policy["files"]:  # into the private /tmp, in folders the kernel may write to
        a += [*mkdirs(dst, made, "1777"), "--ro-bind", src, dst]
    a += ["--remount-ro", "/"]
    return a + ["--chdir", cwd, "--", *policy["kernel"], json.dumps(settings), *kernel_args]


def main(argv):
    with open(argv[1]) as f:
        policy = json.load(f)
    kernel_args = ["--probe"] if argv[2] == "--probe" else ["-f", argv[2], *argv[3:]]
    clear_runtime(policy["runtime"], os.path.abspath(argv[2]))
    cwd = os.getcwd()
    check_cwd(cwd, policy)
    settings = {"user": None, "limits": policy["limits"], "stage": policy["stage"], "work": cwd}
    if policy["users"] is not None:  # run by root: bwrap stays root, the kernel becomes this user
        settings["user"] = sandbox_user(*policy["users"])
        os.chmod(policy["runtime"], 0o700)  # root's: the kernel binds its sockets before it drops to the user
    join_cgroup(policy)
    args = command(policy, cwd, settings, kernel_args)
    os.execve(args[0], args, kernel_env(os.environ, policy["env"]))


if __name__ == "__main__":
    main(sys.argv)
