"""Start a grading kernel inside bubblewrap: the sandbox kernelspec's argv runs this file.

``python -I -S launch.py POLICY CONNECTION_FILE [KERNEL_ARGS...]``,
started by jupyter_client in the folder the notebook executes in (standard
library only, so it starts fast). It empties the runtime folder but for the
connection file, copies the notebook's folder to a scratch folder (the
kernel writes there, never into the grader's own files) and keeps only the
allowed environment variables. Run by root, it picks the sandbox's
user (one per live launcher) and hands it the scratch and runtime folders;
bwrap then runs as root and the kernel drops to that user. Then it replaces
itself with ``timeout`` (the wall-time cap) running ``bwrap`` running
``kernel.py`` (user and limits) running ipykernel.

``--probe`` instead of CONNECTION_FILE runs the same sandbox around a check
that only sets the user and the limits (see ``grader.sandbox.available``).
"""
import json
import os
import shutil
import sys
import tempfile


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


def scratch_copy(cwd, policy):
    """A private copy of the folder `cwd` for the kernel to work in (cwd must be a grading folder)."""
    if not any(inside(cwd, w) for w in policy["workdirs"]):
        raise SystemExit(f"sandbox: refusing to start a kernel in {cwd}: not a grading folder")
    work = os.path.join(tempfile.mkdtemp(prefix="work-", dir=policy["scratch"]), "w")
    shutil.copytree(cwd, work, symlinks=True)
    return work


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


def give(paths, uid, gid):
    """Make the sandbox's user own `paths` and everything in them (links are never followed)."""
    for top in paths:
        os.chown(top, uid, gid, follow_symlinks=False)
        for folder, dirs, files in os.walk(top):
            for name in dirs + files:
                os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def sandbox_user(first, count):
    """(uid, gid) for this sandbox, from this process's id: no two live launchers share it if `count` > pid_max."""
    uid = first + os.getpid() % count
    return uid, uid


def command(policy, cwd, work, settings, kernel_args):
    """timeout + bwrap + the kernel, as one argv."""
    a = [policy["timeout"], "-s", "KILL", str(policy["wall_seconds"]), policy["bwrap"], *policy["flags"],
         *policy["mounts"]]
    a += [*mkdirs(cwd, policy["tmpfs"]), "--bind", work, cwd]
    a += [*mkdirs(policy["runtime"], policy["tmpfs"]), "--bind", policy["runtime"], policy["runtime"]]
    for src, dst in policy["files"]:  # into the private /tmp, in folders the kernel may write to
        a += [*mkdirs(dst, policy["tmpfs"], "1777"), "--ro-bind", src, dst]
    for path in policy["readonly"]:
        a += ["--remount-ro", path]
    return a + ["--chdir", cwd, "--", *policy["kernel"], json.dumps(settings), *kernel_args]


def main(argv):
    with open(argv[1]) as f:
        policy = json.load(f)
    kernel_args = ["--probe"] if argv[2] == "--probe" else ["-f", argv[2], *argv[3:]]
    clear_runtime(policy["runtime"], os.path.abspath(argv[2]))
    cwd = os.getcwd()
    work = scratch_copy(cwd, policy)
    settings = {"user": None, "limits": policy["limits"]}
    if policy["users"] is not None:  # run by root: bwrap stays root, the kernel becomes this user
        settings["user"] = sandbox_user(*policy["users"])
        give([os.path.dirname(work), policy["runtime"]], *settings["user"])
    args = command(policy, cwd, work, settings, kernel_args)
    os.execve(args[0], args, kernel_env(os.environ, policy["env"]))


if __name__ == "__main__":
    main(sys.argv)
