"""Grade the adversarial corpus with plain `nbgrader autograde` and with `actspace autograde`: the report's table.

Not a test: run it by hand to see what the evidence pipeline changes.

    python tests/adversarial/nbgrader_alone.py FOLDER [--jobs 2] [--no-sandbox]

Each case is graded by plain nbgrader (its own CLI, default autograde
pipeline, no sandbox; the hidden cells' `grader.points` then judges inside
the student's kernel) in a course folder of its own, so a case that writes
the gradebook changes only its own row. The same cases are then graded in
one batch by `actspace autograde`. Prints a Markdown table: case, what it
does, nbgrader's score (or why it gave none), actspace's score, expected.
"""
import argparse
import concurrent.futures
import io
import os
import pathlib
import shutil
import subprocess
import sys

from nbgrader.api import Gradebook

from adversarial_cases import CASES, course_with_corpus
from grader import autograde
from grader.course.course import Course
from grader.cli.progress import Progress

CELL_TIMEOUT = 20


def plain_course(corpus, case, folder):
    """A course folder for plain nbgrader holding the released lessons and one case's submission."""
    shutil.copytree(corpus, folder, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback", ".*"))
    shutil.copytree(corpus / "submitted" / case.name, folder / "submitted" / case.name)
    source = os.path.relpath(Course(corpus).source, folder)
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'actspace'\n"
        f"c.CourseDirectory.source_directory = {source!r}\n"
        f"c.Execute.timeout = {CELL_TIMEOUT}\n")


def plain_score(folder, case):
    """(score or None, note) after `nbgrader autograde LESSON --student CASE` in `folder`."""
    try:
        run = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", case.lesson, "--student", case.name,
                              "--force"], cwd=folder, capture_output=True, text=True, timeout=600,
                             stdin=subprocess.DEVNULL)
        failed = run.returncode != 0
    except subprocess.TimeoutExpired:
        return None, "did not finish in 600 s"
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", "actspace") as gb:
        try:
            submission = gb.find_submission(case.lesson, case.name)
        except Exception:
            return None, "no submission recorded"
        score = submission.score
        unscored = sum(g.auto_score is None and g.manual_score is None for nb in submission.notebooks for g in nb.grades)
    notes = ["autograde failed"] if failed else []
    if unscored:
        notes.append(f"{unscored} grade cells without a score")
    graded = list((folder / "autograded").rglob("*.ipynb"))
    if graded and max(p.stat().st_size for p in graded) > 2 ** 20:
        notes.append(f"graded notebook {max(p.stat().st_size for p in graded) / 2 ** 20:.0f} MB")
    return score, "; ".join(notes)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=pathlib.Path, help="a new folder for the courses")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--no-sandbox", action="store_true", help="run actspace's kernels without the sandbox")
    args = p.parse_args(argv)
    corpus = args.folder / "actspace"
    course, lessons = course_with_corpus(corpus, CELL_TIMEOUT)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        plain = dict(zip([c.name for c in CASES], pool.map(
            lambda c: (plain_course(corpus, c, args.folder / "plain" / c.name), plain_score(args.folder / "plain" / c.name, c))[1],
            CASES)))
    outcomes = autograde.autograde(course, jobs=args.jobs, progress=Progress(len(CASES), stream=io.StringIO()),
                                   sandbox=not args.no_sandbox)
    with Gradebook(f"sqlite:///{corpus / 'gradebook.db'}", "actspace") as gb:
        ours = {s.student.id: s.score for a in gb.assignments for s in a.submissions}
    print("| case | what it does | nbgrader alone | actspace | expected |")
    print("|---|---|---|---|---|")
    for case in CASES:
        score, note = plain[case.name]
        want, _ = case.expected(lessons, not args.no_sandbox)
        plain_text = ("-" if score is None else f"{score:g}") + (f" ({note})" if note else "")
        print(f"| {case.name} | {case.what} | {plain_text} | {ours[case.name]:g} | {want:g} |")
    failed = [o for o in outcomes if not o.ok]
    print(f"\nactspace: {len(outcomes) - len(failed)} of {len(outcomes)} submissions graded, "
          f"{len(failed)} scored 0 without running (their reason shown)")


if __name__ == "__main__":
    main()
