"""Evidence from a grading kernel, checked and judged outside it: the format, the preprocessors, the intake."""
import base64
import re
import functools
import json

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader import utils

import grader
from grader.checking import evidence, kernel
from grader.autograde import intake, verdicts
from grader.course.course import INSTALLED_LESSONS
from grader.autograde.execution import GradingExecute
from grader import exercises
from grader.reference import judge as judge_module
from grader.reference.judge import judge
from grader.autograde.outputcap import LimitOutputBytes
from grader.checking.runner import run_cases

L1, L2 = "01_change_of_basis", "02_relu_orthants"


STUDENT = "s"  # the student whose grading cases the kernel was given


def payload(name, fn):
    """The evidence a grading kernel would show for `fn`, as JSON (what the notebook file holds)."""
    cases = grader.cases(name, student=STUDENT)
    return json.loads(json.dumps(evidence.encode(name, cases, run_cases(fn, cases, may_call=grader.exercise(name).may_call))))


def judged(name, data):
    """The Result of judging evidence `data` for exercise `name`."""
    cases = grader.cases(name, student=STUDENT)
    return judge(grader.exercise(name), cases, evidence.decode(data, name, cases))


# ---------------------------------------------------------------- the format


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from([np.dtype(d) for d in evidence.DTYPES] + [np.dtype(">f8"), np.dtype(">i4")]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
def test_arrays_round_trip_bit_for_bit_as_plain_ndarrays(array):
    data = json.loads(json.dumps(evidence.encode_value(array)))
    back = evidence.decode_value(data, [evidence.MAX_BYTES])
    assert type(back) is np.ndarray and back.dtype == array.dtype.newbyteorder("=") and back.shape == array.shape
    assert back.tobytes() == np.ascontiguousarray(array, dtype=back.dtype).tobytes()


def test_lists_of_arrays_round_trip():
    value = [np.arange(3.0), [np.array(2), np.zeros((0, 2))]]
    back = evidence.decode_value(json.loads(json.dumps(evidence.encode_value(value))), [evidence.MAX_BYTES])
    assert isinstance(back, list) and isinstance(back[1], list)
    assert np.array_equal(back[0], value[0]) and back[1][1].shape == (0, 2)


@pytest.mark.parametrize("name", grader.NAMES)
def test_judging_evidence_gives_what_grade_gives(name, reference_copy):
    right = getattr(reference_copy, name)
    student_grade = functools.partial(judge_module.grade, secret=exercises.DEFAULT_SECRET, student=STUDENT)
    assert judged(name, payload(name, right)).score == student_grade(name, right).score == 1.0
    wrong = grader.exercise(name).misconceptions[0].fn
    a, b = judged(name, payload(name, wrong)), student_grade(name, wrong)
    assert (a.score, a.feedback) == (b.score, b.feedback)


def test_calls_into_the_reference_noticed_in_the_kernel_still_score_zero():
    import solutions
    result = judged("relu", payload("relu", solutions.relu))
    assert result.score == 0 and "reference" in result.feedback


def _broken(change):
    data = payload("relu", lambda x: np.maximum(x, 0))
    change(data)
    return data


BROKEN = {
    "an extra key": (lambda d: d.update(score=1.0), "keys"),
    "a missing key": (lambda d: d.pop("notes"), "keys"),
    "another exercise": (lambda d: d.update(exercise="kept_cone"), "is for 'kept_cone'"),
    "other cases": (lambda d: d["cases"].reverse(), "other cases"),
    "too few outcomes": (lambda d: d["outcomes"].pop(), "number of outcomes"),
    "an unknown status": (lambda d: d["outcomes"][0].update(status="passed"), "status"),
    "a value on an error": (lambda d: d["outcomes"][0].update(status="error"), "carries a value"),
    "an object dtype": (lambda d: d["outcomes"][0]["value"].update(dtype="object"), "dtype"),
    "a complex dtype": (lambda d: d["outcomes"][0]["value"].update(dtype="complex128"), "dtype"),
    "a shape the data does not fill": (lambda d: d["outcomes"][0]["value"]["shape"].append(2), "does not fill"),
    "data that is not base64": (lambda d: d["outcomes"][0]["value"].update(data="$$$$"), "base64"),
    "a pickle": (lambda d: d["outcomes"][0].update(value={"pickle": "gASVAAAAAAAAAAB9lC4="}), "keys"),
    "a boolean version": (lambda d: d.update(version=True), "version"),
    "a huge message": (lambda d: d["outcomes"][0].update(message="x" * 10 ** 5), "longer than"),
    "a string for a number": (lambda d: d["outcomes"][0]["value"].update(shape=["3"]), "whole number"),
}


@pytest.mark.parametrize("what", list(BROKEN))
def test_evidence_that_is_not_exactly_what_the_kernel_writes_is_refused(what):
    change, words = BROKEN[what]
    with pytest.raises(evidence.BadEvidence, match=words):
        evidence.decode(_broken(change), "relu", grader.cases("relu"))


def test_booleans_must_be_0_or_1_and_sizes_are_bounded():
    data = {"dtype": "bool", "shape": [2], "data": base64.b64encode(b"\x00\x02").decode()}
    with pytest.raises(evidence.BadEvidence, match="other than 0 and 1"):
        evidence.decode_value(data, [evidence.MAX_BYTES])
    big = {"dtype": "float64", "shape": [10 ** 9], "data": ""}
    with pytest.raises(evidence.BadEvidence, match="too large"):
        evidence.decode_value(big, [evidence.MAX_BYTES])
    deep = {"items": [{"items": [{"items": [{"items": [{"items": []}]}]}]}]}
    with pytest.raises(evidence.BadEvidence, match="nested"):
        evidence.decode_value(deep, [evidence.MAX_BYTES])


def test_points_judges_in_place_outside_the_autograder(capsys, reference_copy, monkeypatch):
    monkeypatch.delenv(evidence.ENV, raising=False)
    assert not evidence.grading()
    assert grader.points("relu", reference_copy.relu, 2) == 2.0
    assert "all" in capsys.readouterr().out


def test_points_shows_evidence_and_judges_nothing_in_a_grading_kernel(monkeypatch, reference_copy, tmp_path):
    shown = []
    cases_file = tmp_path / kernel.CASES_FILE
    kernel.write_cases(cases_file, {"relu": ((), grader.cases("relu"))})
    monkeypatch.setenv(evidence.ENV, evidence.EVIDENCE)
    monkeypatch.setenv(kernel.CASES_ENV, str(cases_file))
    monkeypatch.setattr("IPython.display.display", lambda data, raw=False: shown.append(data))
    monkeypatch.setattr("grader.reference.judge.judge", lambda *a: pytest.fail("judged inside the kernel"))
    assert grader.points("relu", reference_copy.relu, 2) == 0.0
    assert len(shown) == 1 and set(shown[0]) == {evidence.MIMETYPE, "text/plain"}
    run = evidence.decode(json.loads(json.dumps(shown[0][evidence.MIMETYPE])), "relu", grader.cases("relu"))
    assert all(o.status == "ok" for o in run.outcomes)


# ---------------------------------------------------------------- JudgeEvidence and RecordGrades


def graded_cell(name, points, outputs=(), grade_id=None):
    cell = new_code_cell(f'# Graded\n### BEGIN HIDDEN TESTS\ngrader.points("{name}", {name}, {points})\n### END HIDDEN TESTS')
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": points,
                                 "grade_id": grade_id or f"{name}_tests", "schema_version": 3}
    cell.outputs = list(outputs)
    cell.execution_count = 3
    return cell


