"""Autograde every submission, one nbgrader run per (student, lesson), several at once if asked.

Each submission is graded from a copy (``submitted/`` is never changed), in
a folder and a worker process of its own with its own copy of the
gradebook, so one submission can neither share an SQLite file with another
nor take the batch down with it. A submission is first made gradable
(``intake``: a broken file scores 0 with the reason); the notebook then runs
in a kernel that only hands back evidence, and the graded cells are judged
in the grading process (``verdicts``). The scores, taken from that process's
memory and never from a file the kernel could reach, are merged in a fixed
order into a copy of the real gradebook that replaces it only when
everything went through: `--jobs 4` writes exactly what `--jobs 1` writes,
every grade cell of every submission gets a score (0 with a reason when
nothing valid ran), and an interrupted run leaves the old gradebook as it was.
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
from dataclasses import dataclass, field

from traitlets.config import Config

from grader.autograde import intake, verdicts
from grader.checking import kernel
from grader.course.course import Course, CourseError, check
from grader.cli.progress import Progress
from grader.course.files import disk_full, remove_tree

DEFAULT_CELL_TIMEOUT = 60  # seconds one cell may run (the course's Execute.timeout wins)
DISK_FULL = "the disk is full"
DEFAULT_NOTEBOOK_TIMEOUT = 900  # seconds a whole notebook may run (the course's GradingExecute.notebook_timeout wins)


def autograde_config(course=None, kernel_log="", secret="", cases_file=""):
    """The nbgrader config of the autograde step, in one place: the evidence pipeline, its limits and the kernel.

    After execution, `JudgeEvidence` scores the `grader.points` cells from
    their evidence; `SanitizeOutputs` leaves no output that can run code;
    `LimitOutputBytes` caps what nbgrader's `LimitOutput` (lines) lets
    through, per cell and per notebook; `RecordGrades` keeps the scores for the merge.
    Timeouts come from the course's config when it sets them.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        IgnorePattern, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                        SaveAutoGrades)

    from grader.autograde.execution import GradingExecute
    from grader.autograde.outputcap import LimitOutputBytes
    from grader.autograde.sanitize import SanitizeOutputs

    own = course.config if course is not None else Config()
    c = Config()
    c.Execute.timeout = own.get("Execute", {}).get("timeout", DEFAULT_CELL_TIMEOUT)
    c.Execute.interrupt_on_timeout = True
    c.Execute.iopub_timeout = 10  # seconds to read a finished cell's last output
    c.GradingExecute.notebook_timeout = own.get("GradingExecute", {}).get("notebook_timeout", DEFAULT_NOTEBOOK_TIMEOUT)
    c.GradingExecute.kernel_log = str(kernel_log)
    c.GradingExecute.cases_file = str(cases_file)
    c.JudgeEvidence.secret = str(secret)
    c.LimitOutput.max_lines = 1000
    c.LimitOutput.max_traceback = 100
    # nbgrader's own sanitizing steps: the intake already ran on the working copy (the course's
    # nbgrader_config.py names grader.autograde.native's steps, for nbgrader's own autograde)
    c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                          CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [
        GradingExecute, verdicts.JudgeEvidence, SanitizeOutputs, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        LimitOutputBytes, verdicts.RecordGrades, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
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
    sandbox: bool = True  # run its kernels in the sandbox (grader/sandbox/)
    secret: str = ""  # the course's grading secret: with the student's id, it seeds the grading cases


@dataclass(frozen=True)
class Outcome:
    """How one submission went: ok (graded) or not (then `message` says why, and it scores 0)."""

    job: Job
    ok: bool
    message: str = ""
    seconds: float = 0.0
    notes: tuple = ()  # what was repaired or noticed, shown on top of the graded notebook
    records: dict = field(default_factory=dict)  # verdicts.take(): scores and comments per notebook
    submission: dict = field(default_factory=dict)  # time, extension and late penalties nbgrader recorded


def grade_one(job):
    """Autograde one submission in `job.workdir` (a course root of its own); never raises."""
    start = time.perf_counter()
    try:
        work = pathlib.Path(job.workdir)
        remove_tree(work)  # what an earlier try of this job left behind
        folder = work / "submitted" / job.student / job.lesson
        shutil.copytree(pathlib.Path(job.root) / "submitted" / job.student / job.lesson, folder,
                        ignore=_links)
        course = Course(job.root, source=job.source)
        notes = intake.prepare(folder, job.lesson, course.source / job.lesson / f"{job.lesson}.ipynb")
        write_cases(folder, job.lesson, job.secret, job.student)
        shutil.copyfile(job.snapshot, work / "gradebook.db")
        with _kernels(job, course) as kernel_config:  # the sandbox, unless grading without it
            config = autograde_config(course, kernel_log=work / "kernel.log", secret=job.secret,
                                      cases_file=work / "autograded" / job.student / job.lesson / kernel.CASES_FILE)
            config.merge(kernel_config)
            api = course.api(root=work, config=config)
            verdicts.forget()
            with _stderr_to(work / "kernel.log"):  # nbgrader's and jupyter's chatter
                result = api.autograde(job.lesson, job.student, force=True, create=True)
        check(result, "autograde")
        records = verdicts.take(job.lesson, job.student)
        return Outcome(job, True, seconds=time.perf_counter() - start, notes=tuple(notes), records=records,
                       submission=_submission_facts(work / "gradebook.db", job))
    except intake.Rejected as e:
        return Outcome(job, False, str(e), time.perf_counter() - start)
    except OSError as e:
        if disk_full(e):  # not the submission's fault: the whole run stops (see autograde)
            return Outcome(job, False, f"{DISK_FULL}: {e}", time.perf_counter() - start)
        return Outcome(job, False, f"{type(e).__name__}: {e}".splitlines()[0], time.perf_counter() - start)
    except Exception as e:  # one submission's failure is reported, never raised
        message = str(e) if isinstance(e, CourseError) else f"{type(e).__name__}: {e}"
        return Outcome(job, False, message.splitlines()[0] if message else "failed", time.perf_counter() - start)


def write_cases(folder, lesson, secret, student):
    """The grading inputs of this student's cases, into the submission's folder, for its kernel to read.

    nbgrader copies the folder to where the notebook runs (and the sandbox
    into the kernel's private copy); the answers are computed only here,
    outside the kernel, when its evidence is judged.
    """
    from grader import exercises

    chosen = {}
    for name in exercises.of_lesson(lesson):
        chosen[name] = (exercises.get(name).may_call, exercises.grading_cases(name, secret, student))
    kernel.write_cases(os.path.join(folder, kernel.CASES_FILE), chosen)


# ---------------------------------------------------------------- the sandbox (grader/sandbox.py)


def require_sandbox(course):
    """CourseError, in one line, unless grading kernels can start in the sandbox here with the course's limits."""
    from grader import sandbox

    try:
        sandbox.Limits.from_config(course.config)
    except sandbox.SandboxError as e:
        raise CourseError(f"{course.root}: {e}") from None
    ok, why = sandbox.available()
    if not ok:
        raise CourseError(f"{why}; refusing to grade without the sandbox (students' code could read the "
                          "solutions and change the gradebook): fix that, or pass --no-sandbox")


@contextlib.contextmanager
def _kernels(job, course):
    """The nbgrader config that runs `job`'s kernels in the sandbox, valid for the block (empty without it)."""
    if not job.sandbox:
        yield Config()
        return
    from grader import sandbox

    limits = sandbox.Limits.from_config(course.config)  # c.Sandbox.memory = ... in the course's nbgrader_config.py
    with sandbox.kernels(job.workdir, job.root, sources=[job.source], limits=limits) as config:
        yield config


# ----------------------------------------------------------------


def _submission_facts(db, job):
    """The time, extension and per-notebook late penalty and flag nbgrader wrote for the submission ({} if unreadable)."""
    from nbgrader.api import Gradebook

    try:
        with Gradebook(f"sqlite:///{db}", job.course_id) as gb:
            s = gb.find_submission(job.lesson, job.student)
            return {"timestamp": s.timestamp, "extension": s.extension,
                    "notebooks": {n.name: (n.flagged, n.late_submission_penalty) for n in s.notebooks}}
    except Exception:  # the facts are extras: a missing or damaged file leaves them unset
        return {}


def _links(folder, names):
    """Names in `folder` that are symbolic links: a submission's links are never followed or copied."""
    return [n for n in names if os.path.islink(os.path.join(folder, n))]


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


def autograde(course, lessons=None, jobs=1, progress=None, sandbox=True):
    """Grade every submission of `lessons` (default: all released); returns the Outcomes in order.

    Kernels run in the sandbox (CourseError if it cannot start) unless `sandbox` is False.
    """
    pairs = submissions(course, lessons)
    if sandbox:
        require_sandbox(course)
    bar = Progress(len(pairs)) if progress is None else progress
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=".actspace-autograde-", dir=course.root))
    try:
        snapshot = tmp / "snapshot.db"
        shutil.copyfile(course.gradebook, snapshot)
        todo = [Job(str(course.root), str(course.source), course.course_id, s, l, str(snapshot), str(tmp / f"job{i}"),
                    sandbox, course.secret) for i, (s, l) in enumerate(pairs)]
        outcomes = _run(todo, jobs, bar)
        full = [o for o in outcomes if o.message.startswith(DISK_FULL)]
        if full:
            raise CourseError(f"{DISK_FULL} ({full[0].message.split(': ', 1)[-1][:200]}) while grading "
                              f"{full[0].job.student}/{full[0].job.lesson}: nothing was written, the gradebook is "
                              "as it was; free some space and run autograde again")
        with course.staged_gradebook() as db_url:
            for outcome in outcomes:
                merge(db_url, outcome)
        for outcome in outcomes:
            _publish(course, outcome)
        return outcomes
    except OSError as e:
        if disk_full(e):
            raise CourseError(f"{DISK_FULL} ({e}): the gradebook is as it was; free some space and run "
                              "autograde again") from None
        raise
    finally:
        try:
            remove_tree(tmp)
        except OSError:
            pass


