"""Reading the lesson notebooks and the curriculum: shared by the lesson tests."""
import ast
import re
from pathlib import Path

import nbformat

from grader.course import cells

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
CURRICULUM = ROOT.parent / "shared" / "curriculum.md"
ADDITIONS = ROOT / "docs" / "curriculum-additions.md"  # exercises of lessons after the contract's six


def curriculum_text():
    """The contract followed by its additions: every exercise table, in lesson order."""
    return CURRICULUM.read_text() + "\n" + ADDITIONS.read_text()


def curriculum():
    """{lesson folder: [function names in order]} from the contract and its additions."""
    out, lesson = {}, None
    for line in curriculum_text().splitlines():
        m = re.match(r"^## Lesson \d+ — `(\w+)`", line)
        if m:
            lesson = m.group(1)
            out[lesson] = []
        m = re.match(r"^\| `(\w+)\(", line)
        if m and lesson:
            out[lesson].append(m.group(1))
    return out


def notebook_path(lesson):
    return LESSONS / lesson / f"{lesson}.ipynb"


def read(lesson):
    return nbformat.read(notebook_path(lesson), as_version=4)


def meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_cells(nb):
    return [c for c in nb.cells if meta(c).get("solution") and c.cell_type == "code"]


def exercise_solution_cells(nb):
    """The solution cells of graded exercises: grade_id is a curriculum function's name."""
    names = {n for names in curriculum().values() for n in names}
    return [c for c in solution_cells(nb) if meta(c).get("grade_id") in names]


def carried_over_cells(nb):
    """Ungraded solution cells where the learner pastes functions of earlier lessons (lesson 7)."""
    return [c for c in solution_cells(nb) if c not in exercise_solution_cells(nb)]


def graded_cells(nb):
    """The cells worth points (not the 0-point visible checks)."""
    return [c for c in nb.cells if cells.is_graded(c)]


def check_cells(nb):
    return [c for c in nb.cells if cells.is_check(c)]


def without_docstring(fn):
    """A FunctionDef's AST dump, docstring removed: the code, not its description."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    fn = ast.FunctionDef(name=fn.name, args=fn.args, body=body, decorator_list=fn.decorator_list,
                         returns=fn.returns, type_comment=None, type_params=[])
    return ast.dump(fn, annotate_fields=False)


def functions_in(source):
    """{name: FunctionDef} of the top-level functions in a piece of source code."""
    return {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