def shown_evidence(data):
    return new_output("display_data", data={evidence.MIMETYPE: data, "text/plain": "evidence"})


def run_judge(cells, stopped=None):
    nb = new_notebook(cells=cells)
    resources = {"actspace": {"stopped": stopped}, "nbgrader": {"assignment": "a", "student": STUDENT, "notebook": "n"}}
    nb, resources = verdicts.JudgeEvidence().preprocess(nb, resources)
    verdicts.RecordGrades().preprocess(nb, resources)
    record = verdicts.take("a", STUDENT)["n"]["grades"]
    return nb, record


def text_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_the_score_comes_from_the_evidence_and_stderr_costs_nothing(reference_copy):
    noise = new_output("stream", name="stderr", text="RuntimeWarning: divide by zero encountered in log\n")
    right = graded_cell("relu", 2, [noise, shown_evidence(payload("relu", reference_copy.relu)),
                                    new_output("execute_result", data={"text/plain": "0.0"}, execution_count=3)])
    wrong_fn = grader.exercise("to_basis").misconceptions[2].fn
    partial = graded_cell("to_basis", 3, [shown_evidence(payload("to_basis", wrong_fn))])
    nb, record = run_judge([right, partial])
    assert record["relu_tests"].points == 2.0 and record["relu_tests"].reason == ""
    assert utils.determine_grade(nb.cells[0])[0] == 2.0 and "all" in text_of(nb.cells[0])
    want = round(grader.grade("to_basis", wrong_fn).score * 3, 3)
    assert 0 < record["to_basis_tests"].points == want < 3
    assert not any(o.output_type == "stream" and o.name == "stderr" for c in nb.cells for o in c.outputs)


