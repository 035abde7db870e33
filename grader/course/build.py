"""`actspace build`: what a learner's install holds, generated from the course's source.

- ``actspace/lessons/``: the student version of every lesson (nbgrader's
  generate step on ``lessons/``: no solutions, no hidden tests);
- ``actspace/keys/``: the practice keys (``grader.reference.keys``);
- ``actspace/data/*_given.json``: numbers a figure shows before the exercise
  that computes them, from ``solutions`` (``grader.reference.figure_data``).

All are committed and ship in the wheel; ``tests/test_build.py`` builds them
again and fails when they drift from the source.
"""
import pathlib
import shutil
import tempfile

from grader.course.course import INSTALLED_LESSONS, build_student_lessons, lessons_in
from grader.reference import figure_data, keys

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
STUDENT_LESSONS = ROOT / "actspace" / "lessons"
KEYS = keys.KEYS
DATA = figure_data.DATA


def student_lessons(dest=STUDENT_LESSONS):
    """Generate the student versions of every source lesson into `dest` (replacing what was there)."""
    dest = pathlib.Path(dest)
    with tempfile.TemporaryDirectory(prefix="actspace-build-") as tmp:
        built = build_student_lessons(tmp, source=INSTALLED_LESSONS)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(built, dest)
    return lessons_in(dest)


def build(lessons_dest=STUDENT_LESSONS, keys_dest=KEYS, data_dest=DATA):
    """Build all three; returns (lesson names, key files, given-number files)."""
    return student_lessons(lessons_dest), keys.build(keys_dest), figure_data.build(data_dest)
