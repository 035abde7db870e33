"""Autograde every submission, one nbgrader run per (student, lesson), several at once if asked.

Each submission is graded in a folder of its own with its own copy of the
gradebook, so parallel runs never share an SQLite file. The results are then
merged, in a fixed order, into a copy of the real gradebook that replaces it
only when everything went through: `--jobs 4` writes exactly what `--jobs 1`
writes, and an interrupted run leaves the old gradebook as it was.
"""
import concurrent.futures
import contextlib
import os
import sys
import multiprocessing
import pathlib
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass

from traitlets.config import Config

from grader.course import Course, CourseError, check
from grader.progress import Progress


def autograde_config():
    """The nbgrader config of the autograde step, in one place (preprocessors and kernel go here)."""
    c = Config()
    c.Execute.timeout = 60  # seconds per cell
    c.Execute.interrupt_on_timeout = True
    return c


@dataclass(frozen=True)
class Job:
    """One submission to grade, and where to grade it."""

    root: str
    source: str
    course_id: str
    student: str
    lesson: str
    snapshot: str  # the gradebook as it was before this run
    workdir: str


@dataclass(frozen=True)
class Outcome:
    job: Job
    ok: bool
    message: str = ""
    seconds: float = 0.0


def grade_one(job):
    """Autograde one submission in `job.workdir` (a course root of its own); never raises."""
    start = time.perf_counter()
    try:
        work = pathlib.Path(job.workdir)
        shutil.copytree(pathlib.Path(job.root) / "submitted" / job.student / job.lesson,
                        work / "submitted" / job.student / job.lesson)
        shutil.copyfile(job.snapshot, work / "gradebook.db")
        course = Course(job.root, source=job.source)
        api = course.api(root=work, config=autograde_config())
        with _stderr_to(work / "kernel.log"):  # kernels write their chatter to our stderr
            result = api.autograde(job.lesson, job.student, force=True, create=True)
        check(result, "autograde")
        return Outcome(job, True, seconds=time.perf_counter() - start)
    except Exception as e:  # one submission's failure is reported, never raised
        message = str(e) if isinstance(e, CourseError) else f"{type(e).__name__}: {e}"
        return Outcome(job, False, message.splitlines()[0] if message else "failed", time.perf_counter() - start)


@contextlib.contextmanager
def _stderr_to(path):
    """Send file descriptor 2 (ours and our children's) to `path` for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def submissions(course, lessons=None):
    """(student, lesson) pairs found in `submitted/`, sorted; lessons must be released."""
    released = course.released()
    lessons = course.check_lessons(lessons) if lessons else released
    missing = [l for l in lessons if l not in released]
    if missing:
        raise CourseError(f"lesson {missing[0]} is not released in {course.root}: run `actspace release {missing[0]}` first")
    if not lessons:
        raise CourseError(f"no lessons released in {course.root}: run `actspace release` first")
    folder = course.root / "submitted"
    pairs = sorted((s.name, l) for s in folder.iterdir() if s.is_dir() for l in lessons
                   if any((s / l).glob("*.ipynb"))) if folder.is_dir() else []
    if not pairs:
        raise CourseError(f"no submissions in {folder} for {', '.join(lessons)}: run `actspace collect` first")
    return pairs


def autograde(course, lessons=None, jobs=1, progress=None):
    """Grade every submission of `lessons` (default: all released); returns the Outcomes in order."""
    pairs = submissions(course, lessons)
    bar = Progress(len(pairs)) if progress is None else progress
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=".actspace-autograde-", dir=course.root))
    try:
        snapshot = tmp / "snapshot.db"
        shutil.copyfile(course.gradebook, snapshot)
        todo = [Job(str(course.root), str(course.source), course.course_id, s, l, str(snapshot), str(tmp / f"job{i}"))
                for i, (s, l) in enumerate(pairs)]
        outcomes = _run(todo, jobs, bar)
        with course.staged_gradebook() as db_url:
            for outcome in outcomes:
                merge(db_url, outcome)
        for outcome in outcomes:
            _publish(course, outcome)
        return outcomes
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(todo, jobs, bar):
    """Outcomes of all jobs, in the order of `todo`."""
    done = {}

    def report(outcome):
        done[outcome.job] = outcome
        bar.step(f"{outcome.job.student}/{outcome.job.lesson}" + ("" if outcome.ok else "  FAILED"))

    if jobs <= 1:
        for job in todo:
            report(grade_one(job))
    else:
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(grade_one, job): job for job in todo}
            for future in concurrent.futures.as_completed(futures):
                try:
                    report(future.result())
                except Exception as e:  # the worker process itself died
                    report(Outcome(futures[future], False, f"worker crashed: {type(e).__name__}"))
    return [done[job] for job in todo]


def merge(db_url, outcome):
    """Copy one graded submission from its job's gradebook into the gradebook at `db_url`."""
    from nbgrader.api import Gradebook, MissingEntry

    job = outcome.job
    source_db = pathlib.Path(job.workdir) / "gradebook.db"
    warnings.filterwarnings("ignore", module="nbgrader")  # nbgrader's own SQLAlchemy warnings
    with Gradebook(db_url, job.course_id) as dst:
        dst.update_or_create_student(job.student)
        target = dst.update_or_create_submission(job.lesson, job.student)
        src, graded = None, None
        if source_db.exists():
            src = Gradebook(f"sqlite:///{source_db}", job.course_id)
            try:
                graded = src.find_submission(job.lesson, job.student)
            except MissingEntry:
                graded = None
        try:
            _copy_submission(src, graded, target, job)
            dst.db.commit()
        finally:
            if src is not None:
                src.close()


def _copy_submission(src, graded, target, job):
    """Grades, comments and flags of `graded` onto `target`; zeros when there is nothing graded."""
    if graded is not None:
        target.timestamp, target.extension = graded.timestamp, graded.extension
    for notebook in target.notebooks:
        snb = src.find_submission_notebook(notebook.name, job.lesson, job.student) if graded else None
        if snb is not None:
            notebook.flagged, notebook.late_submission_penalty = snb.flagged, snb.late_submission_penalty
        for grade in notebook.grades:
            if snb is None:
                grade.auto_score, grade.needs_manual_grade = 0.0, False
                continue
            g = src.find_grade(grade.name, notebook.name, job.lesson, job.student)
            grade.auto_score, grade.manual_score = g.auto_score, g.manual_score
            grade.extra_credit, grade.needs_manual_grade = g.extra_credit, g.needs_manual_grade
        for comment in notebook.comments:
            if snb is not None:
                c = src.find_comment(comment.name, notebook.name, job.lesson, job.student)
                comment.auto_comment, comment.manual_comment = c.auto_comment, c.manual_comment


def _publish(course, outcome):
    """Move a job's autograded notebook into the course (or drop a stale one when grading failed)."""
    job = outcome.job
    target = course.root / "autograded" / job.student / job.lesson
    made = pathlib.Path(job.workdir) / "autograded" / job.student / job.lesson
    if target.exists():
        _make_writable(target)
        shutil.rmtree(target)
    if outcome.ok and made.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), str(target))


def _make_writable(folder):
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
