"""The lessons run: the source with full marks and a clean `nbgrader validate`; the student
versions hide every answer and run through blank, even where `solutions` cannot be imported."""
import os
import re
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.validator import Validator

from grader.course import cells
from lesson_files import curriculum, graded_cells, meta, notebook_path, read

CURRICULUM = curriculum()
TIMEOUT = 120  # seconds a cell may take here; the lessons' target is far below


def execute(nb, cwd, env=None, tries=2):
    """Run every cell of `nb` in a fresh python3 kernel (errors recorded, not raised); return seconds.

    A kernel that dies before it answers (jupyter_client picks free TCP ports,
    and another process on a busy machine can take one first) is started again
    once; the notebook's own errors are never retried.
    """
    start = time.perf_counter()
    for attempt in range(tries):
        try:
            NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(cwd)}}).execute(**({"env": env} if env else {}))
            break
        except RuntimeError as e:
            if "Kernel died before replying" not in str(e) or attempt == tries - 1:
                raise
    return time.perf_counter() - start


def errors(nb):
    """(cell index, error name) of every error output."""
    return [(i, o.ename) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


def text_of(cell, name="stdout"):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == name)


def result_of(cell):
    for o in cell.outputs:
        if o.output_type == "execute_result":
            return o.data.get("text/plain")
    return None


@pytest.fixture(scope="session")
def student_lessons(tmp_path_factory):
    from grader.course.course import build_student_lessons
    return build_student_lessons(tmp_path_factory.mktemp("student"))


@pytest.fixture(scope="session")
def no_reference(tmp_path_factory):
    """An environment in which `import solutions` fails, as on a learner's machine without it."""
    shadow = tmp_path_factory.mktemp("no_reference")
    (shadow / "solutions").mkdir()
    (shadow / "solutions" / "__init__.py").write_text(
        "raise ImportError('the reference implementation is not available to learners')\n")
    # the shadow goes first, so it wins over any `solutions` on the path; the rest of PYTHONPATH stays, so a
    # worktree's own `actspace` (PYTHONPATH=<worktree>) is the one under test, not an installed copy
    rest = os.environ.get("PYTHONPATH", "")
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(shadow)] + ([rest] if rest else [])))


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_source_runs_top_to_bottom_and_earns_full_points(lesson):
    nb = read(lesson)
    seconds = execute(nb, notebook_path(lesson).parent)
    print(f"{lesson}: executed in {seconds:.1f} s")
    assert errors(nb) == []
    for cell in graded_cells(nb):
        assert float(result_of(cell)) == float(meta(cell)["points"]), text_of(cell)
        assert re.search(r"all \d+ checks passed", text_of(cell)), text_of(cell)
        assert text_of(cell, "stderr") == ""


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_source_passes_nbgrader_validate(lesson):
    assert Validator().validate(str(notebook_path(lesson))) == {}


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_student_version_hides_solutions_and_hidden_tests(lesson, student_lessons):
    path = student_lessons / lesson / f"{lesson}.ipynb"
    text = path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "grader.points"):
        assert marker not in text
    assert not re.search(r"^\s*(from|import)\s+solutions\b", text, flags=re.M)
    student = nbformat.read(path, as_version=4)
    source = read(lesson)
    body = {meta(c)["grade_id"]: c.source for c in source.cells if meta(c).get("solution")}
    for cell in student.cells:
        if meta(cell).get("solution"):
            assert "raise NotImplementedError" in cell.source
            answer = body[meta(cell)["grade_id"]].split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            for line in answer.strip().splitlines():
                if len(line.strip()) > 12:  # every substantial line of the answer is gone
                    assert line.strip() not in cell.source, line


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_student_version_runs_blank_without_the_reference(lesson, student_lessons, no_reference):
    path = student_lessons / lesson / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path.parent, env=no_reference)
    print(f"{lesson} (student, blank): executed in {seconds:.1f} s")
    checks = {i for i, c in enumerate(nb.cells) if meta(c).get("grade_id", "").endswith("_check")}
    found = errors(nb)
    assert found, "a blank notebook must show the learner what is left to do"
    for i, ename in found:  # only the checks fail (the practice check reports the NotImplementedError)
        assert ename == "AssertionError" and i in checks, f"cell {i} failed with {ename}:\n{nb.cells[i].source[:300]}"
    assert {i for i, _ in found} == checks
    for i in checks:
        assert "NotImplementedError" in text_of(nb.cells[i]) and "Not yet" in text_of(nb.cells[i])


def solved(lesson, student_lessons):
    """The student version with every solution cell answered from the source: a learner's finished work."""
    nb = nbformat.read(student_lessons / lesson / f"{lesson}.ipynb", as_version=4)
    answers = {meta(c)["grade_id"]: c.source for c in read(lesson).cells if meta(c).get("solution")}
    for cell in nb.cells:
        if meta(cell).get("solution"):
            cell.source = "\n".join(l for l in answers[meta(cell)["grade_id"]].splitlines()
                                    if "### BEGIN SOLUTION" not in l and "### END SOLUTION" not in l)
    return nb


def validate(nb, folder, name):
    """nbgrader's Validate with nbgrader's own default config (as on a hub): {exercise: error name} of failed checks."""
    path = folder / name
    path.mkdir(parents=True)
    nbformat.write(nb, path / f"{name}.ipynb")
    results = Validator().validate(str(path / f"{name}.ipynb"))
    failed = {}
    for item in results.get("failed", []):
        call = cells.CHECK_CALL.search(item["source"])
        assert call, f"a failed cell that is not a check:\n{item['source'][:300]}"
        failed[call.group(1)] = item["error"]
    return results, failed


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_validate_fails_a_blank_notebook_listing_every_exercise_and_passes_a_solved_one(lesson, student_lessons, tmp_path):
    blank = nbformat.read(student_lessons / lesson / f"{lesson}.ipynb", as_version=4)
    _, failed = validate(blank, tmp_path / "blank", lesson)
    assert sorted(failed) == sorted(CURRICULUM[lesson])
    results, failed = validate(solved(lesson, student_lessons), tmp_path / "solved", lesson)
    assert results == {} and failed == {}


def test_validate_fails_a_wrong_answer_and_names_its_misconception(student_lessons, tmp_path):
    lesson = "01_change_of_basis"
    nb = solved(lesson, student_lessons)
    cell = next(c for c in nb.cells if meta(c).get("grade_id") == "map_in_basis")
    cell.source = "def map_in_basis(A, B):\n    return B @ A @ np.linalg.inv(B)\n"
    _, failed = validate(nb, tmp_path / "wrong", lesson)
    assert list(failed) == ["map_in_basis"]
    assert "likely misconception: B A B^-1 instead of B^-1 A B" in failed["map_in_basis"]
