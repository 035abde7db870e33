"""The cells of a lesson notebook, read the one way: nbgrader metadata, graded cells, visible checks.

An exercise is four cells: a markdown statement, the solution cell
(grade_id NAME), the visible check (NAME_check: a 0-point grade cell that
runs ``grader.check`` and fails while the practice cases fail, so nbgrader's
Validate lists it) and the graded cell (NAME_tests: ``grader.points`` in
hidden tests).
"""
import re

POINTS_CALL = re.compile(r"^\s*grader\.points\(\s*[\"'](\w+)[\"']", re.M)
CHECK_CALL = re.compile(r"^\s*result = grader\.check\(\"(\w+)\", (\w+)\)$", re.M)


def nbgrader(cell):
    """A cell's nbgrader metadata ({} for a plain cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell):
    return nbgrader(cell).get("grade_id")


def is_graded(cell):
    """A graded cell: a grade cell worth points (not a 0-point check, not a solution)."""
    meta = nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and float(meta.get("points", 0)) > 0


def is_check(cell):
    """A visible check: a locked 0-point grade cell NAME_check."""
    meta = nbgrader(cell)
    return bool(meta.get("grade")) and str(meta.get("grade_id", "")).endswith("_check") \
        and float(meta.get("points", 0)) == 0


def exercise_of(cell):
    """The exercise a graded cell checks with `grader.points`, or None (a cell nbgrader scores by its own rule)."""
    names = POINTS_CALL.findall(cell.source) if cell.cell_type == "code" else []
    return names[0] if len(names) == 1 else None


def check_source(name):
    """The source of exercise `name`'s visible check cell: one source of truth for every lesson."""
    return (f"# Check your {name} on the practice cases (0 points: this cell is for you, not for the grade)\n"
            f"result = grader.check(\"{name}\", {name})\n"
            f"assert result.passed, result.summary")


def check_metadata(name):
    return {"grade": True, "grade_id": f"{name}_check", "locked": True, "points": 0, "schema_version": 3,
            "solution": False, "task": False}


def points_source(name, points):
    """The source of exercise `name`'s graded cell."""
    return (f"# Graded ({points:g} point{'s' if points != 1 else ''}): the grader checks {name} on other cases "
            "when your work is marked.\n"
            f"### BEGIN HIDDEN TESTS\ngrader.points(\"{name}\", {name}, {points:g})\n### END HIDDEN TESTS")
