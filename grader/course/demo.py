"""The demo class, built at run time from the lessons themselves, and the demo run.

Four students hand in every lesson:

- ada: the source's solution cells (full marks);
- ben: the student version as released (blank: 0);
- cy:  some exercises bound to the grader's first misconception, the rest
       solved (partial credit; see `misconception_plan`);
- dee: a broken notebook: malformed JSON on odd lessons, mangled code cells on
       even ones (0, and grading goes on for the others).
"""
import ast
import inspect
import json
import pathlib
import re
import sys
import tempfile
import types

import nbformat

STUDENTS = ("ada", "ben", "cy", "dee")
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
_STAMP = "2024-02-01-10-30-00"  # the demo export's submission time (Blackboard naming)


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_code(source):
    """A source solution cell as a learner who got it right would write it: the markers dropped."""
    return "\n".join(l for l in source.splitlines() if not _MARKER.match(l))


def solution_cells(nb):
    """{grade_id: cell} of the solution cells of a notebook, in order."""
    return {_nbgrader(c)["grade_id"]: c for c in nb.cells if _nbgrader(c).get("solution")}


def misconception_plan(source_nb):
    """{exercise: index of the misconception cy hands in, or None for a correct answer}.

    Candidates are the exercises with a known misconception that no other
    solution cell uses (a wrong helper would make a later answer wrong too);
    cy gets every other candidate wrong, and at least one when there are
    several exercises, so the lesson earns partial credit.
    """
    import grader

    cells = {n: c for n, c in solution_cells(source_nb).items() if n in grader.NAMES}
    candidates = [n for n in cells if grader.exercise(n).misconceptions and not any(
        re.search(rf"\b{re.escape(n)}\b", c.source) for m, c in cells.items() if m != n)]
    wrong = candidates[1::2] or (candidates[:1] if len(cells) > 1 else [])
    return {n: (0 if n in wrong else None) for n in cells}


def _lambda_source(fn):
    module = sys.modules[fn.__module__]
    tree = ast.parse(inspect.getsource(module))
    found = [node for node in ast.walk(tree)
             if isinstance(node, ast.Lambda) and node.lineno == fn.__code__.co_firstlineno]
    if len(found) > 1:
        found = [n for n in found if compile(ast.Expression(n), "<x>", "eval").co_consts[0].co_names
                 == fn.__code__.co_names]
    if len(found) != 1 or fn.__code__.co_freevars:
        raise ValueError(f"no source for {fn}")
    return ast.unparse(found[0])


def _names(code):
    out = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out |= _names(const)
    return out


def standalone(fn, name):
    """Code that defines `name` as `fn` with the module-level helpers it uses (numpy as np): what cy hands in.

    Grading kernels cannot reach the misconception banks, so cy's notebook
    holds the wrong implementation's own code, not a reference to it.
    """
    parts, seen = [], set()

    def helpers(f):
        defaults = [*(f.__defaults__ or ()), *(f.__kwdefaults__ or {}).values()]
        needed = _names(f.__code__) | {d.__name__ for d in defaults if isinstance(d, types.FunctionType)}
        for n in sorted(needed):
            value = f.__globals__.get(n)
            if n in seen or not isinstance(value, types.FunctionType):
                continue
            seen.add(n)
            helpers(value)
            parts.append(inspect.getsource(value) if value.__name__ != "<lambda>" else f"{n} = {_lambda_source(value)}\n")

    helpers(fn)
    body = _lambda_source(fn) if fn.__name__ == "<lambda>" else None
    if body is None:
        parts.append(inspect.getsource(fn))
        body = fn.__name__
    return "import numpy as np\n\n" + "\n".join(parts) + f"\n{name} = {body}\n"