def _run(todo, jobs, bar):
    """Outcomes of all jobs, in the order of `todo`, each graded in a worker process.

    A worker that dies (killed for memory, say) breaks its pool; the jobs it
    took down with it are graded again one at a time, so only a submission
    that kills its worker twice scores 0 for it.
    """
    done = {}

    def report(outcome):
        done[outcome.job] = outcome
        bar.step(f"{outcome.job.student}/{outcome.job.lesson}" + ("" if outcome.ok else "  not graded"))

    for job in _pool(todo, jobs, report):
        if _pool([job], 1, report):
            report(Outcome(job, False, "the grading process died twice on this submission"))
    return [done[job] for job in todo]


def _pool(todo, jobs, report):
    """Grade `todo` with `jobs` worker processes, reporting each Outcome; returns the jobs whose worker died."""
    crashed = []
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=context) as pool:
        futures = {pool.submit(grade_one, job): job for job in todo}
        for future in concurrent.futures.as_completed(futures):
            try:
                outcome = future.result()
            except Exception:  # the worker process itself died
                crashed.append(futures[future])
            else:
                report(outcome)
    return [job for job in todo if job in crashed]


def merge(db_url, outcome):
    """Write one graded submission into the gradebook at `db_url`: every grade cell gets a score.

    Everything comes from `outcome`, made by the grading process; nothing is
    read from the job's own gradebook (a file the kernel may have reached),
    and manual scores already in the gradebook are kept.
    """
    from nbgrader.api import Gradebook

    job = outcome.job
    warnings.filterwarnings("ignore", module="nbgrader")  # nbgrader's own SQLAlchemy warnings
    with Gradebook(db_url, job.course_id) as dst:
        dst.update_or_create_student(job.student)
        target = dst.update_or_create_submission(job.lesson, job.student)
        _copy_submission(target, outcome)
        dst.db.commit()


