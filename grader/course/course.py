"""A course folder driven through nbgrader's Python API: lessons, config, gradebook, release.

A course folder is an nbgrader course root (``release/``, ``submitted/``,
``autograded/``, ``feedback/``, ``gradebook.db``). Its lessons are the
folder's own ``lessons/`` when it has one, else the lessons installed with
this package. Every change to the gradebook is made on a copy that replaces
the real file only when the step succeeded.
"""
import contextlib
import copy
import logging
import os
import pathlib
import re
import secrets
import shutil
import sys
import sysconfig
import tempfile
import warnings

from traitlets.config import Config

from grader.cli.environment import use_own_tools  # noqa: F401  (nbgrader runs alembic and kernels by name)
from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

from grader.course.nbconfig import MARK

COURSE_ID = "actspace"
SOURCE = "lessons"
INSTALLED_LESSONS = pathlib.Path(__file__).resolve().parent.parent.parent / SOURCE  # the checkout's source notebooks
GRADEBOOK = "gradebook.db"
SECRET = ".actspace-secret"  # seeds the grading cases with each student's id; never leaves the course folder
_UNSAFE_PATH = re.compile(r"[\\+()\[\]{}$^*?|]")  # nbgrader matches paths with regular expressions


class CourseError(Exception):
    """A problem the user can fix, told in one line."""


def lessons_in(folder):
    """Names of the lessons in a source folder: subfolders NAME holding NAME.ipynb, sorted."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").is_file())


def _user_config():
    """nbgrader config from the Jupyter config path (where JupyterHub images set the exchange)."""
    from jupyter_core.paths import jupyter_config_path

    config = Config()
    for folder in reversed(jupyter_config_path()):  # the first folder has the last word
        for loader in (JSONFileConfigLoader, PyFileConfigLoader):
            name = "nbgrader_config." + ("json" if loader is JSONFileConfigLoader else "py")
            if os.path.isfile(os.path.join(folder, name)):
                config.merge(loader(name, path=folder).load_config())
    return config


def course_secret(root):
    """The grading secret of the course at `root`, made on first use (a file only the instructor can read)."""
    path = pathlib.Path(root) / SECRET
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    text = path.read_text().strip()
    if not text:
        raise CourseError(f"{path} is empty: delete it (a new secret is made) or restore it")
    return text


class Course:
    """An nbgrader course root at `root`; lessons from `root/lessons` or the installed course."""

    def __init__(self, root, must_exist=True, read_user_config=True, source=None):
        self.root = pathlib.Path(root).expanduser().resolve()
        if must_exist and not self.root.is_dir():
            raise CourseError(f"course folder {self.root} does not exist")
        if _UNSAFE_PATH.search(str(self.root)):
            raise CourseError(f"course folder {self.root}: nbgrader cannot use paths with any of \\+()[]{{}}$^*?|")
        self.config = self._config(read_user_config)
        own = self.root / self.config.CourseDirectory.source_directory
        if (own / MARK).is_file():  # actspace's copy of the lessons for nbgrader (nbconfig.py), not their origin
            own = self.root / SOURCE
        self.source = pathlib.Path(source).resolve() if source else own if lessons_in(own) else INSTALLED_LESSONS
        if _UNSAFE_PATH.search(str(self.source)):
            raise CourseError(f"lessons folder {self.source}: nbgrader cannot use paths with any of \\+()[]{{}}$^*?|")
        self.config.CourseDirectory.source_directory = os.path.relpath(self.source, self.root)
        self.lessons = lessons_in(self.source)
        if not self.lessons:
            raise CourseError(f"no lessons in {self.source} (expected NN_name/NN_name.ipynb)")

    def _config(self, read_user_config):
        """The nbgrader config of this course: our defaults, then user config, then the folder's own."""
        c = Config()
        c.CourseDirectory.course_id = COURSE_ID
        c.CourseDirectory.source_directory = SOURCE
        c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.md"]
        c.Execute.timeout = 60
        c.Execute.interrupt_on_timeout = True
        c.ReleaseAssignment.force = True
        c.NbGraderAPI.log_level = "ERROR"
        if read_user_config:
            c.merge(_user_config())
            for name, loader in (("nbgrader_config.json", JSONFileConfigLoader),
                                 ("nbgrader_config.py", PyFileConfigLoader)):
                if (self.root / name).is_file():
                    c.merge(loader(name, path=str(self.root)).load_config())
        c.CourseDirectory.root = str(self.root)
        return c

    @property
    def gradebook(self):
        return self.root / GRADEBOOK

    @property
    def secret(self):
        """This course's grading secret, made on first use (a file only the instructor can read)."""
        return course_secret(self.root)

    @property
    def course_id(self):
        return self.config.CourseDirectory.course_id

    def check_lessons(self, names):
        """`names` if they are all lessons of this course (all lessons if empty), else CourseError."""
        unknown = [n for n in names or () if n not in self.lessons]
        if unknown:
            raise CourseError(f"unknown lesson {unknown[0]!r}; lessons: {', '.join(self.lessons)}")
        return list(names) if names else list(self.lessons)

    def api(self, db_url=None, root=None, config=None):
        """An NbGraderAPI on this course, optionally on another gradebook, another root, or with more config."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        use_own_tools()
        merged = copy.deepcopy(self.config)
        merged.merge(copy.deepcopy(config or Config()))
        config = merged
        if root is not None:
            config.CourseDirectory.root = str(root)
            config.CourseDirectory.source_directory = os.path.relpath(self.source, root)
        if db_url:
            config.CourseDirectory.db_url = db_url
        logging.getLogger("traitlets").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module="nbgrader")  # nbgrader's own SQLAlchemy warnings
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    @contextlib.contextmanager
    def staged_gradebook(self):
        """Yield the db_url of a copy of the gradebook; it replaces the real one only if the block succeeds."""
        fd, tmp = tempfile.mkstemp(prefix=".gradebook-", suffix=".db", dir=self.root)
        os.close(fd)
        try:
            if self.gradebook.exists():
                shutil.copyfile(self.gradebook, tmp)
            else:
                os.remove(tmp)
            yield f"sqlite:///{tmp}"
            os.chmod(tmp, 0o600)  # the gradebook is for the instructor only (sqlite makes it with the umask)
            os.replace(tmp, self.gradebook)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def released(self):
        """Lessons generated into this course's gradebook, in course order."""
        if not self.gradebook.exists():
            return []
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.gradebook}", self.course_id) as gb:
            names = {a.name for a in gb.assignments}
        return [n for n in self.lessons if n in names]


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Invalid\w*): .+")


