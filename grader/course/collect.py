"""Bring submissions into `submitted/`: from the nbgrader exchange, or from an LMS export (zip or folder).

LMS exports name each file after the student and keep the file's own name at
the end; the lesson is recognised by that name (`01_change_of_basis.ipynb`,
also with a `-1` resubmission suffix). Known namings:

- Canvas:     `doejane_12345_67890_01_change_of_basis.ipynb` (also `doejane_LATE_12345_...`): student 12345
- Moodle:     `Jane Doe_12345_assignsubmission_file_01_change_of_basis.ipynb`, or that prefix as a folder: student 12345
- Blackboard: `Lesson 1_jdoe_attempt_2024-02-01-10-30-00_01_change_of_basis.ipynb`: student jdoe, with the time
- plain:      `jdoe/01_change_of_basis.ipynb` or `jdoe_01_change_of_basis.ipynb`
"""
import datetime
import pathlib
import re
import shutil
import tempfile

from grader.course.course import CourseError, check

# the part of the path before the lesson's file name, per LMS; `student_id` (and maybe `timestamp`) named
_PREFIXES = (
    ("Canvas", r"[^/_]+_(?:LATE_)?(?P<student_id>\d+)_\d+_"),
    ("Moodle", r"[^/]+_(?P<student_id>\d+)_assignsubmission_file_?[/_]?"),
    ("Blackboard", r"[^/]*_(?P<student_id>[^/_]+)_attempt_(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_"),
    ("plain", r"(?P<student_id>[A-Za-z0-9.@-]+)[/_]"),
)
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@-]")


def collectors(lessons):
    """nbgrader's file-name collector plugins, one per LMS naming, each knowing the lesson names."""
    from nbgrader.plugins import FileNameCollectorPlugin

    names = "|".join(re.escape(l) for l in sorted(lessons, key=len, reverse=True))
    return [(lms, FileNameCollectorPlugin(named_regexp=rf"^(?:.*/)?{prefix}(?P<file_id>{names})(?:-\d+)?\.ipynb$"))
            for lms, prefix in _PREFIXES]


def identify(relative, plugins):
    """(student, lesson, timestamp or None) for an exported file's path, or None if no naming fits."""
    for _, plugin in plugins:
        info = plugin.collect("/" + relative)
        if info:
            stamp = info.get("timestamp")
            when = datetime.datetime.strptime(stamp, "%Y-%m-%d-%H-%M-%S") if stamp else None
            return _SAFE_ID.sub("_", info["student_id"]), info["file_id"], when
    return None


def from_export(course, path, lessons=None):
    """Copy the notebooks of an LMS export (zip or folder) into `submitted/`; returns [(student, lesson)]."""
    from nbgrader.plugins import ExtractorPlugin

    path = pathlib.Path(path).expanduser().resolve()
    if not path.exists():
        raise CourseError(f"submission export {path} does not exist")
    lessons = course.check_lessons(lessons)
    plugins = collectors(lessons)
    with tempfile.TemporaryDirectory(prefix="actspace-collect-") as tmp:
        if path.is_dir():
            folder = path
        else:
            archive = pathlib.Path(tmp) / "archive"
            archive.mkdir()
            shutil.copy(path, archive)
            folder = pathlib.Path(tmp) / "extracted"
            folder.mkdir()
            ExtractorPlugin(zip_ext=[".zip"]).extract(str(archive), str(folder))
        found = {}
        for file in sorted(folder.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in file.parts or "__MACOSX" in file.parts:
                continue
            hit = identify(file.relative_to(folder).as_posix(), plugins)
            if hit:
                student, lesson, when = hit
                found[(student, lesson)] = (file, when)  # sorted: a later resubmission wins
        if not found:
            raise CourseError(f"no submissions in {path}: expected notebooks named like "
                              f"<student>_{lessons[0]}.ipynb (see `actspace collect --help`)")
        for (student, lesson), (file, when) in sorted(found.items()):
            _store(course, student, lesson, file, when)
    return sorted(found)


def _store(course, student, lesson, file, when):
    """Write one notebook as `submitted/student/lesson/lesson.ipynb`, with nbgrader's timestamp.txt."""
    target = course.root / "submitted" / student / lesson
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copyfile(file, target / f"{lesson}.ipynb")
    if when is None:
        when = datetime.datetime.fromtimestamp(file.stat().st_mtime, datetime.timezone.utc)
    (target / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z").strip())


def from_exchange(course, lessons=None):
    """Collect every released lesson's submissions from the nbgrader exchange; returns [(student, lesson)]."""
    lessons = course.check_lessons(lessons)
    api = course.api()
    if not api.exchange_is_functional:
        raise CourseError("no nbgrader exchange is configured (Exchange.root); "
                          "pass --from ZIP_OR_FOLDER to import an LMS export")
    for lesson in lessons:
        check(api.collect(lesson, update=True), f"collecting {lesson}")
    folder = course.root / "submitted"
    pairs = sorted((s.name, l) for s in folder.iterdir() if s.is_dir() for l in lessons
                   if (s / l).is_dir()) if folder.is_dir() else []
    if not pairs:
        raise CourseError(f"the exchange has no submissions for {', '.join(lessons)}")
    return pairs
