"""A course folder as nbgrader itself sees it: its nbgrader_config.py, its lessons on disk, its permissions.

Every instructor command of `actspace` (``prepare``):

- gives the course folder an ``nbgrader_config.py`` whose first block calls
  ``grader.autograde.native.configure``: the course root, the source
  directory, and actspace's grading steps (intake, the sandboxed evidence
  kernel, the evidence judged outside it), so that ``nbgrader autograde``
  and the formgrader's Autograde button grade as ``actspace autograde``
  does, and the formgrader lists the lessons; settings already in the file
  are kept, below the block;
- when the course uses the lessons installed with actspace, keeps a copy of
  them in ``source/`` (marked as a copy, refreshed by ``actspace release``)
  for nbgrader's source directory;
- keeps the folder private: ``submitted/``, ``autograded/``, ``feedback/``
  and ``source/`` are made 0700, the gradebook 0600, and it warns, naming
  the path, about anything there that group or others can read (learners on
  a shared machine could read other learners' work and the answers).
"""
import os
import pathlib
import shutil
import stat
import sys

MIRROR = "source"  # nbgrader's source directory when the course has no lessons/ of its own
MARK = ".actspace-copy"  # in source/: this folder is actspace's copy of the lessons (refreshed on release)
CONFIG = "nbgrader_config.py"
BEGIN = "# >>> actspace >>>"
END = "# <<< actspace <<<"
BLOCK = f'''{BEGIN} written by actspace: this course's layout and actspace's grading steps, so that
# `nbgrader autograde` and the formgrader's Autograde button grade as `actspace autograde` does
# (sandboxed kernel, evidence judged outside it). Your own settings go below this block.
import os as _os
from grader.autograde.native import configure as _actspace_configure
c = get_config()  # noqa: F821 (provided by nbgrader)
_actspace_configure(c, _os.path.dirname(_os.path.abspath(__file__)))
{END}
'''
PRIVATE_DIRS = ("submitted", "autograded", "feedback", MIRROR)
PRIVATE_FILES = ("gradebook.db",)


def write_config(root):
    """Put actspace's block on top of `root`/nbgrader_config.py (made if missing); True if the file changed."""
    path = pathlib.Path(root) / CONFIG
    old = path.read_text() if path.is_file() else ""
    if BEGIN in old:
        return False
    path.write_text(BLOCK + ("\n" + old if old.strip() else ""))
    return True


def is_copy(folder):
    """Is `folder` actspace's copy of the lessons (not a course author's own source folder)?"""
    return (pathlib.Path(folder) / MARK).is_file()


def sync_source(course, refresh=True):
    """Copy the course's lessons into `root/source` when they are not on disk in the course; returns it (or None).

    With `refresh` False, only a missing copy is made.
    """
    root = course.root
    mirror = root / MIRROR
    if course.source == root / "lessons" or (mirror.is_dir() and not is_copy(mirror)):
        return None  # the course's own lessons are nbgrader's source directory
    if mirror.is_dir() and not refresh:
        return mirror
    mirror.mkdir(mode=0o700, exist_ok=True)
    for name in course.lessons:
        target = mirror / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(course.source / name, target, ignore=shutil.ignore_patterns(*course.config.CourseDirectory.ignore))
    (mirror / MARK).write_text(f"A copy of the lessons in {course.source}, made by actspace for nbgrader's source "
                               "directory; `actspace release` refreshes it: edit the lessons there, not here.\n")
    return mirror


def readable_by_others(path):
    """Can group or others read `path` (a directory: list it or open what is in it)?"""
    mode = os.stat(path).st_mode
    return bool(mode & (0o055 if stat.S_ISDIR(mode) else 0o044))


def exposed(root):
    """The course folder and its private parts that group or others can read, as (path, mode) pairs."""
    root = pathlib.Path(root)
    paths = [root, *(root / n for n in PRIVATE_DIRS + PRIVATE_FILES)]
    return [(p, stat.S_IMODE(os.stat(p).st_mode)) for p in paths if p.exists() and readable_by_others(p)]


def secure(root):
    """Make the private folders 0700 where missing, the gradebook 0600 when it is ours; never widens anything."""
    root = pathlib.Path(root)
    for name in PRIVATE_DIRS[:3]:
        (root / name).mkdir(mode=0o700, exist_ok=True)
    for name in PRIVATE_FILES:
        path = root / name
        if path.is_file() and path.stat().st_uid == os.geteuid():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & 0o600)


def warn_exposed(root, command, stream=None):
    """Say on stderr which private paths of the course group or others can read, and how to fix it."""
    stream = stream or sys.stderr
    found = exposed(root)
    for path, mode in found:
        fix = f"chmod {'700' if path.is_dir() else '600'} {path}"
        print(f"actspace {command}: warning: {path} can be read by other users (mode {mode:04o}): learners on "
              f"this machine could read the submissions, the feedback or the gradebook; run `{fix}`",
              file=stream)
    return found


def prepare(course, command, refresh=False):
    """What every instructor command does to its course folder first (see the module's docstring)."""
    write_config(course.root)
    sync_source(course, refresh=refresh)
    secure(course.root)
    warn_exposed(course.root, command)
