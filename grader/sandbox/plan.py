"""What a grading kernel may see: an allow-list of read-only mounts, nothing else.

bubblewrap starts from an empty root; the kernel sees only what is mounted
into it here, all read-only:

1. the system: ``/usr`` (without ``/usr/local`` and ``/usr/src``), ``/bin``,
   ``/lib*`` and ``/sbin`` (or their links), and a few files of ``/etc``
   that the dynamic loader and Python read;
2. the Python installation: its prefixes and site-packages, where every
   site-packages (or dist-packages) folder is mounted entry by entry without
   this project's own: ``solutions``, ``grader``, ``lessons``, ``actspace``,
   and every file of this project's distribution (an editable install's
   ``.pth`` and finder, its ``dist-info``), so nothing there can lead to a
   checkout, which is not mounted anyway;
3. the learner side of this project, copied file by file into a tree of its
   own (``tree.py``) and mounted at ``LIB``, first on the kernel's
   ``PYTHONPATH``.

Anything inside an allowed folder that is the course, a lessons' source
folder, the checkout, the reference or Jupyter's runtime folder is left out
too, wherever it sits. The launcher adds the kernel's own writable places
(size-limited tmpfs: its working copy, ``/tmp``, ``/dev/shm``).
Nothing here starts a process.
"""
import glob
import os
import site
import sys
from dataclasses import dataclass

from grader.checking.packages import package_dir
from grader.sandbox.launch import inside, mkdirs

SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_EXCLUDED = ("/usr/local", "/usr/src")  # /usr/local only as far as the Python installation needs it
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "passwd", "group", "fonts",
       "mime.types")
PROJECT = ("solutions", "grader", "lessons", "actspace")  # never mounted from a site-packages folder
INSTRUCTOR_TOOLS = ("nbgrader",)  # not needed in a kernel (and its test files hold solution cells)
DISTRIBUTION = "actspace"
REFERENCE = "solutions"
ROOT = "/actspace"  # the sandbox's own files, inside the sandbox
LIB = ROOT + "/lib"  # the learner-side packages (first on PYTHONPATH)
BOOT = ROOT + "/boot"  # kernel.py
STAGE = ROOT + "/stage"  # the notebook's folder, read-only: copied into the working tmpfs at start


def _real(paths):
    """Existing paths among `paths`, as real paths, deduplicated, never `/`."""
    out = []
    for p in paths:
        if not p:
            continue
        real = os.path.realpath(os.path.expanduser(str(p)))
        if real != "/" and os.path.exists(real) and real not in out:
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


def site_dirs():
    """Every site-packages or dist-packages folder of this Python and of the system's Pythons."""
    dirs = [*site.getsitepackages(), site.getusersitepackages() if site.ENABLE_USER_SITE else None]
    dirs += [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]  # added by .pth files too
    for prefix in {sys.prefix, sys.base_prefix, "/usr", "/usr/local"}:
        dirs += glob.glob(os.path.join(prefix, "lib", "python3*", "*-packages"))
        dirs += glob.glob(os.path.join(prefix, "lib", "python3", "dist-packages"))
    return _real(dirs)


def distribution_files():
    """Real paths of the top-level entries this project's distributions put into any site-packages folder mounted.

    Not only this interpreter's: a venv's kernel also sees the base Python's
    folders, where another install of the project may lie.
    """
    from importlib import metadata

    out = []
    for dist in metadata.distributions(path=site_dirs()):
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name != DISTRIBUTION:
            continue
        base = str(dist.locate_file(""))
        for f in dist.files or ():
            top = f.parts[0] if f.parts and f.parts[0] != ".." else None
            if top:
                out.append(os.path.join(base, top))
    return _real(out)


def _jupyter_runtime_dir():
    from jupyter_core.paths import jupyter_runtime_dir

    return jupyter_runtime_dir()


@dataclass(frozen=True)
class Plan:
    """The folders of one sandbox: what is allowed (mounted read-only) and what is never mounted."""

    system: tuple  # real paths of system folders (mounted read-only without `excluded` and `system_excluded`)
    python: tuple  # real paths of the Python installation (mounted read-only without `excluded`)
    excluded: tuple  # real paths never visible, wherever they lie
    system_excluded: tuple = ()  # parts of the system folders not mounted with them (/usr/local)
    links: tuple = ()  # (target, path) symbolic links at the top (/bin -> usr/bin)
    etc: tuple = ()  # files and folders of /etc

    def args(self, empty="/dev/null"):
        """(bwrap mount arguments, the folders and tmpfs bwrap made on the way).

        The allowed folders are mounted whole; what is excluded inside one of
        them is covered: a folder by an empty read-only tmpfs, a file by
        `empty` (an empty read-only file).
        """
        a, made, masks = [], ["/"], []

        def mount(kind, src, dst):
            parents = mkdirs(dst, made)
            made.extend(parents[3::4])  # "--perms", perms, "--dir", folder
            if kind == "link":
                a.extend([*parents, "--symlink", src, dst])
            elif kind == "mask" and os.path.isdir(src) and not os.path.islink(src):
                a.extend([*parents, "--size", "4096", "--perms", "0555", "--tmpfs", dst])
                made.append(dst)
                masks.append(dst)
            elif kind == "mask":
                a.extend([*parents, "--ro-bind", empty, dst])
            else:
                a.extend([*parents, "--ro-bind", src, dst])
                made.append(dst)  # what lies inside exists already

        for target, path in self.links:
            mount("link", target, path)
        system = _outermost(p for p in self.system if not any(inside(p, x) for x in self.excluded))
        for path in system:
            mount("bind", path, path)
        hidden = _outermost(x for x in (*self.system_excluded, *self.excluded) if any(inside(x, s) for s in system))
        for path in hidden:
            mount("mask", path, path)
        # the installation is mounted even inside an excluded folder (a checkout's own .venv): only it
        python = _outermost(p for p in self.python if p not in self.excluded)
        python = [p for p in python if not any(inside(p, s) for s in system)
                  or any(inside(p, h) for h in hidden)]
        for path in python:
            mount("bind", path, path)
        for path in _outermost(x for x in self.excluded if any(inside(x, p) and x != p for p in python)):
            mount("mask", path, path)
        for path in self.etc:
            if not any(inside(path, x) for x in self.excluded):
                mount("bind", path, path)
        a += [arg for m in masks for arg in ("--remount-ro", m)]
        return a, made


def plan(course_root=None, sources=()):
    """The Plan for grading in `course_root`, with lessons source folders `sources`."""
    from grader.course.course import INSTALLED_LESSONS

    links, system = [], []
    for path in SYSTEM:
        if os.path.islink(path):
            links.append((os.readlink(path), path))
        elif os.path.isdir(path):
            system.append(path)
    excluded = _real([course_root, *sources, INSTALLED_LESSONS, checkout_root(),
                      package_dir(REFERENCE), package_dir("grader"), package_dir("actspace"), _jupyter_runtime_dir(),
                      *distribution_files(), *(os.path.join(d, n) for d in site_dirs() for n in PROJECT + INSTRUCTOR_TOOLS)])
    python = _real([*python_dirs(), *site_dirs()])
    excluded = [x for x in excluded if x not in python]  # never the installation itself
    etc = _real(os.path.join("/etc", name) for name in ETC)
    return Plan(tuple(_real(system)), tuple(python), tuple(excluded), tuple(_real(SYSTEM_EXCLUDED)), tuple(links), tuple(etc))
