"""The lesson notebooks as files: structure, one exercise per curriculum function, no drift from solutions."""
import ast
import inspect
import re

import pytest

import grader
from grader.course import cells
import solutions
from lesson_files import (LESSONS, carried_over_cells, curriculum, exercise_solution_cells, functions_in, graded_cells, meta,
                          notebook_path, read, solution_cells, without_docstring)

CURRICULUM = curriculum()
POINTS_CALL = re.compile(r'grader\.points\("(\w+)", (\w+), (\d+(?:\.\d+)?)\)')


def test_there_is_one_lesson_folder_per_curriculum_lesson():
    assert sorted(p.name for p in LESSONS.iterdir() if p.is_dir() and not p.name.startswith(".")) == sorted(CURRICULUM)
    for lesson in CURRICULUM:
        assert notebook_path(lesson).exists()


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_committed_notebooks_have_no_outputs_and_no_execution_counts(lesson):
    for cell in read(lesson).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_each_curriculum_function_is_exactly_one_graded_exercise(lesson):
    nb = read(lesson)
    names = CURRICULUM[lesson]
    sol_ids = [meta(c)["grade_id"] for c in exercise_solution_cells(nb)]
    assert sol_ids == names  # one solution cell per function, in curriculum order
    calls = []
    for cell in graded_cells(nb):
        found = POINTS_CALL.findall(cell.source)
        assert len(found) == 1, f"a graded cell must make exactly one grader.points call:\n{cell.source}"
        name, fn, pts = found[0]
        assert name == fn, "grade the function of the same name"
        assert float(pts) == float(meta(cell)["points"]) > 0, f"{name}: the points in the call and the metadata differ"
        assert meta(cell)["grade_id"] == f"{name}_tests"
        assert "### BEGIN HIDDEN TESTS" in cell.source
        calls.append(name)
    assert calls == names


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_each_exercise_has_a_visible_read_only_check(lesson):
    nb = read(lesson)
    ids = {meta(c).get("grade_id"): c for c in nb.cells}
    for name in CURRICULUM[lesson]:
        check = ids.get(f"{name}_check")
        assert check is not None, f"{name}: no visible test cell {name}_check"
        # one source of truth: grader.check on the practice cases, a 0-point grade cell that fails while they fail
        assert check.source == cells.check_source(name), f"{name}_check is not the standard check cell"
        assert meta(check) == cells.check_metadata(name)


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_solution_cells_match_the_reference(lesson):
    """One source of truth: a solution cell's function is the reference's code (docstrings may differ)."""
    for cell in exercise_solution_cells(read(lesson)):
        name = meta(cell)["grade_id"]
        nb_fn = functions_in(cell.source).get(name)
        assert nb_fn is not None, f"the solution cell {name} does not define {name}"
        ref_fn = functions_in(inspect.getsource(getattr(solutions, name)))[name]
        assert without_docstring(nb_fn) == without_docstring(ref_fn), \
            f"{lesson}: the solution cell of {name} has drifted from solutions/ - make them the same code"


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_carried_over_cells_hold_only_earlier_exercises_as_the_reference_has_them(lesson):
    """A cell where the learner pastes earlier lessons' functions: ungraded, and each function the reference's code."""
    order = list(CURRICULUM)
    earlier = {n for l in order[: order.index(lesson)] for n in CURRICULUM[l]}
    for cell in carried_over_cells(read(lesson)):
        assert not meta(cell).get("grade") and not meta(cell).get("locked")
        fns = functions_in(cell.source)
        assert fns and set(fns) <= earlier, f"{lesson}: {sorted(set(fns) - earlier)} are not exercises of earlier lessons"
        assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION") == len(fns)
        for name, nb_fn in fns.items():
            ref_fn = functions_in(inspect.getsource(getattr(solutions, name)))[name]
            assert without_docstring(nb_fn) == without_docstring(ref_fn), f"{lesson}: the carried-over {name} has drifted"


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_notebooks_never_import_solutions_and_hidden_cells_only_call_grader(lesson):
    nb = read(lesson)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source.replace("%matplotlib", "#"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "solutions" for a in node.names)
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "solutions"
    for cell in graded_cells(nb):
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
        statements = ast.parse(hidden).body
        assert len(statements) == 1 and POINTS_CALL.search(hidden), f"hidden tests must be one grader.points call:\n{hidden}"


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_grade_ids_are_unique_and_cells_well_formed(lesson):
    nb = read(lesson)
    ids = [meta(c)["grade_id"] for c in nb.cells if meta(c)]
    assert len(ids) == len(set(ids))
    for c in nb.cells:
        if meta(c):
            assert meta(c).get("schema_version") == 3
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_every_graded_name_is_known_to_the_grader():
    for names in CURRICULUM.values():
        for name in names:
            grader.exercise(name)