def test_no_evidence_scores_zero_with_the_reason(reference_copy):
    error = new_output("error", ename="NameError", evalue="name 'relu' is not defined", traceback=[])
    twice = [shown_evidence(payload("relu", reference_copy.relu))] * 2
    other = [shown_evidence(payload("relu", reference_copy.relu))]
    cells = [graded_cell("relu", 1, [], "a"), graded_cell("relu", 1, [error], "b"), graded_cell("relu", 1, twice, "c"),
             graded_cell("kept_cone", 2, other, "d"),
             graded_cell("relu", 1, [new_output("display_data", data={"text/plain": "all checks passed"})], "e")]
    nb, record = run_judge(cells)
    reasons = {k: v.reason for k, v in record.items()}
    assert all(v.points == 0.0 for v in record.values())
    assert "showed no evidence" in reasons["a"] and "showed no evidence" in reasons["e"]
    assert "raised NameError" in reasons["b"]
    assert "2 pieces of evidence" in reasons["c"]
    assert "is for 'relu', not for 'kept_cone'" in reasons["d"]
    for cell in nb.cells:
        assert utils.determine_grade(cell)[0] == 0.0 and "0 of" in text_of(cell)


def test_cells_after_a_stop_did_not_run_and_a_note_says_where(reference_copy):
    cells = [graded_cell("relu", 1, [shown_evidence(payload("relu", reference_copy.relu))], "a"),
             new_code_cell("import os; os._exit(0)"), graded_cell("relu", 1, [], "b")]
    nb, record = run_judge(cells, stopped={"index": 1, "reason": "the kernel died (os._exit, ...)"})
    assert record["a"].points == 1.0
    assert record["b"].points == 0.0 and "did not run: the run stopped at cell 3, where the kernel died" in record["b"].reason
    assert nb.cells[0].cell_type == "markdown" and "stopped at cell 3 (`import os; os._exit(0)`)" in nb.cells[0].source
    assert nb.cells[2].source == "import os; os._exit(0)"  # cell 3 of the graded notebook, under the notes


def test_record_grades_keeps_nbgraders_rule_for_other_grade_cells_and_comments():
    plain = new_code_cell("assert True")
    plain.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 4, "grade_id": "plain",
                                  "schema_version": 3}
    answer = new_code_cell("def f(): pass")
    answer.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": "f", "schema_version": 3}
    answer.metadata["nbgrader"]["checksum"] = utils.compute_checksum(answer)
    nb, record = run_judge([plain, answer])
    assert record["plain"].points == 4.0 and record["plain"].exercise == ""


# ---------------------------------------------------------------- the byte cap


def test_outputs_are_capped_in_bytes_as_well_as_lines():
    cell = new_code_cell("print('x' * 50_000_000)")
    cell.outputs = [new_output("stream", name="stdout", text="x" * 50_000_000 + "\n"),
                    new_output("display_data", data={"image/png": "A" * 5_000_000}),
                    new_output("error", ename="ValueError", evalue="y" * 10 ** 6, traceback=["z" * 10 ** 6] * 3)]
    cell, _ = LimitOutputBytes().preprocess_cell(cell, {}, 0)
    size = len(json.dumps(cell.outputs))
    assert size < 80 * 1024
    assert "output truncated" in cell.outputs[-1].text and "was removed" in json.dumps(cell.outputs)


# ---------------------------------------------------------------- the intake


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    from grader.course.course import build_student_lessons
    return build_student_lessons(tmp_path_factory.mktemp("released"), [L1, L2])


