"""Scoring graded cells in the grading process, from the evidence the student's kernel showed.

Two nbgrader preprocessors of the autograde step, both outside the kernel:

- ``JudgeEvidence`` (right after execution): for every graded cell that
  calls ``grader.points("NAME", ...)`` (its source restored from the
  gradebook), it reads only that cell's evidence output, checks it strictly
  (``evidence.decode``), judges it against ``solutions`` (``judge.judge``)
  and replaces the cell's outputs with the feedback and the points. No
  evidence, bad evidence, or evidence from a stopped run scores 0, and the
  cell says why. Notes on the whole run go into a markdown cell on top.
- ``RecordGrades`` (right before nbgrader's SaveAutoGrades): keeps the score
  of every grade cell, as nbgrader determines it, and the comments, in this
  process's memory (``take``), so the grades that reach the course's
  gradebook never pass through a file the kernel could have written.
"""
from dataclasses import dataclass
from typing import Optional

from nbformat.v4 import new_markdown_cell, new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from grader import exercises
from grader.checking import evidence
from grader.checking.cases import UnknownExercise
from grader.course.cells import exercise_of
from grader.reference.judge import judge
from grader.autograde.execution import stopped

NOTES_KEY = "actspace"  # notebook metadata written by the intake step: {"notes": [...]}
_RECORDS = {}


@dataclass(frozen=True)
class Verdict:
    """The score of one grade cell: points (None: for a person to grade) out of max_points, and why it is 0."""

    points: Optional[float]
    max_points: float
    reason: str = ""  # set when the cell scored 0 without a judgement of the student's answers
    exercise: str = ""  # the exercise a `grader.points` cell checks


def take(assignment, student):
    """{notebook: {"grades": {grade_id: Verdict}, "comments": {grade_id: text}}} recorded for one submission, forgotten here."""
    return _RECORDS.pop((assignment, student), {})


def forget():
    """Drop every record (before a new grading run in this process)."""
    _RECORDS.clear()


def _stream(text):
    return new_output("stream", name="stdout", text=text if text.endswith("\n") else text + "\n")


def _result(points, count):
    return new_output("execute_result", data={"text/plain": repr(float(points))}, execution_count=count)


def _code_line(cell):
    first = next((l.strip() for l in cell.source.splitlines() if l.strip()), "")
    first = first.replace("`", "'")
    return first if len(first) <= 60 else first[:57] + "..."


def _no_evidence_reason(cell):
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    if errors:
        e = errors[-1]
        if e.get("ename") == "CellTimeoutError":
            return "it did not finish within the time limit and was interrupted"
        value = str(e.get("evalue", ""))
        value = value if len(value) <= 300 else value[:297] + "..."
        return f"it raised {str(e.get('ename', 'an error'))[:80]}: {value}".rstrip(": ")
    return ("it showed no evidence: the grader's code in it did not run as written "
            "(were cells blanked or `grader.points` replaced while the notebook ran?)")


def judge_cell(cell, name, max_points, secret="", student=""):
    """(points, text for the learner, reason when 0 without a judgement) for a graded cell that ran.

    The cases are made again here, from the course's secret and the
    student's id: the same inputs the kernel was given, with answers it never saw.
    """

    gid = cell.metadata.nbgrader["grade_id"]
    shown = [o for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result")
             and evidence.MIMETYPE in o.get("data", {})]
    if len(shown) > 1:
        reason = (f"the cell showed {len(shown)} pieces of evidence where the grader shows one: "
                  "the notebook's kernel was tampered with")
    elif not shown:
        reason = _no_evidence_reason(cell)
    else:
        try:
            exercise, cases = exercises.get(name), exercises.grading_cases(name, secret or exercises.DEFAULT_SECRET, student)
            run = evidence.decode(shown[0]["data"][evidence.MIMETYPE], name, cases)
        except evidence.BadEvidence as e:
            reason = f"its evidence is malformed ({e}): the notebook's kernel was tampered with"
        except UnknownExercise as e:  # (a ValueError: before the next clause)
            reason = f"the graded cell names an unknown exercise ({e})"
        except (ValueError, TypeError, OverflowError, MemoryError) as e:  # e.g. "array is too big": this cell only
            reason = (f"its evidence is malformed ({type(e).__name__}: {str(e)[:120]}): "
                      "the notebook's kernel was tampered with")
        else:
            try:
                result = judge(exercise, cases, run)
            except Exception as e:  # a judging failure scores 0 for this cell only, with the cause
                reason = f"the grader could not judge the evidence ({type(e).__name__}: {str(e)[:200]})"
            else:
                return round(result.score * max_points, 3), result.feedback, ""
    return 0.0, f"{gid}: 0 of {max_points:g} points - {reason}.", reason


