"""The grader: right answers score 1, known wrong answers are caught and named, nothing escapes."""
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import grader
import solutions
from grader.checking import runner

from lesson_files import CURRICULUM, curriculum_text


def curriculum_names(text=None):
    """Every graded function of the contract and its additions, in order: rows of the form | `name(args)` | ... |."""
    text = curriculum_text() if text is None else text
    return [m.group(1) for m in re.finditer(r"^\| `(\w+)\(", text, flags=re.M)]


def test_grader_knows_exactly_the_curriculum_names_in_order():
    names = curriculum_names()
    assert len(curriculum_names(CURRICULUM.read_text())) == 29  # the contract itself never changes
    assert names[:29] == curriculum_names(CURRICULUM.read_text())
    assert list(grader.NAMES) == names


def test_signatures_follow_the_contract():
    text = curriculum_text()
    for name in grader.NAMES:
        contract = re.search(rf"^\| `{name}\(([^)]*)\)`", text, flags=re.M).group(1)
        assert grader.exercise(name).signature == contract
        import inspect
        params = list(inspect.signature(getattr(solutions, name)).parameters)
        assert [p.split("=")[0].strip() for p in contract.split(",")] == params[: len(contract.split(","))]


@pytest.mark.parametrize("name", grader.NAMES)
def test_the_right_answer_scores_one(name, reference_copy):
    result = grader.grade(name, getattr(reference_copy, name))
    assert result.score == 1.0, result.feedback
    assert "all" in result.feedback and "checks passed" in result.feedback
    assert 6 <= result.total <= 20  # enough cases to tell right from almost-right, few enough to be fast


@pytest.mark.parametrize("name", grader.NAMES)
def test_every_exercise_has_public_pen_and_paper_and_random_cases(name):
    cases = grader.cases(name)
    assert any(c.public for c in cases)
    assert not all(c.public for c in cases)
    assert len({c.label for c in cases}) == len(cases), "case labels must tell cases apart"


def _misconceptions():
    return [(n, i) for n in grader.NAMES for i, _ in enumerate(grader.exercise(n).misconceptions)]


@pytest.mark.parametrize("name", grader.NAMES)
def test_every_exercise_has_a_bank_of_at_least_two_misconceptions(name):
    assert len(grader.exercise(name).misconceptions) >= 2


@pytest.mark.parametrize("name,i", _misconceptions())
def test_each_misconception_loses_points_and_is_named(name, i):
    m = grader.exercise(name).misconceptions[i]
    result = grader.grade(name, m.fn)
    assert result.score < 1.0
    assert m.title in result.misconceptions
    assert f"Likely misconception - {m.title}" in result.feedback