def notebooks(course, lesson):
    """{student: notebook text} for one lesson of `course` (released into course.root/release)."""
    path = course.root / "release" / lesson / f"{lesson}.ipynb"
    released = path.read_text()
    source = nbformat.read(course.source / lesson / f"{lesson}.ipynb", as_version=4)
    plan = misconception_plan(source)
    index = course.lessons.index(lesson)

    def with_answers(answer):
        nb = nbformat.reads(released, as_version=4)
        for name, cell in solution_cells(nb).items():
            code = answer(name)
            if code is not None:
                cell.source = code
        return nbformat.writes(nb)

    right = {n: solution_code(c.source) for n, c in solution_cells(source).items()}
    import grader

    wrong = {n: standalone(grader.exercise(n).misconceptions[i].fn, n) for n, i in plan.items() if i is not None}
    return {
        "ada": with_answers(right.get),
        "ben": released,
        "cy": with_answers(lambda n: wrong.get(n, right.get(n))),
        "dee": released[: len(released) // 2] if index % 2 == 0 else _mangled(released),
    }


def _mangled(text):
    """Every code cell's source reversed: the notebook opens, nothing in it runs."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = src[::-1]
    return json.dumps(nb, indent=1)


def write_export(course, folder):
    """The demo class as an LMS export folder (Blackboard naming); returns the folder."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for lesson in course.released():
        for student, text in notebooks(course, lesson).items():
            (folder / f"{lesson}_{student}_attempt_{_STAMP}_{lesson}.ipynb").write_text(text)
    return folder


def run(folder=None, jobs=1, source=None, out=print, sandbox=True):
    """Release every lesson into a fresh course folder, hand in the demo class, grade it, write feedback.

    Kernels run in the grading sandbox unless `sandbox` is False.

    Returns (course, grade table, autograde outcomes, feedback files).
    """
    from grader import autograde
    from grader.course import collect, report
    from grader.course.course import Course, CourseError, generate

    root = pathlib.Path(folder or tempfile.mkdtemp(prefix="actspace-demo-")).expanduser().resolve()
    if root.exists() and any(root.iterdir()):
        raise CourseError(f"demo folder {root} is not empty")
    root.mkdir(parents=True, exist_ok=True)
    course = Course(root, read_user_config=False, source=source)
    out(f"Demo course in {root}")
    out(f"Releasing {len(course.lessons)} lesson(s): {', '.join(generate(course))}")
    export = write_export(course, root / "lms-export")
    pairs = collect.from_export(course, export).pairs
    out(f"Collected {len(pairs)} submissions of {len(STUDENTS)} students from {export}")
    outcomes = autograde.autograde(course, jobs=jobs, sandbox=sandbox)
    written, skipped = report.feedback(course)
    table = report.grade_table(course)
    out("")
    out(table.text())
    out("")
    for o in outcomes:
        if not o.ok:
            out(f"not graded: {o.job.student}/{o.job.lesson}: {o.message}")
    out(f"Feedback ({len(written)} files): {root / 'feedback'}/<student>/<lesson>/<lesson>.html")
    for student in sorted({s for s, _, _ in written}):
        out(f"  {student}: " + ", ".join(str(p.relative_to(root)) for s, _, p in written if s == student))
    out("")
    for line in threat_model(sandbox):
        out(line)
    return course, table, outcomes, written


def threat_model(sandboxed):
    """What these grades can be trusted for, in a few lines (with or without the sandbox)."""
    lines = [
        "What the grades guarantee:",
        "  - a graded cell earns points only for what the grader, outside the student's kernel, saw the",
        "    student's functions return on its own cases (exact types, shapes and dtypes); a cell that did",
        "    not run, or whose evidence is missing, malformed or repeated, scores 0 and says why;",
        "  - each submission is graded alone from a copy: broken, renamed, wrong-lesson or tampered",
        "    notebooks are repaired or score 0 with the reason, every grade cell gets a score, the batch",
        "    always finishes, warnings and stderr cost nothing, and output is capped in lines and bytes;",
    ]
    if sandboxed:
        lines += ["  - kernels run in the sandbox: they cannot read the solutions or the lessons' sources, reach",
                  "    the gradebook or other students' files, or outlive grading."]
    else:
        lines += ["  - NOT here: kernels ran WITHOUT the sandbox, so a student's code could have used the solutions",
                  "    for its answers and read or changed the course's files, the gradebook included."]
    lines += ["What they do not guarantee: that the student wrote the code (copying is not detected), or",
              "anything about the cells nbgrader scores by its own rule (graded cells without `grader.points`)."]
    return lines