def hand_in(tmp_path, text, name=f"{L2}.ipynb"):
    folder = tmp_path / "hand-in"
    folder.mkdir(parents=True)
    (folder / name).write_text(text) if isinstance(text, str) else (folder / name).write_bytes(text)
    return folder


def prepare(folder, lesson=L2):
    return intake.prepare(folder, lesson, INSTALLED_LESSONS / lesson / f"{lesson}.ipynb")


def student_nb(released, lesson=L2):
    return nbformat.read(released / lesson / f"{lesson}.ipynb", as_version=4)


@pytest.mark.parametrize("content,words", [(b"", "empty (0 bytes)"), (b'{"cells": [', "malformed JSON"),
                                           (b"\xff\xfe", "not UTF-8"), (b"[1, 2]", "not a Jupyter notebook")])
def test_unreadable_files_are_rejected_with_the_reason(tmp_path, content, words):
    with pytest.raises(intake.Rejected, match=re.escape(words)):
        prepare(hand_in(tmp_path, content))


def test_empty_wrong_and_misnamed_notebooks(tmp_path, released):
    empty = student_nb(released)
    empty.cells = []
    with pytest.raises(intake.Rejected, match="no cells"):
        prepare(hand_in(tmp_path / "a", nbformat.writes(empty)))
    with pytest.raises(intake.Rejected, match=f"notebook of lesson {L1}, not of {L2}"):
        prepare(hand_in(tmp_path / "b", nbformat.writes(student_nb(released, L1))))
    folder = hand_in(tmp_path / "c", nbformat.writes(student_nb(released)), name="Copy of lesson 2.ipynb")
    assert "graded as" in " ".join(prepare(folder)) and (folder / f"{L2}.ipynb").is_file()


def ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


@pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")  # the pasted copy keeps its cell id
def test_grade_cells_are_repaired_from_the_source(tmp_path, released):
    nb = student_nb(released)
    original = ids(nb)
    tests = ids(nb).index("relu_tests")
    nb.cells.insert(ids(nb).index("setup") + 1, nbformat.from_dict(json.loads(json.dumps(nb.cells[tests]))))
    del nb.cells[ids(nb).index("kept_mask_tests")]
    i = ids(nb).index("kept_cone_tests")
    md = new_markdown_cell(nb.cells[i].source)
    md.metadata = nb.cells[i].metadata
    md.metadata["nbgrader"]["points"] = 100
    nb.cells[i] = md
    nb.cells[ids(nb).index("orthant_code_tests")].metadata["nbgrader"]["grade_id"] = "mine"
    folder = hand_in(tmp_path, nbformat.writes(nb))
    notes = " ".join(prepare(folder))
    fixed = nbformat.read(folder / f"{L2}.ipynb", as_version=4)
    assert [i for i in ids(fixed) if i] == [i for i in original if i]  # every id once, in the source's order
    for word in ("appears 2 times", "`kept_mask_tests` was missing", "turned back", "(points)", "does not have"):
        assert word in notes, word
    cone = fixed.cells[ids(fixed).index("kept_cone_tests")]
    assert cone.cell_type == "code" and cone.metadata["nbgrader"]["points"] == 2
    assert ids(fixed).index("kept_mask_tests") == ids(fixed).index("kept_mask_check") + 1
    assert fixed.metadata[verdicts.NOTES_KEY]["notes"]


# ---------------------------------------------------------------- the grading kernel


def execute(cells, timeout=30, budget=600):
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ex = GradingExecute(timeout=timeout, notebook_timeout=budget, interrupt_on_timeout=True)
    nb, resources = ex.preprocess(nb, {})
    return nb, resources["actspace"]["stopped"]


def test_the_grading_kernel_knows_it_grades_and_a_dead_kernel_stops_the_run():
    nb, stopped = execute(["import os; print(os.environ.get('ACTSPACE_AUTOGRADE'))", "import os; os._exit(0)", "1 + 1"])
    assert nb.cells[0].outputs[0].text.strip() == evidence.EVIDENCE
    assert stopped["index"] == 1 and "kernel died" in stopped["reason"]
    assert nb.cells[2].outputs == []


def test_a_cell_that_ignores_interrupts_is_stopped_and_the_run_ends():
    loop = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    nb, stopped = execute(["x = 1", loop, "print(x)"], timeout=3)
    assert stopped["index"] == 1 and "did not stop when interrupted" in stopped["reason"]
    assert nb.cells[2].outputs == []
