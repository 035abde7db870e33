"""The adversarial corpus: submissions that attack the autograder, made from the lessons' student versions.

Every case starts from the released student version of a lesson (so the
corpus follows the lessons as they change), mostly solved with the source
notebook's own solution code, and attacks one thing. It declares the score
the autograder must give and a piece of the reason a teacher and a learner
are shown. A few attacks need the sandbox to fail (reading the instructor's
files, importing the reference); for those the case also says what happens
without it, which the README's threat model states.

`build(course)` returns {case name: {file name: bytes}} for a course whose
lessons are released; `Case.expected(sandboxed)` is (score, reason).
"""
import json
from dataclasses import dataclass
from typing import Callable, Optional

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

import grader
from grader.course import demo
from grader import exercises
from grader.reference import judge

L1, L2 = "01_change_of_basis", "02_relu_orthants"
LESSONS = (L1, L2)


class Lessons:
    """The released and source notebooks of a course's lessons, and their graded cells' points."""

    def __init__(self, course):
        self.released = {l: (course.root / "release" / l / f"{l}.ipynb").read_text() for l in LESSONS}
        self.source = {l: nbformat.read(course.source / l / f"{l}.ipynb", as_version=4) for l in LESSONS}
        self.secret = course.secret  # the grading cases of each student (the case's name) come from it

    def points(self, lesson):
        """{exercise: points of its graded cell}."""
        out = {}
        for cell in self.source[lesson].cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                out[meta["grade_id"].removesuffix("_tests")] = float(meta["points"])
        return out

    def total(self, lesson):
        return sum(self.points(lesson).values())

    def blank(self, lesson, figures=False):
        """The student version as released; without the figure cells (not graded; a learner may delete them)."""
        nb = nbformat.reads(self.released[lesson], as_version=4)
        if not figures:
            nb.cells = [c for c in nb.cells if c.cell_type != "code" or "nbgrader" in c.metadata]
        return nb

    def solved(self, lesson, figures=False, wrap=None):
        """The student version with every exercise answered by the source's solution code."""
        nb = self.blank(lesson, figures)
        answers = {n: demo.solution_code(c.source) for n, c in demo.solution_cells(self.source[lesson]).items()}
        for name, cell in demo.solution_cells(nb).items():
            cell.source = answers[name] + (f"\n{name} = {wrap}({name})" if wrap else "")
        return nb


def gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def find(nb, grade_id):
    """Index of the cell with this grade id."""
    return next(i for i, c in enumerate(nb.cells) if gid(c) == grade_id)


def answer(nb, name, code):
    nb.cells[find(nb, name)].source = code


def add(nb, code, after="setup", markdown=False):
    """Insert a new cell after the cell `after` (a grade id, or None for the end)."""
    cell = new_markdown_cell(code) if markdown else new_code_cell(code)
    nb.cells.insert(len(nb.cells) if after is None else find(nb, after) + 1, cell)
    return nb


def raw(nb):
    """The notebook's file as JupyterLab saves it: no validation, so a pasted cell keeps its duplicate id."""
    return json.dumps(nb, indent=1, ensure_ascii=False).encode()


def text(nb):
    return {"": raw(nb)}


def no_answers(nb):
    """Every solution cell emptied: the functions are never defined."""
    for cell in demo.solution_cells(nb).values():
        cell.source = "# (left empty)"
    return nb


@dataclass(frozen=True)
class Case:
    """One attack: what it does, how to make it, and what the autograder must give for it."""

    name: str  # also the student's id
    lesson: str
    what: str  # one line, for the report's table
    make: Callable  # Lessons -> {file name ("" for the lesson's own name): bytes}
    score: Callable  # Lessons -> the expected score
    reason: str  # part of what the teacher and the learner are shown
    unsandboxed: Optional[tuple] = None  # (score fn, reason) without the sandbox, where that differs

    def expected(self, lessons, sandboxed):
        """(score, reason) expected with or without the sandbox."""
        if self.unsandboxed and not sandboxed:
            return self.unsandboxed[0](lessons), self.unsandboxed[1]
        return self.score(lessons), self.reason


def full(lesson):
    return lambda ls: ls.total(lesson)


def without(lesson, *names):
    return lambda ls: ls.total(lesson) - sum(ls.points(lesson)[n] for n in names)


def only(lesson, *names):
    return lambda ls: sum(ls.points(lesson)[n] for n in names)


