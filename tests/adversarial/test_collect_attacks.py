"""Attacks on `actspace collect --from EXPORT` (issue #13): identity, time and size come from the LMS, never the student."""
import datetime
import io
import json
import zipfile

import pytest

from grader.course import collect
from grader.course.course import Course, CourseError

L2 = "02_relu_orthants"
NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def notebook(tag):
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": tag, "id": "a"}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def export(path, entries):
    """A zip at `path` of {name: (bytes, date_time)}."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (data, when) in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "COURSE"
    root.mkdir()
    return Course(root, read_user_config=False)


ON_TIME = (2024, 3, 1, 10, 0, 0)


def submitted(course, student, lesson=L2):
    path = course.root / "submitted" / student / lesson
    return (path / f"{lesson}.ipynb").read_bytes(), (path / "timestamp.txt").read_text()


def test_a_canvas_student_cannot_hand_in_for_another_with_a_moodle_name(course, tmp_path):
    zip_path = export(tmp_path / "canvas.zip", {
        f"adalovelace_111_1_{L2}.ipynb": (notebook("ada"), ON_TIME),
        f"evemallory_666_2_Jane Doe_111_assignsubmission_file_{L2}.ipynb": (notebook("eve as ada"), ON_TIME),
    })
    done = collect.from_export(course, zip_path)
    assert done.scheme == "Canvas" and done.pairs == [("111", L2)]
    assert b"ada" in submitted(course, "111")[0] and b"eve" not in submitted(course, "111")[0]
    assert any("Jane Doe_111" in path and "not named as Canvas" in why for path, why in done.skipped)


def test_an_archive_inside_the_export_is_not_unpacked(course, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr(f"111/{L2}.ipynb", notebook("eve as ada"))
        zf.writestr("bomb.bin", b"\0" * (8 << 20))
    zip_path = export(tmp_path / "canvas.zip", {
        f"adalovelace_111_1_{L2}.ipynb": (notebook("ada"), ON_TIME),
        f"evemallory_666_3_{L2}.zip": (inner.getvalue(), ON_TIME),
    })
    done = collect.from_export(course, zip_path)
    assert done.pairs == [("111", L2)] and b"ada" in submitted(course, "111")[0]
    assert any(path.endswith(".zip") and "not unpacked" in why for path, why in done.skipped)


def test_a_student_chosen_date_or_id_of_dots_changes_nothing(course, tmp_path):
    outside = course.root / L2
    outside.mkdir()
    (outside / "keep.txt").write_text("not in submitted/")
    zip_path = export(tmp_path / "plain.zip", {
        f"jdoe/{L2}.ipynb": (notebook("jdoe"), ON_TIME),
        f"../{L2}.ipynb": (notebook("dots"), ON_TIME),
        f".._{L2}.ipynb": (notebook("dots"), ON_TIME),
        f"./{L2}.ipynb": (notebook("dot"), ON_TIME),
    })
    done = collect.from_export(course, zip_path)
    assert done.pairs == [("jdoe", L2)]
    assert (outside / "keep.txt").read_text() == "not in submitted/"  # COURSE/<lesson>/ neither written nor deleted
    assert sorted(p.name for p in (course.root / "submitted").iterdir()) == ["jdoe"]
    bb = export(tmp_path / "bb.zip", {
        f"Lesson 2_eve_attempt_2024-03-09-23-59-00_x_attempt_2020-01-01-00-00-00_{L2}.ipynb": (notebook("eve"), ON_TIME),
        f"Lesson 2_ada_attempt_2024-03-01-09-00-00_{L2}.ipynb": (notebook("ada"), ON_TIME),
    })
    done = collect.from_export(course, bb)
    assert done.scheme == "Blackboard" and done.pairs == [("ada", L2)]
    assert submitted(course, "ada")[1] == "2024-03-01 09:00:00.000000"


def test_the_submission_time_comes_from_the_export_and_late_is_shown(course, tmp_path):
    zip_path = export(tmp_path / "canvas.zip", {
        f"adalovelace_111_1_{L2}.ipynb": (notebook("ada"), ON_TIME),
        f"evemallory_LATE_666_2_{L2}.ipynb": (notebook("eve"), (2024, 3, 9, 23, 59, 58)),
    })
    done = collect.from_export(course, zip_path)
    assert submitted(course, "111")[1] == "2024-03-01 10:00:00.000000"  # the LMS's time, not the collect time
    assert done.times[("666", L2)] == (datetime.datetime(2024, 3, 9, 23, 59, 58), True)
    assert "new: 666/02_relu_orthants, handed in 2024-03-09 23:59:58 (marked LATE by the LMS)" in done.lines()


def test_a_second_file_for_a_student_is_reported(course, tmp_path):
    zip_path = export(tmp_path / "canvas.zip", {
        f"adalovelace_111_1_{L2}.ipynb": (notebook("first"), ON_TIME),
        f"adalovelace_111_2_{L2}-1.ipynb": (notebook("second"), (2024, 3, 2, 10, 0, 0)),
    })
    done = collect.from_export(course, zip_path)
    assert b"second" in submitted(course, "111")[0]
    assert any("a second file of 111" in why for _, why in done.skipped)


def test_collect_says_what_is_new_updated_and_replaced_after_grading(course, tmp_path):
    first = export(tmp_path / "one.zip", {f"ada/{L2}.ipynb": (notebook("v1"), ON_TIME),
                                          f"bob/{L2}.ipynb": (notebook("b"), ON_TIME)})
    assert collect.from_export(course, first).new == [("ada", L2), ("bob", L2)]
    (course.root / "autograded" / "ada" / L2).mkdir(parents=True)  # ada was graded
    second = export(tmp_path / "two.zip", {f"ada/{L2}.ipynb": (notebook("v2"), ON_TIME),
                                           f"bob/{L2}.ipynb": (notebook("b"), ON_TIME),
                                           f"cy/{L2}.ipynb": (notebook("c"), ON_TIME)})
    done = collect.from_export(course, second)
    assert (done.new, done.replaced_graded, done.unchanged) == ([("cy", L2)], [("ada", L2)], [("bob", L2)])
    assert any(line.startswith("UPDATED, ALREADY GRADED") and "ada" in line for line in done.lines())


def test_unpacking_has_limits(course, tmp_path, monkeypatch):
    monkeypatch.setattr(collect, "MAX_TOTAL", 4 << 20)
    monkeypatch.setattr(collect, "MAX_NOTEBOOK", 2 << 20)
    big = export(tmp_path / "big.zip", {f"ada/{L2}.ipynb": (b" " * (3 << 20), ON_TIME),
                                        f"bob/{L2}.ipynb": (notebook("b"), ON_TIME)})
    done = collect.from_export(course, big)
    assert done.pairs == [("bob", L2)] and any("larger than" in why for _, why in done.skipped)
    bomb = export(tmp_path / "bomb.zip", {f"s{i}/{L2}.ipynb": (b" " * (1 << 20), ON_TIME) for i in range(8)})
    before = sorted(p.name for p in (course.root / "submitted").iterdir())
    with pytest.raises(CourseError, match="more than 4 MB"):
        collect.from_export(course, bomb)
    assert sorted(p.name for p in (course.root / "submitted").iterdir()) == before  # nothing collected
    monkeypatch.setattr(collect, "MAX_FILES", 5)
    with pytest.raises(CourseError, match="more than the 5 allowed"):
        collect.from_export(course, bomb)