def _as_list(fn):
    def student(*args, **kwargs):
        out = fn(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            return [np.asarray(o).tolist() for o in out]
        return np.asarray(out).tolist()
    return student


def _as_float32(fn):
    def student(*args, **kwargs):
        args = [np.asarray(a, np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args]
        args = [[np.asarray(w, np.float32) for w in a] if isinstance(a, list) else a for a in args]
        out = fn(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            return type(out)(np.asarray(o, np.float32) for o in out)
        out = np.asarray(out)
        return out.astype(np.float32) if out.dtype.kind == "f" else out
    return student


@pytest.mark.parametrize("name", grader.NAMES)
def test_lists_get_full_marks(name, reference_copy):
    result = grader.grade(name, _as_list(getattr(reference_copy, name)))
    assert result.score == 1.0, result.feedback


@pytest.mark.parametrize("name", grader.NAMES)
def test_float32_computations_get_full_marks(name, reference_copy):
    result = grader.grade(name, _as_float32(getattr(reference_copy, name)))
    assert result.score == 1.0, result.feedback


def test_a_stub_scores_zero_with_a_clear_message():
    def to_basis(B, x):
        raise NotImplementedError()
    result = grader.grade("to_basis", to_basis)
    assert result.score == 0.0
    assert "NotImplementedError" in result.feedback and "0 of" in result.feedback


def test_a_hanging_function_is_stopped():
    def relu(x):
        while True:
            pass
    start = time.perf_counter()
    result = grader.grade("relu", relu)
    assert time.perf_counter() - start < 3 * grader.checking.tolerances.CALL_TIMEOUT
    assert result.score == 0.0
    assert "did not return" in result.feedback


def test_a_function_that_swallows_exceptions_is_still_stopped():
    def relu(x):
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass
    result = grader.grade("relu", relu)
    assert result.score == 0.0 and "did not return" in result.feedback


def test_a_hanging_function_is_stopped_off_the_main_thread():
    import threading
    box = {}

    def relu(x):
        while True:
            pass
    t = threading.Thread(target=lambda: box.setdefault("r", grader.grade("relu", relu)))
    t.start()
    t.join(30)
    assert box["r"].score == 0.0 and "did not return" in box["r"].feedback


def test_scores_and_feedback_are_deterministic():
    wrong = grader.exercise("softmax").misconceptions[0].fn
    a, b = grader.grade("softmax", wrong), grader.grade("softmax", wrong)
    assert (a.score, a.feedback) == (b.score, b.feedback)
    np.random.seed(123)  # a student's global seeding must not change the cases
    for name in grader.NAMES:
        c1, c2 = grader.cases(name), grader.cases(name)
        assert [c.label for c in c1] == [c.label for c in c2]
        for x, y in zip(c1, c2):
            for u, v in zip(x.args, y.args):
                if isinstance(u, list):
                    assert all(np.array_equal(a, b) for a, b in zip(u, v))
                else:
                    assert np.array_equal(u, v)


def test_an_unknown_name_raises_with_the_list_of_names():
    with pytest.raises(grader.UnknownExercise) as e:
        grader.grade("to_basiss", lambda B, x: x)
    for name in grader.NAMES:
        assert name in str(e.value)


def test_handing_in_the_reference_scores_zero():
    result = grader.grade("to_basis", solutions.to_basis)
    assert result.score == 0.0 and "reference" in result.feedback


def test_importing_the_reference_inside_the_function_scores_zero():
    def to_basis(B, x):
        import solutions
        return solutions.to_basis(B, x)
    result = grader.grade("to_basis", to_basis)
    assert result.score == 0.0 and "solutions" in result.feedback


def test_calling_the_reference_under_another_name_scores_zero():
    hidden = __import__("sol" + "utions.change_of_basis", fromlist=["x"])
    f = getattr(hidden, "to_" + "basis")

    def to_basis(B, x):
        return f(B, x)
    result = grader.grade("to_basis", to_basis)
    assert result.score == 0.0 and "calls the reference" in result.feedback


def test_a_fake_reference_module_in_sys_modules_scores_zero(monkeypatch):
    import types
    fake = types.ModuleType("solutions")
    monkeypatch.setitem(sys.modules, "solutions", fake)
    result = grader.grade("relu", lambda x: np.maximum(x, 0))
    assert result.score == 0.0 and "sys.modules" in result.feedback


def test_wrong_shapes_nan_and_strange_objects_are_reported_not_raised():
    r = grader.grade("relu", lambda x: np.zeros(3))
    assert r.score < 1 and "shape" in r.feedback
    r = grader.grade("relu", lambda x: np.full(np.shape(x), np.nan))
    assert r.score == 0 and "nan" in r.feedback.lower()

    class AlwaysEqual:
        def __eq__(self, other):
            return True
    r = grader.grade("relu", lambda x: AlwaysEqual())
    assert r.score == 0 and "AlwaysEqual" in r.feedback

    class Sneaky(np.ndarray):  # an ndarray subclass is read as the plain array it is: its own methods never run
        def __eq__(self, other):
            return True

        def __sub__(self, other):
            return np.zeros(self.shape)
    r = grader.grade("relu", lambda x: np.zeros(np.shape(x)).view(Sneaky))
    assert r.score < 1
    r = grader.grade("relu", lambda x: np.maximum(x, 0).view(Sneaky))
    assert r.score == 1
    r = grader.grade("relu", "not a function")
    assert r.score == 0 and "expected a function" in r.feedback
    r = grader.grade("relu", lambda x: [[1, 2], [3]])
    assert r.score == 0 and "ragged" in r.feedback


def test_nothing_reaches_stderr_and_no_warning_escapes(capfd):
    def noisy_softmax(S, axis=-1):
        print("debugging", file=sys.stderr)
        warnings.warn("careful")
        E = np.exp(S)  # overflows at 1e4
        return E / E.sum(axis=axis, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = grader.grade("softmax", noisy_softmax)
    out, err = capfd.readouterr()
    assert err == ""
    assert result.score < 1
    assert "debugging" in result.feedback  # what the function printed is shown, on stdout


def test_points_prints_feedback_and_returns_partial_credit(capsys, reference_copy):
    assert grader.points("relu", reference_copy.relu, 2) == 2.0
    assert "all" in capsys.readouterr().out
    wrong = grader.exercise("to_basis").misconceptions[2]
    pts = grader.points("to_basis", wrong.fn, 3)
    assert 0 < pts < 3
    assert pts == round(grader.grade("to_basis", wrong.fn).score * 3, 3)
    assert wrong.title in capsys.readouterr().out


def test_inputs_are_copied_and_in_place_edits_noted(reference_copy):
    def relu(x):
        x = np.asarray(x)
        x[x < 0] = 0
        return x
    result = grader.grade("relu", relu)
    assert result.score == 1.0
    assert "changes the arrays it is given" in result.feedback


def test_feedback_never_quotes_reference_values_of_hidden_cases(reference_copy):
    wrong = grader.exercise("to_basis").misconceptions[0].fn
    for case in grader.cases("to_basis"):
        if case.public:
            continue
        expected = reference_copy.to_basis(*case.args)
        run = runner.run_cases(wrong, [case])
        from grader.reference.judge import judge
        text = judge(grader.exercise("to_basis"), [case], run).feedback
        for v in np.ravel(expected):
            assert f"{v:.4f}" not in text


def test_the_student_side_never_imports_the_reference():
    code = ("import sys, numpy as np, grader\n"
            "from grader.checking.runner import run_cases\n"
            "for n in grader.NAMES: run_cases(lambda *a, **k: 0.0, grader.cases(n))\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'solutions'], 'solutions was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_calling_the_course_helpers_instead_of_answering_scores_zero():
    from actspace import weights

    def softmax_via_a_helper(S, axis=-1):
        weights.random_block_weights(np.random.default_rng(0), 2)  # any course helper: not the learner's work
        E = np.exp(S - np.max(S, axis=axis, keepdims=True))
        return E / np.sum(E, axis=axis, keepdims=True)
    result = grader.grade("softmax", softmax_via_a_helper)
    assert result.score == 0.0 and "actspace.weights" in result.feedback


def test_a_course_helper_called_in_a_thread_is_seen_too():
    import threading

    from actspace import weights

    def softmax_via_a_threaded_helper(S, axis=-1):
        t = threading.Thread(target=weights.random_block_weights, args=(np.random.default_rng(0), 2))
        t.start()
        t.join()
        E = np.exp(S - np.max(S, axis=axis, keepdims=True))
        return E / np.sum(E, axis=axis, keepdims=True)
    result = grader.grade("softmax", softmax_via_a_threaded_helper)
    assert result.score == 0.0 and "`random_block_weights` in `actspace.weights`" in result.feedback
    assert threading.getprofile() is None  # the watch is gone again


def _given_lesson5_cell():
    """The namespace of lesson 5's locked given cell (lesson 4's multi_head_attention), run on its own."""
    import nbformat
    from lesson_files import LESSONS
    nb = nbformat.read(LESSONS / "05_transformer_layer" / "05_transformer_layer.ipynb", as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "given_multi_head_attention"]
    assert cell.metadata["nbgrader"] == {"grade": False, "grade_id": "given_multi_head_attention", "locked": True,
                                         "schema_version": 3, "solution": False, "task": False}
    ns = {"np": np}
    exec(compile(cell.source, "given_multi_head_attention", "exec"), ns)
    return ns


def test_the_transformer_block_may_use_the_given_attention(reference_copy):
    ns = dict(vars(reference_copy))
    ns["multi_head_attention"] = _given_lesson5_cell()["multi_head_attention"]  # as the lesson-5 notebook gives it
    ref = reference_copy.transformer_block
    block = type(ref)(ref.__code__, ns, ref.__name__, ref.__defaults__)
    assert grader.grade("transformer_block", block).score == 1.0


def test_lesson_5s_given_attention_agrees_with_the_reference():
    """Lesson 5's given cell re-states lesson 4's multi_head_attention (einsum version): it must not drift."""
    mha = _given_lesson5_cell()["multi_head_attention"]
    rng = np.random.default_rng(0)
    for causal in (False, True):
        for _ in range(3):
            n, d, h, e = rng.integers(1, 7), rng.integers(1, 7), rng.integers(1, 4), rng.integers(1, 5)
            X = rng.normal(size=(n, d)) * 3
            Ws = [rng.normal(size=(h, d, e)) for _ in range(3)] + [rng.normal(size=(h, e, d))]
            assert np.allclose(mha(X, *Ws, causal=causal), solutions.multi_head_attention(X, *Ws, causal=causal))