def zero(ls):
    return 0.0


def misconception_score(ls):
    """The score of the student `misconception`, whose kept_cone is the bank's first misconception (its own cases)."""
    wrong = grader.exercise("kept_cone").misconceptions[0].fn
    result = judge.grade("kept_cone", wrong, secret=ls.secret, student="misconception")
    return without(L2, "kept_cone")(ls) + round(result.score * ls.points(L2)["kept_cone"], 3)


# ---------------------------------------------------------------- code the attacks hand in

READ_SOURCE = '''import json, pathlib, grader
_src = pathlib.Path(grader.__file__).resolve().parents[1] / "lessons" / "{lesson}" / "{lesson}.ipynb"
for _c in json.loads(_src.read_text())["cells"]:
    if _c["metadata"].get("nbgrader", {{}}).get("solution"):
        exec("".join(_c["source"]))
'''

POINTS_FROM_REFERENCE = '''import grader
from grader.checking import evidence, kernel, runner
from IPython.display import display

def _points(name, fn, out_of):
    import solutions
    ref, cases = getattr(solutions, name), kernel.read_cases(name)[1]
    run = runner.Run([runner.Outcome("ok", value=runner.sanitize(ref(*c.args, **c.kwargs))) for c in cases])
    display({evidence.MIMETYPE: evidence.encode(name, cases, run), "text/plain": name}, raw=True)
    return out_of

grader.points = _points
'''

FORGED_VALUES = '''import grader
from grader.checking import evidence, kernel, runner
from IPython.display import display

def _points(name, fn, out_of):
    cases = kernel.read_cases(name)[1]
    run = runner.Run([runner.Outcome("ok", value=np.full(np.shape(c.args[-1]), 12345.0)) for c in cases])
    display({evidence.MIMETYPE: evidence.encode(name, cases, run), "text/plain": name}, raw=True)
    return out_of

grader.points = _points
'''

MALFORMED_EVIDENCE = '''import grader
from grader.checking import evidence, kernel
from IPython.display import display
_real_emit = kernel.emit

def _emit(name, fn):
    cases = kernel.read_cases(name)[1]
    payload = evidence.encode(name, cases, grader.run_cases(fn, cases))
    payload["score"] = 1.0
    display({evidence.MIMETYPE: payload, "text/plain": name}, raw=True)

kernel.emit = _emit
'''

TWICE = '''import grader
_real_points = grader.points

def _points(name, fn, out_of):
    _real_points(name, fn, out_of)
    return _real_points(name, fn, out_of)

grader.points = _points
'''

ALWAYS_RELU = '''import grader
_real_points = grader.points
grader.points = lambda name, fn, out_of: _real_points("relu", relu, out_of)
'''

PATCHED_JUDGE = '''import grader, grader.reference.judge
def _judge(exercise, cases, run):
    return grader.reference.judge.Result(exercise.name, 1.0, f"{exercise.name}: all checks passed.", len(cases), len(cases))
grader.reference.judge.judge = _judge
'''

NOOP_NUMPY = '''np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, bool)
'''

FAKE_REFERENCE = '''import sys, types
_fake = types.ModuleType("solutions")
for _name in ("relu", "orthant_code", "kept_mask", "relu_in_basis", "kept_cone", "count_activation_patterns"):
    setattr(_fake, _name, lambda *a, **k: 0)
sys.modules["solutions"] = _fake
'''

WRITE_GRADEBOOK = '''import sqlite3, pathlib
for _db in [pathlib.Path("../../../gradebook.db"), *pathlib.Path("../../..").glob("*.db")]:
    try:
        _con = sqlite3.connect(_db)
        _con.execute("UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id), "
                     "auto_score = (SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)")
        _con.commit()
        _con.close()
    except Exception as _e:
        print("could not write", _db, _e)
'''

DETACHED_CHILD = '''import subprocess, sys
_child = """
import pathlib, sqlite3, time
time.sleep(6)
try:
    con = sqlite3.connect(pathlib.Path('../../../gradebook.db'))
    con.execute('UPDATE grade SET manual_score = 100, auto_score = 100')
    con.commit()
except Exception:
    pass
"""
subprocess.Popen([sys.executable, "-c", _child], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''

FORK_BOMB = '''import os, time