def _copy_submission(target, outcome):
    """Scores and comments of `outcome` onto `target`, 0 with a reason where there is none."""
    facts = outcome.submission
    if facts:
        target.timestamp, target.extension = facts["timestamp"], facts["extension"]
    if not outcome.ok:
        _zero_submission(target, f"Not graded (0 points): {outcome.message}")
        return
    for notebook in target.notebooks:
        record = outcome.records.get(notebook.name)
        if notebook.name in facts.get("notebooks", {}):
            notebook.flagged, notebook.late_submission_penalty = facts["notebooks"][notebook.name]
        names = [c.name for c in notebook.comments]
        reasons = {}
        for grade in notebook.grades:
            verdict = record["grades"].get(grade.name) if record else None
            if verdict is None:
                why, exercise = "this graded cell was not in the graded notebook", ""
                grade.auto_score = 0.0
            else:
                why, exercise = verdict.reason, verdict.exercise
                grade.auto_score = verdict.points
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            if why and names:
                home = next((n for n in (exercise, grade.name.removesuffix("_tests")) if n in names), names[0])
                reasons.setdefault(home, []).append(f"{grade.name}: 0 points - {why}")
        for comment in notebook.comments:
            base = record["comments"].get(comment.name) if record else None
            lines = ([base] if base else []) + reasons.get(comment.name, [])
            comment.auto_comment = "\n".join(lines) if lines else None


def _zero_submission(target, why):
    """Every grade of `target` 0 (manual scores kept), and `why` as the first comment of each notebook."""
    for notebook in target.notebooks:
        for grade in notebook.grades:
            grade.auto_score = 0.0
            grade.needs_manual_grade = grade.manual_score is not None
        for k, comment in enumerate(notebook.comments):
            comment.auto_comment = why if k == 0 else None


def _publish(course, outcome):
    """Move a job's autograded notebook into the course (or drop a stale one when grading failed)."""
    job = outcome.job
    target = course.root / "autograded" / job.student / job.lesson
    made = pathlib.Path(job.workdir) / "autograded" / job.student / job.lesson
    if target.exists():
        remove_tree(target)
    if outcome.ok and made.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), str(target))
