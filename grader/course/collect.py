"""Bring submissions into `submitted/`: from the nbgrader exchange, or from an LMS export (zip or folder).

An LMS export is read by one naming scheme, chosen once for the whole
export (the scheme most of its notebooks follow); a file that does not
follow it exactly is reported and left out, never read by another scheme.
The student comes only from the LMS's own part of the name and must be a
plain id (letters, digits, ``.@_-``, not only dots); the lesson is the
file's own name (``01_change_of_basis.ipynb``, also with a ``-1``
resubmission suffix). Schemes, anchored at both ends:

- Canvas:     ``doejane_12345_67890_01_change_of_basis.ipynb`` (also ``doejane_LATE_12345_...``): student 12345
- Moodle:     ``Jane Doe_12345_assignsubmission_file_01_change_of_basis.ipynb``, or that prefix as a folder
- Blackboard: ``Lesson 1_jdoe_attempt_2024-02-01-10-30-00_01_change_of_basis.ipynb``: student jdoe, with the time
- plain:      ``jdoe/01_change_of_basis.ipynb`` or ``jdoe_01_change_of_basis.ipynb``

The submission time comes from the export: Blackboard's time in the name,
else the zip entry's time (the LMS's), else the file's time; Canvas's
``LATE`` marker is kept and shown. A zip is unpacked with limits (total
size, number of files, depth; notebooks only); an archive inside it is
never unpacked. Two files of one student for one lesson are reported (the
latest is kept). What changed in ``submitted/`` is reported: new, updated,
and updated although already graded.
"""
import dataclasses
import datetime
import hashlib
import pathlib
import re
import shutil
import tempfile
import zipfile

from grader.course.course import CourseError, check
from grader.course.files import remove_tree

MAX_TOTAL = 1 << 30  # bytes of notebooks unpacked from one export
MAX_FILES = 20_000  # entries in one export
MAX_DEPTH = 12  # folders in one entry's path
MAX_NOTEBOOK = 64 << 20  # bytes of one notebook (as intake.MAX_BYTES)
ARCHIVES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")
STUDENT_ID = re.compile(r"^(?!\.+$)[A-Za-z0-9@._-]{1,64}$")

# each LMS's name of an exported file; `file` is the lesson's notebook, anchored at both ends
_SCHEMES = (
    ("Canvas", r"^(?:.*/)?(?P<name>[^/_]+)_(?P<late>LATE_)?(?P<student_id>\d+)_\d+_{file}$", None),
    ("Moodle", r"^(?:.*/)?(?P<name>[^/_]+)_(?P<student_id>\d+)_assignsubmission_file_(?:/|_)?{file}$",
     "_assignsubmission_"),
    ("Blackboard", r"^(?:.*/)?(?P<name>[^/]+?)_(?P<student_id>[^/_]+)_attempt_"
                   r"(?P<timestamp>\d{{4}}-\d\d-\d\d-\d\d-\d\d-\d\d)_{file}$", "_attempt_"),
    ("plain", r"^(?:.*/)?(?P<student_id>[A-Za-z0-9@-][A-Za-z0-9.@-]*)[/_]{file}$", None),
)


@dataclasses.dataclass(frozen=True)
class Scheme:
    """One LMS's naming: an anchored pattern, and a marker that must occur exactly once in a name."""

    lms: str
    pattern: re.Pattern
    once: str = None


@dataclasses.dataclass(frozen=True)
class Hit:
    student: str
    lesson: str
    when: datetime.datetime = None  # from the name (Blackboard)
    late: bool = False  # the LMS marked it late (Canvas)


@dataclasses.dataclass
class Collected:
    """What `from_export` or `from_exchange` did: which submissions are new, updated, unchanged, and what was left out."""

    new: list = dataclasses.field(default_factory=list)  # [(student, lesson)]
    updated: list = dataclasses.field(default_factory=list)
    replaced_graded: list = dataclasses.field(default_factory=list)  # updated although autograded already
    unchanged: list = dataclasses.field(default_factory=list)
    skipped: list = dataclasses.field(default_factory=list)  # [(path in the export, why)]
    times: dict = dataclasses.field(default_factory=dict)  # {(student, lesson): (datetime or None, late)}
    scheme: str = ""

    @property
    def pairs(self):
        return sorted(self.new + self.updated + self.replaced_graded + self.unchanged)

    def lines(self):
        """What a teacher reads after `actspace collect`."""
        out = []
        for what, pairs in (("new", self.new), ("updated", self.updated),
                            ("UPDATED, ALREADY GRADED (autograde again)", self.replaced_graded),
                            ("unchanged", self.unchanged)):
            for s, l in sorted(pairs):
                when, late = self.times.get((s, l), (None, False))
                stamp = f", handed in {when:%Y-%m-%d %H:%M:%S}" if when else ""
                out.append(f"{what}: {s}/{l}{stamp}{' (marked LATE by the LMS)' if late else ''}")
        out += [f"left out: {path}: {why}" for path, why in self.skipped]
        return out