def _bomb(depth):
    for _ in range(2):
        try:
            pid = os.fork()
        except OSError:
            return
        if pid == 0:
            if depth > 1:
                _bomb(depth - 1)
            time.sleep(2)
            os._exit(0)

_bomb(5)  # bounded: 62 processes that sleep 2 s and exit
'''

MEMORY_BOMB = '''def kept_cone(W):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as f:
        used = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize"))
    cap = used + 2 ** 30
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    try:
        hog = []
        while True:
            hog.append(bytearray(50 * 2 ** 20))
    finally:
        hog = None
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
'''

READ_HIDDEN = '''def kept_cone(W):
    import glob, re, sys
    found = []
    for path in glob.glob("*.ipynb") + glob.glob("../*/*.ipynb"):
        try:
            found += re.findall(r"BEGIN HIDDEN TESTS(.*?)END HIDDEN TESTS", open(path).read(), re.S)
        except OSError:
            pass
    history = get_ipython().user_ns.get("In", [])
    found += [h for h in history if "grader.points" in h]
    frame = sys._getframe(1)
    while frame is not None:  # the grader's own frames: nothing of the reference is there
        found += [repr(v)[:80] for v in frame.f_locals.values()]
        frame = frame.f_back
    return np.zeros_like(W)
'''

AS_FLOAT32 = '''import functools

def _float32(fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):
            return tuple(np.asarray(o, np.float32) for o in out)
        out = np.asarray(out)
        return out.astype(np.float32) if out.dtype.kind == "f" else out
    return wrapped
'''

AS_LIST = '''import functools

def _as_list(fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):
            return [np.asarray(o).tolist() for o in out]
        return np.asarray(out).tolist()
    return wrapped