class JudgeEvidence(NbGraderPreprocessor):
    """Score every `grader.points` cell from its evidence, judged here; replace its outputs with feedback and points."""

    secret = Unicode("", help="the course's grading secret (with the student's id it seeds the grading cases)"
                     ).tag(config=True)

    def preprocess(self, nb, resources):
        student = resources.get("nbgrader", {}).get("student", "")
        stop = stopped(resources)
        state = resources.setdefault("actspace", {})
        reasons = state.setdefault("reasons", {})
        notes = list(nb.metadata.get(NOTES_KEY, {}).get("notes", []))
        at = stop["index"] + 2 if stop else None  # its number in the graded notebook, under the notes cell
        for index, cell in enumerate(nb.cells):
            name = exercise_of(cell) if utils.is_grade(cell) else None
            if name is None:
                continue
            gid, max_points = cell.metadata.nbgrader["grade_id"], float(cell.metadata.nbgrader["points"])
            if stop and index > stop["index"]:
                reason = f"this graded cell did not run: the run stopped at cell {at}, where {stop['reason']}"
            elif stop and index == stop["index"]:
                reason = f"the run stopped in this cell: {stop['reason']}"
            else:
                reason = None
            if reason is None:
                points, text, reason = judge_cell(cell, name, max_points, self.secret, student)
            else:
                points, text = 0.0, f"{gid}: 0 of {max_points:g} points - {reason}."
            cell.outputs = [_stream(text), _result(points, cell.get("execution_count"))]
            reasons[gid] = (reason, name)
        if stop:
            where = nb.cells[stop["index"]] if stop["index"] < len(nb.cells) else None
            code = f" (`{_code_line(where)}`)" if where is not None and _code_line(where) else ""
            notes.append(f"The run stopped at cell {at}{code}: {stop['reason']}; "
                         "the cells after it did not run.")
        nb.metadata.pop(NOTES_KEY, None)
        if notes:
            text = "**Notes from the autograder**\n\n" + "\n".join(f"- {n}" for n in notes)
            nb.cells.insert(0, new_markdown_cell(text))
        return nb, resources


class RecordGrades(NbGraderPreprocessor):
    """Keep every grade cell's score (nbgrader's rule, after JudgeEvidence) and the comments in memory for `take`."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        reasons = resources.get("actspace", {}).get("reasons", {})
        grades, comments = {}, {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id")
            if gid is None:
                continue
            if utils.is_grade(cell):
                points, max_points = utils.determine_grade(cell, self.log)
                reason, name = reasons.get(gid, ("", exercise_of(cell) or ""))
                grades[gid] = Verdict(points, max_points, reason, name)
            if utils.is_solution(cell) or utils.is_task(cell):
                unchanged = meta.get("checksum") == utils.compute_checksum(cell) and not utils.is_task(cell)
                comments[gid] = "No response." if unchanged else None
        record = _RECORDS.setdefault((info["assignment"], info["student"]), {})
        record[info["notebook"]] = {"grades": grades, "comments": comments}
        return nb, resources
