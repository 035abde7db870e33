"""The adversarial corpus, graded in one batch through `actspace autograde`'s own path (--jobs 2).

Each case must get exactly its declared score and show its reason; the
batch must finish, leave every submitted file as it was, give every grade
cell a score, and keep the graded notebooks small.
"""
import hashlib
import io
import json
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from adversarial_cases import CASES, course_with_corpus
from grader import autograde
from grader.course import report
from grader.course.course import Course
from grader.cli.progress import Progress

CELL_TIMEOUT = 20  # seconds per cell in this course (the lessons' cells take a few)
MAX_NOTEBOOK_BYTES = 2 * 2 ** 20  # a graded notebook, outputs included, after the output caps


def sandboxed():
    """Does autograde run its kernels in the sandbox on this machine?"""
    try:
        from grader import sandbox
    except ImportError:
        return False
    return bool(sandbox.available()[0])


def digest(folder):
    """{relative path: sha256} of every file under `folder`."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "course"
    course, lessons = course_with_corpus(root, CELL_TIMEOUT)
    before = digest(root / "submitted")
    start = time.monotonic()
    in_sandbox = sandboxed()
    outcomes = autograde.autograde(course, jobs=2, progress=Progress(len(CASES), stream=io.StringIO()),
                                   sandbox=in_sandbox)
    seconds = time.monotonic() - start
    print(f"corpus: {len(CASES)} submissions graded in {seconds:.0f} s")
    return root, lessons, {o.job.student: o for o in outcomes}, before, in_sandbox


def scores(root):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "actspace") as gb:
        return {(s.student.id, a.name): s.score for a in gb.assignments for s in a.submissions}


def shown(root, outcome):
    """What a teacher and the learner are shown about a submission: the autograder's message, the notes
    and graded cells of the graded notebook, and the comments in the gradebook."""
    job = outcome.job
    parts = [outcome.message]
    path = root / "autograded" / job.student / job.lesson / f"{job.lesson}.ipynb"
    if path.exists():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and not cell.metadata.get("nbgrader"):
                parts.append(cell.source)
            for out in cell.get("outputs", []):
                parts.append(out.get("text", ""))
    parts += report.reasons(Course(root)).get((job.student, job.lesson), [])
    return "\n".join(parts)


def test_the_corpus_has_at_least_30_cases():
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_gets_its_exact_score_and_shows_its_reason(batch, case):
    root, lessons, outcomes, _, in_sandbox = batch
    score, reason = case.expected(lessons, in_sandbox)
    got = scores(root)[(case.name, case.lesson)]
    text = shown(root, outcomes[case.name])
    assert got == pytest.approx(score, abs=1e-9), f"{case.name}: {got} != {score}\n{text[:3000]}"
    assert reason in text, f"{case.name}: {reason!r} not shown in:\n{text[:3000]}\n...\n{text[-3000:]}"


def test_no_submitted_file_is_changed_or_deleted(batch):
    root, _, _, before, _ = batch
    assert digest(root / "submitted") == before


def test_every_grade_cell_of_every_submission_has_a_score(batch):
    root = batch[0]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "actspace") as gb:
        submissions = [s for a in gb.assignments for s in a.submissions]
        assert {s.student.id for s in submissions} == {c.name for c in CASES}
        for s in submissions:
            for nb in s.notebooks:
                assert nb.grades and all(g.auto_score is not None and not g.needs_manual_grade for g in nb.grades), \
                    (s.student.id, [(g.name, g.auto_score) for g in nb.grades])
                assert all(g.manual_score is None for g in nb.grades), s.student.id  # no kernel wrote one


def test_graded_notebooks_are_capped_in_bytes(batch):
    root = batch[0]
    for path in (root / "autograded").rglob("*.ipynb"):
        assert path.stat().st_size < MAX_NOTEBOOK_BYTES, (path, path.stat().st_size)
        json.loads(path.read_text())  # and still a readable notebook


def test_feedback_is_written_for_every_graded_submission(batch):
    root, _, outcomes, _, _ = batch
    written, skipped = report.feedback(Course(root))
    graded = {(o.job.student, o.job.lesson) for o in outcomes.values() if o.ok}
    assert {(s, l) for s, l, _ in written} == graded
    assert {s for s, _ in skipped} == {o.job.student for o in outcomes.values() if not o.ok}


def test_the_grade_table_says_why_points_were_not_judged(batch):
    root = batch[0]
    text = report.grade_table(Course(root)).text()
    assert "wrong_lesson/02_relu_orthants: Not graded (0 points): this is the notebook of lesson 01_change_of_basis" in text
    assert "os_exit_midway/02_relu_orthants: count_activation_patterns_tests: 0 points - this graded cell did not run" in text


def test_no_script_of_a_student_reaches_a_graded_notebook_or_a_feedback_page(batch):
    root, _, outcomes, _, _ = batch
    from grader.autograde.sanitize import META

    nb = nbformat.read(root / "autograded" / "script_in_outputs" / "02_relu_orthants" / "02_relu_orthants.ipynb",
                       as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    report.feedback(Course(root), ["02_relu_orthants"])
    page = (root / "feedback" / "script_in_outputs" / "02_relu_orthants" / "02_relu_orthants.html").read_text()
    for bad in ("pwned-by", "onerror", "javascript:", "<iframe", "document.title", '"application/javascript":',
                '"image/svg+xml":'):
        assert bad not in outputs, bad
    for bad in ("<script>document.title", "<img src=x onerror", '<a href="javascript:', "<iframe", "<svg"):
        assert bad not in page, bad  # the cell's source is shown as escaped text, never as markup
    assert "<b>hi</b>" in page  # harmless HTML is kept
    assert META in page and page.index(META) < page.index("<script")  # the policy comes before any script
    for path in (root / "feedback").rglob("*.html"):
        assert META in path.read_text(), path