def check(result, what):
    """Raise CourseError with the root cause, in one line, when an nbgrader API call failed."""
    if result is None or result.get("success"):
        return result
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    causes = [l for l in lines if _EXCEPTION_LINE.match(l) and not l.startswith("nbgrader.converters.base.NbGraderException")]
    errors = [l.removeprefix("[ERROR] ") for l in lines if l.startswith("[ERROR]")]
    reason = (causes or errors or ["unknown error"])[0 if causes else -1]
    raise CourseError(f"{what} failed: {reason[:300]}")


def generate(course, lessons=None):
    """Write the student versions of `lessons` into `course.root/release` and record them in the gradebook."""
    lessons = course.check_lessons(lessons)
    with course.staged_gradebook() as db_url:
        api = course.api(db_url)
        for lesson in lessons:
            check(api.generate_assignment(lesson, force=True, create=True), f"generating {lesson}")
    return lessons


def release(course, lessons=None):
    """Generate the student versions; copy them to the nbgrader exchange when one is configured.

    Returns (lessons, released_to_exchange).
    """
    lessons = generate(course, lessons)
    api = course.api()
    if not api.exchange_is_functional:
        return lessons, False
    for lesson in lessons:
        check(api.release_assignment(lesson), f"releasing {lesson} to the exchange")
    return lessons, True


def build_student_lessons(dest, lessons=None, *, source=None):
    """Write the student versions (never the source) of `lessons` (default all) into `dest`; returns dest.

    `source` is a lessons folder other than the installed course's.
    """
    dest = pathlib.Path(dest).expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix="actspace-build-") as tmp:
        course = Course(tmp, read_user_config=False, source=source)
        names = generate(course, lessons)
        dest.mkdir(parents=True, exist_ok=True)
        for name in names:
            target = dest / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course.root / "release" / name, target)
            for path in target.rglob("*"):
                path.chmod(0o755 if path.is_dir() else 0o644)
    return dest