def schemes(lessons):
    """The LMS naming schemes for these lesson names."""
    names = "|".join(re.escape(l) for l in sorted(lessons, key=len, reverse=True))
    file = rf"(?P<lesson>{names})(?:-\d+)?\.ipynb"
    return [Scheme(lms, re.compile(pattern.format(file=file)), once) for lms, pattern, once in _SCHEMES]


def identify(relative, scheme):
    """The Hit for an exported file's path under `scheme`, or None if it does not follow it exactly."""
    if scheme.once and relative.count(scheme.once) != 1:
        return None
    m = scheme.pattern.match(relative)
    if not m or not STUDENT_ID.match(m["student_id"]):
        return None
    groups = m.groupdict()
    when = datetime.datetime.strptime(groups["timestamp"], "%Y-%m-%d-%H-%M-%S") if groups.get("timestamp") else None
    return Hit(m["student_id"], m["lesson"], when, bool(groups.get("late")))


def choose(paths, lessons, where="the export"):
    """The scheme most of `paths` follow (CourseError if none does, or two fit equally many)."""
    counts = [(sum(identify(p, s) is not None for p in paths), s) for s in schemes(lessons)]
    best = max(n for n, _ in counts)
    if best == 0:
        raise CourseError(f"no submissions in {where}: expected notebooks named like <student>_{lessons[0]}.ipynb or as "
                          "Canvas, Moodle or Blackboard name them (see `actspace collect --help`)")
    tied = [s.lms for n, s in counts if n == best]
    if len(tied) > 1:
        raise CourseError(f"the export's names fit {' and '.join(tied)} equally well; nothing was collected")
    return next(s for n, s in counts if n == best)


def _unpack(archive, folder, skipped):
    """The notebooks of a zip, unpacked into `folder` with limits: [(relative path, file, entry time)]."""
    out, total = [], 0
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise CourseError(f"{archive} is not a readable zip file ({e})") from None
    with zf:
        entries = zf.infolist()
        if len(entries) > MAX_FILES:
            raise CourseError(f"{archive} holds {len(entries)} files, more than the {MAX_FILES} allowed; "
                              "nothing was collected")
        for k, info in enumerate(entries):
            name = info.filename
            parts = pathlib.PurePosixPath(name).parts
            if info.is_dir():
                continue
            if name.startswith("/") or ".." in parts or "\\" in name or len(parts) > MAX_DEPTH:
                skipped.append((name, "an unsafe path (absolute, `..` or too deep)"))
                continue
            if name.lower().endswith(ARCHIVES):
                skipped.append((name, "an archive inside the export: not unpacked (unpack it yourself if it "
                                      "should count)"))
                continue
            if not name.endswith(".ipynb") or "__MACOSX" in parts or ".ipynb_checkpoints" in parts:
                continue
            target = folder / f"{k}.ipynb"
            size = 0
            with zf.open(info) as src, open(target, "wb") as dst:
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_NOTEBOOK:
                        break
                    if total > MAX_TOTAL:
                        raise CourseError(f"{archive} unpacks to more than {MAX_TOTAL >> 20} MB of notebooks; "
                                          "nothing was collected")
                    dst.write(chunk)
            if size > MAX_NOTEBOOK:
                target.unlink()
                skipped.append((name, f"larger than {MAX_NOTEBOOK >> 20} MB"))
                continue
            out.append((name, target, datetime.datetime(*info.date_time)))
    return out


def _files(folder, skipped):
    """The notebooks of an export folder: [(relative path, file, modification time)]."""
    out = []
    for file in sorted(folder.rglob("*")):
        rel = file.relative_to(folder).as_posix()
        if file.is_symlink() or not file.is_file() or "__MACOSX" in file.parts or ".ipynb_checkpoints" in file.parts:
            continue
        if file.name.lower().endswith(ARCHIVES):
            skipped.append((rel, "an archive inside the export: not unpacked"))
        elif file.suffix == ".ipynb":
            out.append((rel, file, datetime.datetime.fromtimestamp(file.stat().st_mtime, datetime.timezone.utc
                                                                   ).replace(tzinfo=None)))
    return out


