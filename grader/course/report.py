"""What comes out of grading: nbgrader feedback HTML per student, and the students x lessons grade table."""
import csv
import io
import os
import pathlib
import re
import shutil
import tempfile

from grader.autograde.sanitize import add_csp
from grader.course.course import CourseError, check


def feedback(course, lessons=None):
    """nbgrader feedback HTML for every autograded submission; returns ([(student, lesson, html path)], [(student, lesson)] skipped).

    A submission that could not be autograded (a broken notebook) has no
    feedback; it is listed as skipped, and so is one whose feedback nbgrader
    could not write.
    """
    graded = _graded(course, lessons)
    api = course.api()
    written, skipped = [], []
    for student, lesson in graded:
        if not any((course.root / "autograded" / student / lesson).glob("*.ipynb")):
            skipped.append((student, lesson))
            continue
        try:
            check(api.generate_feedback(lesson, student, force=True), f"feedback for {student}/{lesson}")
        except CourseError:  # one unreadable graded notebook never stops the others' feedback
            skipped.append((student, lesson))
            continue
        pages = sorted((course.root / "feedback" / student / lesson).glob("*.html"))
        for page in pages:
            offline_maths(page, course.root / "feedback")
            add_csp(page)  # no inline script runs in a feedback page, whatever the notebook held
        written += [(student, lesson, p) for p in pages]
    return written, skipped


MATHJAX = "mathjax"  # feedback/mathjax: MathJax 2 from jupyter-server-mathjax, for every feedback page
_CDN_MATHJAX = re.compile(r'<script[^>]*src="https://[^"]*mathjax[^"]*"[^>]*>\s*</script>', re.I)
_MATHJAX_CONFIG = re.compile(r'<script type="text/x-mathjax-config">.*?</script>', re.S)
_LOCAL_CONFIG = """MathJax.Hub.Config({
  tex2jax: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  displayAlign: "center", messageStyle: "none", CommonHTML: {linebreaks: {automatic: true}}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/actspace.js");
"""


