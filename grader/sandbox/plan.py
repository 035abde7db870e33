"""What a grading kernel may see: the bubblewrap mount arguments that hide the course and the reference.

The whole filesystem is mounted read-only, then:

1. ``/tmp`` gets a private, writable tmpfs of its own;
2. *hidden* folders get an empty read-only tmpfs over them: users' homes,
   ``/var/tmp``, ``/run``, ``/mnt``, ``/media``, ``/srv``, the course root
   (also when it lies in ``/tmp``) and the repository checkout (its
   ``.git``, ``tests/``, ``lessons/``, ``solutions/``);
3. *secret* folders get one too: the ``solutions`` package, the lessons'
   source folders and Jupyter's runtime folder (other kernels' connection
   files), wherever they are;
4. what the kernel needs is mounted back read-only when it lies in a hidden
   folder: the Python installation (prefixes, site-packages) and the
   ``grader`` and ``actspace`` packages; never anything inside a secret;
5. hidden and secret folders inside something mounted back are hidden again.

Nothing here starts a process; the launcher adds the kernel's own folders.
"""
import os
import site
import sys
from dataclasses import dataclass

from grader.checking.packages import package_dir
from grader.sandbox.launch import inside, mkdirs

BROAD = ("/home", "/root", "/tmp", "/var/tmp", "/run", "/mnt", "/media", "/srv")
KERNEL_PACKAGES = ("grader", "actspace")  # what notebooks import from this project
REFERENCE = "solutions"




def _dirs(paths):
    """Existing directories among `paths`, as real paths, deduplicated, never `/`."""
    out = []
    for p in paths:
        if not p:
            continue
        real = os.path.realpath(os.path.expanduser(str(p)))
        if real != "/" and os.path.isdir(real) and real not in out:
            out.append(real)
    return out


def _outermost(paths):
    """`paths` without those that lie inside another of them, sorted."""
    paths = sorted(set(paths))
    return [p for p in paths if not any(q != p and inside(p, q) for q in paths)]


def checkout_root():
    """The repository this package runs from, when it runs from a checkout (else None)."""
    grader = package_dir("grader")
    if grader is None:
        return None
    root = os.path.dirname(grader)
    marks = ("pyproject.toml", "setup.py", ".git")
    return root if any(os.path.exists(os.path.join(root, m)) for m in marks) else None


def python_dirs():
    """Folders the kernel's interpreter and its packages live in."""
    dirs = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable)), *site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return dirs


def _jupyter_runtime_dir():
    from jupyter_core.paths import jupyter_runtime_dir

    return jupyter_runtime_dir()


@dataclass(frozen=True)
class Plan:
    """The folders of one sandbox: hidden (may be mounted back into), secret (never), exposed."""

    hidden: tuple
    secret: tuple
    exposed: tuple
    tmp: str = "/tmp"  # the private, writable tmpfs

    def args(self, tmp_size):
        """(bwrap mount arguments, every tmpfs mount point, the tmpfs to make read-only at the end).

        The private /tmp and /dev/shm are writable tmpfs of `tmp_size` bytes each.
        """
        a = ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(tmp_size), "--tmpfs", "/dev/shm"]
        mounted, readonly = ["/dev"], ["/dev"]

        def tmpfs(path):
            mounted.append(path)
            if path == self.tmp:
                a.extend(["--perms", "1777", "--size", str(tmp_size), "--tmpfs", path])
            else:
                a.extend(["--tmpfs", path])
                readonly.append(path)

        writable = [self.tmp] if self.tmp in self.hidden else []
        for p in writable:  # first: what lies inside it is hidden again, read-only
            tmpfs(p)
        hidden, secret = _outermost(h for h in self.hidden if h not in writable), _outermost(self.secret)
        for p in hidden:
            tmpfs(p)
        for p in secret:
            if not any(inside(p, h) for h in hidden):
                tmpfs(p)
        exposed = _outermost(e for e in self.exposed
                             if any(inside(e, h) for h in hidden + secret + writable)
                             and not any(inside(e, s) for s in secret))
        for e in exposed:
            a.extend([*mkdirs(e, mounted), "--ro-bind", e, e])
        for p in _outermost(hidden + secret):
            if any(inside(p, e) and p != e for e in exposed):
                tmpfs(p)
        return a, mounted, readonly


def plan(course_root=None, sources=()):
    """The Plan for grading in `course_root`, with lessons source folders `sources`."""
    from grader.course.course import INSTALLED_LESSONS

    hidden = _dirs([*BROAD, os.environ.get("HOME"), course_root, checkout_root()])
    secret = _dirs([package_dir(REFERENCE), INSTALLED_LESSONS, *sources, _jupyter_runtime_dir()])
    exposed = _dirs([*python_dirs(), *(package_dir(p) for p in KERNEL_PACKAGES)])
    return Plan(tuple(hidden), tuple(secret), tuple(exposed))
