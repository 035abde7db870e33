"""LMS exports: which student and lesson each exported file name belongs to."""
import datetime

import pytest

from grader.course.collect import collectors, identify

LESSONS = ["01_change_of_basis", "02_relu_orthants"]
PLUGINS = collectors(LESSONS)


@pytest.mark.parametrize("path, student, lesson, when", [
    ("doejane_12345_67890_01_change_of_basis.ipynb", "12345", "01_change_of_basis", None),  # Canvas
    ("doejane_LATE_12345_67890_02_relu_orthants.ipynb", "12345", "02_relu_orthants", None),  # Canvas, late
    ("doejane_12345_67890_01_change_of_basis-1.ipynb", "12345", "01_change_of_basis", None),  # Canvas, resubmitted
    ("Jane Doe_777_assignsubmission_file_01_change_of_basis.ipynb", "777", "01_change_of_basis", None),  # Moodle
    ("Jane Doe_777_assignsubmission_file_/02_relu_orthants.ipynb", "777", "02_relu_orthants", None),  # Moodle folders
    ("export/Lesson 1_jdoe_attempt_2024-02-01-10-30-00_01_change_of_basis.ipynb", "jdoe", "01_change_of_basis",
     datetime.datetime(2024, 2, 1, 10, 30)),  # Blackboard
    ("jdoe/02_relu_orthants.ipynb", "jdoe", "02_relu_orthants", None),
    ("jdoe_02_relu_orthants.ipynb", "jdoe", "02_relu_orthants", None),
])
def test_lms_names(path, student, lesson, when):
    assert identify(path, PLUGINS) == (student, lesson, when)


@pytest.mark.parametrize("path", ["notes.ipynb", "jdoe_03_other_lesson.ipynb", "jdoe_01_change_of_basis.py",
                                  "jdoe/01_change_of_basis_copy.ipynb"])
def test_files_that_are_no_submission(path):
    assert identify(path, PLUGINS) is None