def _mathjax_files():
    """The folder of MathJax's files shipped by jupyter-server-mathjax (None if it is not installed)."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    folder = pathlib.Path(jupyter_server_mathjax.__file__).parent / "static"
    return folder if (folder / "MathJax.js").is_file() else None


def offline_maths(page, folder):
    """Make a feedback page typeset its maths from a MathJax copied into `folder`, never from a CDN."""
    files = _mathjax_files()
    html = page.read_text(encoding="utf-8")
    if files is None or not _CDN_MATHJAX.search(html):
        return
    target = folder / MATHJAX
    if not (target / "MathJax.js").is_file():
        shutil.copytree(files, target, dirs_exist_ok=True)
    (target / "config" / "local").mkdir(parents=True, exist_ok=True)
    (target / "config" / "local" / "actspace.js").write_text(_LOCAL_CONFIG)
    src = os.path.relpath(target / "MathJax.js", page.parent).replace(os.sep, "/")
    tag = f'<script src="{src}?config=TeX-AMS-MML_HTMLorMML-full,Safe,local/actspace"></script>'
    html = _CDN_MATHJAX.sub(lambda _: tag, _MATHJAX_CONFIG.sub("", html), count=1)
    page.write_text(html, encoding="utf-8")


def _graded(course, lessons):
    """(student, lesson) pairs with a submission in the gradebook."""
    lessons = course.check_lessons(lessons)
    if not course.gradebook.exists():
        raise CourseError(f"no gradebook in {course.root}: run `actspace release` and `actspace autograde` first")
    table = grade_table(course)
    pairs = [(s, l) for s, row in table.rows.items() for l in lessons if row.get(l) is not None]
    if not pairs:
        raise CourseError(f"nothing autograded in {course.root}: run `actspace autograde` first")
    return pairs


class Table:
    """Scores per student and lesson after late penalties (None: no submission), each lesson's maximum, and why points were not judged."""

    def __init__(self, lessons, maxima, rows, reasons=None, penalties=None):
        self.lessons, self.maxima, self.rows = lessons, maxima, rows
        self.reasons = reasons or {}  # {(student, lesson): [lines]}, see `reasons`
        self.penalties = penalties or {}  # {(student, lesson): points taken off for lateness (already subtracted)}

    def total(self, student):
        return sum(v for v in self.rows[student].values() if v is not None)

    def text(self):
        """The table for a terminal, with totals."""
        header = ["student"] + self.lessons + ["total"]
        lines = [header, ["(max)"] + [_num(self.maxima[l]) for l in self.lessons] + [_num(sum(self.maxima.values()))]]
        for student, row in self.rows.items():
            lines.append([student] + [_num(row.get(l)) for l in self.lessons] + [_num(self.total(student))])
        widths = [max(len(r[i]) for r in lines) for i in range(len(header))]
        out = []
        for k, r in enumerate(lines):
            out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
            if k == 0:
                out.append("  ".join("-" * w for w in widths))
        if self.penalties:
            out += ["", "Late penalties (already subtracted, as nbgrader export does):"]
            out += [f"  {s}/{l}: -{_num(p)}" for (s, l), p in sorted(self.penalties.items())]
        if self.reasons:
            out += ["", "Scored 0 without a judgement of the answers:"]
            for (student, lesson), lines in sorted(self.reasons.items()):
                out += [f"  {student}/{lesson}: {line}" for line in lines]
        return "\n".join(out)

    def csv(self):
        """CSV for an LMS: one row per student, a column per lesson (empty: not submitted), and the total."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["student_id"] + self.lessons + ["total"])
        w.writerow(["max_points"] + [_num(self.maxima[l]) for l in self.lessons] + [_num(sum(self.maxima.values()))])
        for student, row in self.rows.items():
            w.writerow([student] + [_num(row.get(l), "") for l in self.lessons] + [_num(self.total(student))])
        return buf.getvalue()


def _num(value, missing="-"):
    if value is None:
        return missing
    return f"{value:.3f}".rstrip("0").rstrip(".")


def grade_table(course):
    """The grade table of the course's released lessons, read from its gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    lessons = course.released()
    if not lessons:
        raise CourseError(f"no lessons released in {course.root}: run `actspace release` first")
    rows, penalties = {}, {}
    with Gradebook(f"sqlite:///{course.gradebook}", course.course_id) as gb:
        maxima = {l: gb.find_assignment(l).max_score for l in lessons}
        for student in sorted(s.id for s in gb.students):
            rows[student] = {}
            for lesson in lessons:
                try:
                    s = gb.find_submission(lesson, student)
                except MissingEntry:
                    rows[student][lesson] = None
                    continue
                penalty = s.late_submission_penalty or 0.0
                rows[student][lesson] = max(0.0, s.score - penalty)  # as `nbgrader export` computes it
                if penalty:
                    penalties[(student, lesson)] = penalty
    return Table(lessons, maxima, rows, reasons(course), penalties)


def reasons(course):
    """{(student, lesson): [lines]}: why a submission was not graded or a graded cell scored 0 unjudged.

    Read from the autograder's comments in the gradebook (nbgrader's own
    "No response." is left out).
    """
    from nbgrader.api import Gradebook

    out = {}
    if not course.gradebook.exists():
        return out
    with Gradebook(f"sqlite:///{course.gradebook}", course.course_id) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                lines = [line for nb in submission.notebooks for c in nb.comments
                         for line in (c.auto_comment or "").splitlines() if line and line != "No response."]
                if lines:
                    out[(submission.student.id, assignment.name)] = list(dict.fromkeys(lines))
    return out


def write_csv(table, path):
    """Write the CSV atomically (a finished file or none)."""
    path = pathlib.Path(path).expanduser().resolve()
    if not path.parent.is_dir():
        raise CourseError(f"cannot write {path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".grades-", suffix=".csv", dir=path.parent)
    with os.fdopen(fd, "w", newline="") as f:
        f.write(table.csv())
    os.replace(tmp, path)
    return path
