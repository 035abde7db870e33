"""LMS exports: which student and lesson each exported file name belongs to, under the export's one scheme."""
import datetime

import pytest

from grader.course.collect import identify, schemes

LESSONS = ["01_change_of_basis", "02_relu_orthants"]
SCHEMES = {s.lms: s for s in schemes(LESSONS)}


@pytest.mark.parametrize("lms, path, student, lesson, when, late", [
    ("Canvas", "doejane_12345_67890_01_change_of_basis.ipynb", "12345", "01_change_of_basis", None, False),
    ("Canvas", "doejane_LATE_12345_67890_02_relu_orthants.ipynb", "12345", "02_relu_orthants", None, True),
    ("Canvas", "doejane_12345_67890_01_change_of_basis-1.ipynb", "12345", "01_change_of_basis", None, False),
    ("Moodle", "Jane Doe_777_assignsubmission_file_01_change_of_basis.ipynb", "777", "01_change_of_basis", None, False),
    ("Moodle", "Jane Doe_777_assignsubmission_file_/02_relu_orthants.ipynb", "777", "02_relu_orthants", None, False),
    ("Blackboard", "export/Lesson 1_jdoe_attempt_2024-02-01-10-30-00_01_change_of_basis.ipynb", "jdoe",
     "01_change_of_basis", datetime.datetime(2024, 2, 1, 10, 30), False),
    ("plain", "jdoe/02_relu_orthants.ipynb", "jdoe", "02_relu_orthants", None, False),
    ("plain", "jdoe_02_relu_orthants.ipynb", "jdoe", "02_relu_orthants", None, False),
])
def test_lms_names(lms, path, student, lesson, when, late):
    hit = identify(path, SCHEMES[lms])
    assert (hit.student, hit.lesson, hit.when, hit.late) == (student, lesson, when, late)


@pytest.mark.parametrize("path", ["notes.ipynb", "jdoe_03_other_lesson.ipynb", "jdoe_01_change_of_basis.py",
                                  "jdoe/01_change_of_basis_copy.ipynb", "../02_relu_orthants.ipynb",
                                  "./02_relu_orthants.ipynb", "a/../02_relu_orthants.ipynb"])
def test_files_that_are_no_submission(path):
    assert all(identify(path, s) is None for s in SCHEMES.values())


@pytest.mark.parametrize("lms, path", [
    # a Canvas student names the file as Moodle would, with another student's id
    ("Canvas", "evemallory_666_1_Jane Doe_777_assignsubmission_file_02_relu_orthants.ipynb"),
    # a Moodle student does the same inside Moodle's own scheme
    ("Moodle", "Eve Mallory_666_assignsubmission_file_Jane Doe_777_assignsubmission_file_02_relu_orthants.ipynb"),
    # a late Blackboard student puts an earlier attempt's date into the file name
    ("Blackboard", "Lesson 2_eve_attempt_2024-03-09-23-59-00_x_attempt_2020-01-01-00-00-00_02_relu_orthants.ipynb"),
])
def test_a_student_chosen_file_name_never_names_another_student_or_time(lms, path):
    assert identify(path, SCHEMES[lms]) is None