def from_export(course, path, lessons=None):
    """Copy the notebooks of an LMS export (zip or folder) into `submitted/`; returns a Collected."""
    path = pathlib.Path(path).expanduser().resolve()
    if not path.exists():
        raise CourseError(f"submission export {path} does not exist")
    lessons = course.check_lessons(lessons)
    done = Collected()
    with tempfile.TemporaryDirectory(prefix="actspace-collect-") as tmp:
        files = _files(path, done.skipped) if path.is_dir() else _unpack(path, pathlib.Path(tmp), done.skipped)
        scheme = choose([rel for rel, _, _ in files], lessons, path)
        done.scheme = scheme.lms
        found = {}
        for rel, file, entry_time in files:
            hit = identify(rel, scheme)
            if hit is None:
                done.skipped.append((rel, f"not named as {scheme.lms} names a submission of "
                                          f"{', '.join(lessons) if len(lessons) < 4 else 'a lesson'}"))
                continue
            when = hit.when or entry_time
            key = (hit.student, hit.lesson)
            if key in found:
                kept, other = sorted([found[key], (when, rel, file, hit)], key=lambda x: (x[0] or datetime.datetime.min, x[1]))[::-1]
                done.skipped.append((other[1], f"a second file of {hit.student} for {hit.lesson}: "
                                               f"{kept[1]} (later) was kept"))
                found[key] = kept
            else:
                found[key] = (when, rel, file, hit)
        for (student, lesson), (when, rel, file, hit) in sorted(found.items()):
            done.times[(student, lesson)] = (when, hit.late)
            kind = _store(course, student, lesson, file, when)
            getattr(done, kind).append((student, lesson))
    return done


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()} if folder.is_dir() else None


def _kind(course, student, lesson, before, after):
    if before is None:
        return "new"
    if before == after:
        return "unchanged"
    return "replaced_graded" if (course.root / "autograded" / student / lesson).exists() else "updated"


def _store(course, student, lesson, file, when):
    """Write one notebook as `submitted/student/lesson/lesson.ipynb` with nbgrader's timestamp.txt; its kind of change."""
    submitted = (course.root / "submitted").resolve()
    target = submitted / student / lesson
    if target.resolve().parent.parent != submitted or not STUDENT_ID.match(student):
        raise CourseError(f"refusing to write a submission outside {submitted}: student id {student!r}")
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.%f").strip() if when else None
    old = target / f"{lesson}.ipynb"
    if old.is_file() and old.read_bytes() == file.read_bytes():
        if stamp and (target / "timestamp.txt").is_file() and (target / "timestamp.txt").read_text() != stamp:
            (target / "timestamp.txt").write_text(stamp)
        return "unchanged"
    before = _digest(target)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=".incoming-", dir=submitted if submitted.is_dir() else None))
    try:
        shutil.copyfile(file, staging / f"{lesson}.ipynb")
        if stamp:
            (staging / "timestamp.txt").write_text(stamp)
        if target.exists():
            remove_tree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
    finally:
        if staging.exists():
            remove_tree(staging)
    return _kind(course, student, lesson, before, _digest(target))


def from_exchange(course, lessons=None):
    """Collect every released lesson's submissions from the nbgrader exchange; returns a Collected."""
    lessons = course.check_lessons(lessons)
    api = course.api()
    if not api.exchange_is_functional:
        raise CourseError("no nbgrader exchange is configured (Exchange.root); "
                          "pass --from ZIP_OR_FOLDER to import an LMS export")
    folder = course.root / "submitted"
    before = {(s.name, l): _digest(s / l) for s in folder.iterdir() if s.is_dir() for l in lessons} \
        if folder.is_dir() else {}
    for lesson in lessons:
        check(api.collect(lesson, update=True), f"collecting {lesson}")
    pairs = sorted((s.name, l) for s in folder.iterdir() if s.is_dir() for l in lessons
                   if (s / l).is_dir()) if folder.is_dir() else []
    if not pairs:
        raise CourseError(f"the exchange has no submissions for {', '.join(lessons)}")
    done = Collected(scheme="exchange")
    for s, l in pairs:
        getattr(done, _kind(course, s, l, before.get((s, l)), _digest(folder / s / l))).append((s, l))
    return done
