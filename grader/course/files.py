"""Removing folders that a student's code may have shaped, and telling a full disk from other failures."""
import errno
import os
import shutil
import subprocess

FULL = (errno.ENOSPC, errno.EDQUOT)


def disk_full(error):
    """Is `error` (an exception) the disk or a quota running out?"""
    return isinstance(error, OSError) and error.errno in FULL


def remove_tree(path):
    """Delete `path` and all in it, however deep or read-only (never following links); OSError if it stays.

    Python's shutil.rmtree recurses once per level and gives up on a tree a
    few thousand levels deep; chmod -R and rm -rf walk any depth.
    """
    path = os.fspath(path)
    if not os.path.lexists(path):
        return
    if os.path.isdir(path) and not os.path.islink(path):
        chmod, rm = shutil.which("chmod"), shutil.which("rm")
        if chmod and rm:
            subprocess.run([chmod, "-R", "u+rwx", "--", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            done = subprocess.run([rm, "-rf", "--one-file-system", "--", path], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            if os.path.lexists(path):
                raise OSError(f"could not remove {path}: {done.stderr.strip()[:200]}")
            return
        shutil.rmtree(path)
    else:
        os.unlink(path)