'''


def _solved_with(lesson, *steps, figures=False, wrap=None):
    """A maker: the solved lesson, then each step(nb) applied."""
    def make(ls):
        nb = ls.solved(lesson, figures, wrap)
        for step in steps:
            nb = step(nb) or nb
        return text(nb)
    return make


def _blank_with(lesson, *steps):
    def make(ls):
        nb = ls.blank(lesson)
        for step in steps:
            nb = step(nb) or nb
        return text(nb)
    return make


def _set(name, code):
    return lambda nb: answer(nb, name, code)


def _then(name, code):
    """Append `code` to the solution cell `name`."""
    def step(nb):
        cell = nb.cells[find(nb, name)]
        cell.source += "\n" + code
    return step


def _add(code, after="setup"):
    return lambda nb: add(nb, code, after)


def _meta(grade_id, **changes):
    def step(nb):
        nb.cells[find(nb, grade_id)].metadata["nbgrader"].update(changes)
    return step


def _paste_copy(grade_id, after="setup"):
    def step(nb):
        copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[find(nb, grade_id)])))
        nb.cells.insert(find(nb, after) + 1, copy)
    return step


def _delete(grade_id):
    def step(nb):
        del nb.cells[find(nb, grade_id)]
    return step


def _retype(grade_id):
    def step(nb):
        i = find(nb, grade_id)
        cell = new_markdown_cell(nb.cells[i].source)
        cell.metadata = nb.cells[i].metadata
        nb.cells[i] = cell
    return step


def _duplicate_solution(name, first_code):
    def step(nb):
        i = find(nb, name)
        copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[i])))
        copy.source = first_code
        nb.cells.insert(i, copy)
    return step


def _raw(data):
    return lambda ls: {"": data}


def _renamed(ls):
    return {f"{L2} (1).ipynb": raw(ls.solved(L2))}


def _two_notebooks(ls):
    solved = raw(ls.solved(L2))
    return {"draft.ipynb": solved, "final.ipynb": solved}


def _wrong_lesson(ls):
    return {"": raw(ls.solved(L1))}


def _truncated(ls):
    data = raw(ls.solved(L2))
    return {"": data[: len(data) // 2]}


def _no_cells(ls):
    nb = ls.solved(L2)
    nb.cells = []
    return {"": raw(nb)}


def _kernelspec(nb):
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "evil", "language": "python"}


def _foreign_grade_cell(nb):
    add(nb, 'print("bonus: all checks passed")', after=None)
    nb.cells[-1].metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 50,
                                         "grade_id": "bonus_tests", "schema_version": 3}


def _reid(nb):
    cell = nb.cells[find(nb, "kept_cone_tests")]
    cell.metadata["nbgrader"]["grade_id"] = "kept_cone_tests_mine"
    cell.source = 'print("kept_cone: all checks passed.")'


WRONG_CONE = "def kept_cone(W):\n    return -np.abs(W) - 1"

# the practice key as an answer key: every solution a lookup of the key's answers by the inputs' bytes
LOOKUP_TABLE = """import json as _json
from grader.checking import practice as _practice
from grader.checking.cases import Case as _Case, encode_case as _encode


def _key(args, kwargs):
    return _json.dumps(_encode(_Case("", tuple(args), dict(kwargs))), sort_keys=True).split('"args"')[1]


def _lookup(name):
    _spec, cases, expected, _wrong, _dev = _practice.load(name)
    table = {_key(c.args, c.kwargs): e for c, e in zip(cases, expected)}
    return lambda *args, **kwargs: table[_key(args, kwargs)]
"""


def _lookup_everything(lesson):
    """A maker: every exercise of `lesson` answered by a lookup in the practice key that ships to learners."""
    def make(ls):
        nb = ls.blank(lesson)
        add(nb, LOOKUP_TABLE)
        for name in demo.solution_cells(nb):
            answer(nb, name, f"{name} = _lookup({name!r})")
        return text(nb)
    return make


def public_share_score(lesson, student):
    """What the public cases are worth: the cases every learner's practice key holds anyway."""
    def score(ls):
        total = 0.0
        for name, points in ls.points(lesson).items():
            if points:
                cases = exercises.grading_cases(name, ls.secret, student)
                total += round(sum(c.public for c in cases) / len(cases) * points, 3)
        return total
    return score

HELPER_IN_A_THREAD = """def orthant_code(X):
    import threading
    from actspace.plotting.relu import lattice  # a course helper (no helper computes this answer any more)
    box = []
    def work():
        lattice()  # called in a thread the function starts: a profile hook on one thread would miss it
        X_ = np.asarray(X, float)
        box.append((X_ > 0).astype(np.int64) @ (2 ** np.arange(X_.shape[1])))
    t = threading.Thread(target=work)
    t.start()
    t.join()
    return box[0]
"""

CASES = [
    Case("helper_in_a_thread", L2, "orthant_code calls a plotting helper in a thread, past the watch",
         _solved_with(L2, _set("orthant_code", HELPER_IN_A_THREAD)), without(L2, "orthant_code"),
         "calls the course's helper `lattice` in `actspace.plotting.relu`"),
    Case("lookup_table", L2, "every answer looked up in the practice key by the inputs (no implementation)",
         _lookup_everything(L2), public_share_score(L2, "lookup_table"), "checks passed"),
    Case("full_marks", L2, "the source's answers, figures included", _solved_with(L2, figures=True), full(L2), "all"),
    Case("full_marks_lesson1", L1, "lesson 1 answered correctly", _solved_with(L1), full(L1), "all"),
    Case("blank", L2, "the student version as released", _blank_with(L2), zero, "NotImplementedError"),
    Case("misconception", L2, "one exercise bound to a known wrong implementation",
         _solved_with(L2, _set("kept_cone", "def kept_cone(W):\n    return np.asarray(W, float)  # the columns of W")),
         misconception_score, "Likely misconception"),
    # part 1: positive evidence
    Case("blank_later_cells", L2, "input_transformers_cleanup blanks every later cell (blank answers)",
         _blank_with(L2, _add("get_ipython().input_transformers_cleanup.append(lambda lines: [])")),
         zero, "showed no evidence"),
    Case("patched_points", L2, "grader.points replaced by `return out_of` (blank answers)",
         _blank_with(L2, _add("import grader\ngrader.points = lambda name, fn, out_of: out_of")),
         zero, "showed no evidence"),
    Case("patched_judge", L2, "the in-kernel judge replaced by one that passes everything (blank answers)",
         _blank_with(L2, _add(PATCHED_JUDGE)), zero, "NotImplementedError"),
    Case("noop_numpy_checks", L2, "np.testing.assert_allclose, np.allclose & co. made no-ops; kept_cone wrong",
         _solved_with(L2, _add(NOOP_NUMPY), _set("kept_cone", WRONG_CONE)), without(L2, "kept_cone"), "0 of"),
    Case("forged_evidence", L2, "grader.points shows evidence made up without the functions (blank answers)",
         _blank_with(L2, _add(FORGED_VALUES)), zero, "0 of"),
    Case("malformed_evidence", L2, "evidence with an extra key (`score: 1.0`)",
         _solved_with(L2, _add(MALFORMED_EVIDENCE)), zero, "malformed"),
    Case("evidence_twice", L2, "grader.points shows its evidence twice per cell",
         _solved_with(L2, _add(TWICE)), zero, "pieces of evidence"),
    Case("evidence_of_other_exercise", L2, "every graded cell shows relu's evidence",
         _solved_with(L2, _add(ALWAYS_RELU, after="relu")), only(L2, "relu"), "the evidence is for 'relu'"),
    Case("import_reference", L2, "kept_cone imports `solutions` inside the function",
         _solved_with(L2, _set("kept_cone", "def kept_cone(W):\n    import solutions\n    return solutions.kept_cone(W)")),
         without(L2, "kept_cone"), "solutions"),
    Case("fake_reference_module", L2, "a fake `solutions` in sys.modules",
         _solved_with(L2, _add(FAKE_REFERENCE)), zero, "sys.modules"),
    Case("reference_through_patched_points", L2, "grader.points replaced by one that runs `solutions` (blank answers)",
         _blank_with(L2, _add(POINTS_FROM_REFERENCE)), zero, "solutions",
         unsandboxed=(full(L2), "all")),
    Case("read_source_notebook", L2, "every answer exec's the instructor's source notebook",
         lambda ls: text(_each_answer(ls.blank(L2), READ_SOURCE.format(lesson=L2))), zero, "NameError",
         unsandboxed=(full(L2), "all")),
    Case("write_gradebook", L2, "a cell sets every grade in ../../../gradebook.db to full marks (blank answers)",
         _blank_with(L2, _add(WRITE_GRADEBOOK)), zero, "NotImplementedError"),
    Case("stderr_and_warnings", L2, "correct relu writes a RuntimeWarning to stderr (fd 2) and warns",
         _solved_with(L2, _set("relu", "import os, warnings\ndef relu(x):\n"
                                       "    os.write(2, b'RuntimeWarning: divide by zero encountered in log\\n')\n"
                                       "    warnings.warn('careful', RuntimeWarning)\n"
                                       "    return np.maximum(x, 0) + 0 * np.log(np.abs(x) + 1)\n"
                                       "np.log(np.zeros(1))")),
         full(L2), "all"),
    Case("always_equal_object", L2, "kept_cone returns an object whose == is always True",
         _solved_with(L2, _set("kept_cone", "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
                                            "    __array_priority__ = 1000\n"
                                            "def kept_cone(W):\n    return AlwaysEqual()")),
         without(L2, "kept_cone"), "AlwaysEqual"),
    Case("ndarray_subclass", L2, "kept_cone returns the right values as an ndarray subclass",
         _solved_with(L2, _then("kept_cone", "class Sneaky(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
                                             "_right = kept_cone\nkept_cone = lambda W: -np.asarray(_right(W)).view(Sneaky)")),
         without(L2, "kept_cone"), "wrong way"),
    Case("float_subclass", L2, "count_activation_patterns returns a float subclass",
         _solved_with(L2, _then("count_activation_patterns",
                                "class Num(float):\n    def __eq__(self, other):\n        return True\n"
                                "_count = count_activation_patterns\n"
                                "count_activation_patterns = lambda W, b, X: Num(_count(W, b, X) + 1)")),
         without(L2, "count_activation_patterns"), "too high"),
    Case("float32_answers", L2, "right answers returned in float32",
         _solved_with(L2, _add(AS_FLOAT32), wrap="_float32"), full(L2), "all"),
    Case("list_answers", L2, "right answers returned as lists",
         _solved_with(L2, _add(AS_LIST), wrap="_as_list"), full(L2), "all"),
    Case("read_hidden_tests", L2, "kept_cone searches the notebook, its history and the grader's frames for answers",
         _solved_with(L2, _set("kept_cone", READ_HIDDEN)), without(L2, "kept_cone"), "0 of"),
    # part 3: one bad submission never hurts another
    Case("pasted_test_cell", L2, "a copy of relu's graded cell pasted above the answers (nbgrader #1083)",
         _solved_with(L2, _paste_copy("relu_tests")), full(L2), "appears 2 times"),
    Case("deleted_test_cell", L2, "relu's graded cell deleted", _solved_with(L2, _delete("relu_tests")),
         full(L2), "was missing; it was put back"),
    Case("test_cell_to_markdown", L2, "relu's graded cell turned into markdown",
         _solved_with(L2, _retype("relu_tests")), full(L2), "turned back"),
    Case("reid_test_cell", L2, "kept_cone's graded cell re-IDed and made to print a pass (kept_cone blank)",
         _solved_with(L2, _reid, _set("kept_cone", "def kept_cone(W):\n    raise NotImplementedError()")),
         without(L2, "kept_cone"), "does not have"),
    Case("raised_points", L2, "relu's graded cell set to 100 points", _solved_with(L2, _meta("relu_tests", points=100)),
         full(L2), "were restored"),
    Case("foreign_grade_cell", L2, "an extra cell marked graded, worth 50 points (blank answers)",
         _blank_with(L2, _foreign_grade_cell), zero, "does not have"),
    Case("duplicated_answer", L2, "relu's answer cell duplicated: a wrong copy, then the right one",
         _solved_with(L2, _duplicate_solution("relu", "def relu(x):\n    return x")), full(L2), "appears 2 times"),
    Case("edited_visible_test", L2, "kept_cone's visible test replaced by `assert True`; kept_cone wrong",
         _solved_with(L2, lambda nb: setattr(nb.cells[find(nb, "kept_cone_check")], "source", "assert True"),
                      _set("kept_cone", WRONG_CONE)),
         without(L2, "kept_cone"), "0 of"),
    Case("deleted_visible_test", L2, "relu's visible test deleted", _solved_with(L2, _delete("relu_check")),
         full(L2), "was missing; it was put back"),
    Case("kernelspec_changed", L2, "the notebook asks for another kernel", _solved_with(L2, _kernelspec),
         full(L2), "all"),
    Case("malformed_json", L2, "the notebook file cut in half", _truncated, zero, "malformed JSON"),
    Case("empty_file", L2, "an empty file", _raw(b""), zero, "empty (0 bytes)"),
    Case("no_cells", L2, "a notebook without cells", _no_cells, zero, "has no cells"),
    Case("wrong_lesson", L2, "lesson 1's notebook handed in for lesson 2", _wrong_lesson, zero,
         f"notebook of lesson {L1}"),
    Case("renamed_file", L2, "the notebook handed in as `02_relu_orthants (1).ipynb`", _renamed, full(L2),
         "graded as"),
    Case("two_notebooks", L2, "two notebooks, neither named after the lesson", _two_notebooks, zero,
         "none is named"),
    # the kernel itself
    Case("sys_exit_in_function", L2, "kept_cone calls sys.exit(0)",
         _solved_with(L2, _set("kept_cone", "import sys\ndef kept_cone(W):\n    sys.exit(0)")),
         without(L2, "kept_cone"), "called exit"),
    Case("showtraceback_off", L2, "showtraceback disabled, no answers",
         _blank_with(L2, no_answers, _add("get_ipython().showtraceback = lambda *a, **k: None")), zero, "NameError"),
    Case("custom_exc_swallows", L2, "set_custom_exc swallows every error, no answers",
         _blank_with(L2, no_answers, _add("get_ipython().set_custom_exc((BaseException,), "
                                          "lambda shell, etype, value, tb, tb_offset=None: None)")),
         zero, "NameError"),
    Case("sys_exit_top_level", L2, "a cell calls sys.exit() after the answers",
         _solved_with(L2, _add("import sys\nsys.exit()", after="relu")), full(L2), "all"),
    Case("keyboard_interrupt", L2, "kept_cone raises KeyboardInterrupt",
         _solved_with(L2, _set("kept_cone", "def kept_cone(W):\n    raise KeyboardInterrupt")),
         without(L2, "kept_cone"), "KeyboardInterrupt"),
    Case("function_hangs", L2, "kept_cone never returns",
         _solved_with(L2, _set("kept_cone", "def kept_cone(W):\n    while True:\n        pass")),
         without(L2, "kept_cone"), "did not return"),
    Case("loop_ignoring_sigint", L2, "an endless loop that ignores SIGINT after the last answer",
         _solved_with(L2, _then("count_activation_patterns",
                                "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")),
         without(L2, "count_activation_patterns"), "did not stop when interrupted"),
    Case("os_exit_at_end", L2, "os._exit(0) after all the right answers",
         _solved_with(L2, _add("import os\nos._exit(0)", after=None)), full(L2), "kernel died"),
    Case("os_exit_midway", L2, "os._exit(0) in kept_mask's answer cell",
         _solved_with(L2, _then("kept_mask", "import os\nos._exit(0)")), only(L2, "relu", "orthant_code"),
         "did not run"),
    Case("quit_at_end", L2, "quit() after all the right answers", _solved_with(L2, _add("quit()", after=None)),
         full(L2), "all"),
    Case("kill_the_grader", L2, "a cell kills its parent process (the grading worker) after the answers",
         _solved_with(L2, _add("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", after=None)), full(L2), "all",
         unsandboxed=(zero, "died twice")),
    Case("detached_child", L2, "a detached child process that writes the gradebook after grading",
         _solved_with(L2, _add(DETACHED_CHILD)), full(L2), "all"),
    Case("fork_bomb", L2, "a fork bomb, bounded (62 processes for 2 s)", _solved_with(L2, _add(FORK_BOMB)),
         full(L2), "all"),
    Case("memory_bomb", L2, "kept_cone allocates until MemoryError (bounded by its own RLIMIT_AS)",
         _solved_with(L2, _set("kept_cone", MEMORY_BOMB)), without(L2, "kept_cone"), "MemoryError"),
    Case("million_lines", L2, "10^6 printed lines after relu's answer",
         _solved_with(L2, _then("relu", "for i in range(10 ** 6):\n    print(i)")), full(L2), "truncated"),
    Case("fifty_mb_line", L2, "one 50 MB printed line after relu's answer",
         _solved_with(L2, _then("relu", "print('x' * 50_000_000)")), full(L2), "truncated"),
]



# ---------------------------------------------------------------- issue #13: the second round of attacks

BUILDER_AS_REFERENCE = """def orthant_code(X):
    from grader.exercises.l02_relu_orthants import _code
    return _code(np.asarray(X, float) > 0)
"""

GLOB_FOR_REFERENCE = """def kept_cone(W):
    import glob, os, runpy, sys
    roots = ["/work", "/home", "/opt", "/srv", "/tmp", "/mnt", "/actspace"]
    roots += [os.path.dirname(p) for p in sys.path if p]  # where a checkout or an install would sit
    for line in open("/proc/self/mounts"):
        if not line.split()[1].startswith(("/proc", "/sys", "/dev", "/usr")):
            roots.append(line.split()[1])
    for root in dict.fromkeys(roots):
        for pattern in ("*/solutions/relu_orthants.py", "*/*/solutions/relu_orthants.py",
                        "*/build/lib/solutions/relu_orthants.py", "lib/python3*/site-packages/solutions/*.py"):
            for path in glob.glob(os.path.join(root, pattern))[:5]:
                try:
                    return runpy.run_path(path, run_name="not_solutions")["kept_cone"](W)
                except Exception:
                    pass
    raise RuntimeError("no copy of the reference found")
"""

SCRIPT_OUTPUTS = """from IPython.display import display, HTML, Javascript, SVG, Markdown
display(HTML('<b>hi</b><script>document.title = "pwned-by-script"</script><img src=x onerror="document.title=1">'))
display(Javascript('document.title = "pwned-by-javascript"'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>document.title=2</script></svg>'))
display(Markdown('<a href="javascript:alert(1)">click</a><iframe src="https://example.com"></iframe>'))
display({"image/png": 'AAAA" onerror="alert(1)', "text/plain": "img"}, raw=True)
"""

PNG_FLOOD = """import base64, os
from IPython.display import display
_png = base64.b64encode(os.urandom(int(3.9 * 2 ** 20 * 3 / 4))).decode()
for _ in range(40):
    display({"image/png": _png, "text/plain": "png"}, raw=True)
del _png
"""

FILL_DISK = """import os
def _fill(folder):
    try:
        for i in range(10 ** 6):
            with open(os.path.join(folder, f"fill{i}"), "wb") as f:
                f.write(b"x" * (8 << 20))
    except OSError as e:
        print("full:", folder, e.strerror)
_here = os.getcwd()
try:
    for _ in range(2500):
        os.mkdir("d")
        os.chdir("d")
finally:
    os.chdir(_here)
_fill(_here)
_fill("/tmp")
"""

CPU_HOG = """import os, time
_deadline = time.monotonic() + 10  # the children spin until then (the sandbox's CPU budget is theirs to share)
_n = 0
try:
    for _ in range(240):
        if os.fork() == 0:
            os.setsid()
            while time.monotonic() < _deadline:
                pass
            os._exit(0)
        _n += 1
except OSError as e:
    print(f"stopped after {_n} children: {e.strerror}")
time.sleep(max(0.0, _deadline - time.monotonic()) + 1)
"""

HUGE_EMPTY_EVIDENCE = """import grader
from grader.checking import evidence, kernel
from IPython.display import display
_real_emit = kernel.emit

def _emit(name, fn):
    if name != "kept_cone":
        return _real_emit(name, fn)
    cases = kernel.read_cases(name)[1]
    payload = evidence.encode(name, cases, grader.run_cases(fn, cases))
    for out in payload["outcomes"]:
        out["status"], out["message"] = "ok", ""
        out["value"] = {"dtype": "float64", "shape": [0, 2 ** 62, 2 ** 62], "data": ""}
    display({evidence.MIMETYPE: payload, "text/plain": name}, raw=True)

kernel.emit = _emit
"""


def _text_flood(ls):
    nb = ls.solved(L2)
    for _ in range(300):
        add(nb, "print('y' * 65_000)", after=None)
    return text(nb)


def _as_v3(ls):
    return {"": nbformat.writes(nbformat.convert(ls.solved(L2), 3)).encode()}


CASES += [
    Case("misconception_builder_as_reference", L2, "orthant_code imports the grader's own builder `_code` "
         "(grader.exercises)", _solved_with(L2, _set("orthant_code", BUILDER_AS_REFERENCE)),
         without(L2, "orthant_code"), "grader.exercises", unsandboxed=(full(L2), "all")),
    Case("glob_for_reference", L2, "kept_cone globs the filesystem for any copy of solutions/ and runs it "
         "under another name", _solved_with(L2, _set("kept_cone", GLOB_FOR_REFERENCE)),
         without(L2, "kept_cone"), "no copy of the reference found", unsandboxed=(full(L2), "all")),
    Case("script_in_outputs", L2, "HTML with <script> and onerror, JavaScript, SVG with a script, "
         "markdown with a javascript: link, a PNG that breaks out of its attribute",
         _solved_with(L2, _add(SCRIPT_OUTPUTS)), full(L2), "all"),
    Case("png_flood", L2, "40 PNGs of 3.9 MB each (under the per-output cap)", _solved_with(L2, _add(PNG_FLOOD)),
         full(L2), "all"),
    Case("text_flood_cells", L2, "300 extra cells printing 65 kB each", _text_flood, full(L2), "all"),
    Case("fill_the_disk", L2, "a 2,500-level folder, then files until the working folder and /tmp are full",
         _solved_with(L2, _add(FILL_DISK)), full(L2), "all"),
    Case("cpu_hog", L2, "240 children in their own sessions spin for 10 s while the kernel sleeps (beside the others)",
         _solved_with(L2, _add(CPU_HOG)), full(L2), "all"),
    Case("huge_empty_evidence", L2, "kept_cone's evidence holds zero-size values of shape (0, 2**62, 2**62)",
         _solved_with(L2, _add(HUGE_EMPTY_EVIDENCE)), without(L2, "kept_cone"), "malformed"),
    Case("nbformat_v3", L2, "a valid notebook in the old format 3", _as_v3, full(L2), "all"),
]


def _each_answer(nb, code):
    for cell in demo.solution_cells(nb).values():
        cell.source = code
    return nb


def build(course):
    """{case name: {file name: bytes}} for `course` (its lessons LESSONS released); "" names the lesson's notebook."""
    lessons = Lessons(course)
    out = {}
    for case in CASES:
        files = case.make(lessons)
        out[case.name] = {(name or f"{case.lesson}.ipynb"): data for name, data in files.items()}
    return lessons, out


def course_with_corpus(root, cell_timeout):
    """A new course at `root` with LESSONS released and every case handed in under submitted/; returns (course, Lessons)."""
    from grader.course.course import Course, generate

    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(f"c = get_config()\nc.Execute.timeout = {cell_timeout}\n")
    course = Course(root)
    generate(course, list(LESSONS))
    lessons, files = build(course)
    for case in CASES:
        folder = root / "submitted" / case.name / case.lesson
        folder.mkdir(parents=True)
        for name, data in files[case.name].items():
            (folder / name).write_bytes(data)
    return course, lessons
