"""What comes out of grading: nbgrader feedback HTML per student, and the students x lessons grade table."""
import csv
import io
import os
import pathlib
import tempfile

from grader.course import CourseError, check


def feedback(course, lessons=None):
    """nbgrader feedback HTML for every autograded submission; returns ([(student, lesson, html path)], [(student, lesson)] skipped).

    A submission that could not be autograded (a broken notebook) has no
    feedback; it is listed as skipped.
    """
    graded = _graded(course, lessons)
    api = course.api()
    written, skipped = [], []
    for student, lesson in graded:
        if not any((course.root / "autograded" / student / lesson).glob("*.ipynb")):
            skipped.append((student, lesson))
            continue
        check(api.generate_feedback(lesson, student, force=True), f"feedback for {student}/{lesson}")
        written += [(student, lesson, p) for p in sorted((course.root / "feedback" / student / lesson).glob("*.html"))]
    return written, skipped


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
    """Scores per student and lesson (None: no submission), and each lesson's maximum."""

    def __init__(self, lessons, maxima, rows):
        self.lessons, self.maxima, self.rows = lessons, maxima, rows

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
    rows = {}
    with Gradebook(f"sqlite:///{course.gradebook}", course.course_id) as gb:
        maxima = {l: gb.find_assignment(l).max_score for l in lessons}
        for student in sorted(s.id for s in gb.students):
            rows[student] = {}
            for lesson in lessons:
                try:
                    rows[student][lesson] = gb.find_submission(lesson, student).score
                except MissingEntry:
                    rows[student][lesson] = None
    return Table(lessons, maxima, rows)


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
