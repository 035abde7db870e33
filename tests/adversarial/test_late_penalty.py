"""`actspace grades` and `nbgrader export` give the same numbers when a late penalty is taken off."""
import csv

from nbgrader.api import Gradebook
from nbgrader.plugins import CsvExportPlugin

from grader.course import report
from grader.course.course import Course, generate


def test_grades_and_nbgrader_export_agree_with_a_late_penalty(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    course = Course(root, read_user_config=False)
    lesson = course.lessons[0]
    generate(course, [lesson])
    with Gradebook(f"sqlite:///{course.gradebook}", course.course_id) as gb:
        for student, penalty in (("ontime", 0.0), ("late", 1.5)):
            gb.add_student(student)
            submission = gb.add_submission(lesson, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = grade.max_score
                notebook.late_submission_penalty = penalty
        gb.db.commit()
        CsvExportPlugin(to=str(tmp_path / "export.csv")).export(gb)
    exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(open(tmp_path / "export.csv"))
                if row["assignment"] == lesson}
    table = report.grade_table(course)
    assert {s: table.rows[s][lesson] for s in exported} == exported
    assert exported["ontime"] - exported["late"] == 1.5
    assert "late/" + lesson + ": -1.5" in table.text()
