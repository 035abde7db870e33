"""Make one handed-in notebook gradable, or say in a sentence why it cannot be graded.

Runs in the grading process on the autograder's working copy of a
submission (never on ``submitted/``), before nbgrader sees it:

- the notebook is found (a single notebook under another name is graded as
  the lesson's), read (malformed JSON, an empty file, a file that is not a
  notebook, a notebook without content, or another lesson's notebook is
  ``Rejected``: the student scores 0 with that reason);
- the cells that carry the lesson's grade ids are repaired from the lesson's
  source notebook: a cell id the lesson does not know is treated as the
  student's own cell, of several cells with one id the last counts, changed
  nbgrader settings (points, graded, locked) and cell types are restored,
  and missing read-only cells (setup, visible and graded tests) are put back
  where they belong; nbgrader then restores their code from the gradebook.

What was repaired is written into the notebook's metadata as notes, shown
on top of the graded notebook.
"""
import copy
import json
import pathlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from grader.exercises.spec import REGISTRY
from grader.autograde.verdicts import NOTES_KEY

MAX_BYTES = 64 * 2 ** 20  # a lesson notebook is well under 1 MB without outputs
_SETTINGS = ("grade", "solution", "locked", "task", "points")
_UNSET = {"grade": False, "solution": False, "locked": False, "task": False, "points": None}


class Rejected(Exception):
    """The submission cannot be graded; the message says why (every grade cell scores 0)."""


def _meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else None


def find_notebook(folder, lesson):
    """The path of the lesson's notebook in `folder` (renaming a single notebook handed in under another name), and notes."""
    folder = pathlib.Path(folder)
    expected = folder / f"{lesson}.ipynb"
    if expected.is_file() and not expected.is_symlink():
        return expected, []
    others = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink() and p != expected)
    if len(others) == 1:
        others[0].rename(expected)
        return expected, [f"The notebook was handed in as `{others[0].name}`; it was graded as `{lesson}.ipynb`."]
    if not others:
        raise Rejected(f"no notebook was handed in (expected {lesson}.ipynb)")
    names = ", ".join(p.name for p in others[:5])
    raise Rejected(f"{len(others)} notebooks were handed in and none is named {lesson}.ipynb ({names})")


def read(path):
    """The notebook at `path` (version 4), or Rejected saying what is wrong with the file."""
    path = pathlib.Path(path)
    size = path.stat().st_size
    if size == 0:
        raise Rejected("the notebook file is empty (0 bytes)")
    if size > MAX_BYTES:
        raise Rejected(f"the notebook file is {size // 2 ** 20} MB, far larger than a lesson notebook")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise Rejected("the file is not a notebook (it is not UTF-8 text)") from None
    except json.JSONDecodeError as e:
        raise Rejected(f"the file is not a readable notebook: malformed JSON ({e.msg} at line {e.lineno}, "
                       f"column {e.colno})") from None
    if isinstance(data, dict) and data.get("nbformat") == 3 and isinstance(data.get("worksheets"), list):
        try:  # a valid notebook of the older format: cells live in worksheets; nbformat converts it
            return nbformat.reads(text, as_version=4)
        except Exception as e:
            raise Rejected(f"the file is not a valid Jupyter notebook of format 3 ({type(e).__name__}: "
                           f"{str(e)[:200]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", None), list):
        raise Rejected("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as e:  # nbformat raises many kinds for bad notebooks
        raise Rejected(f"the file is not a valid Jupyter notebook ({type(e).__name__}: {str(e)[:200]})") from None


def _template(source_nb):
    """[(grade_id, nbgrader metadata, cell type)] of the lesson's source notebook, in order."""
    out = []
    for cell in source_nb.cells:
        meta = _meta(cell)
        if meta and meta.get("grade_id"):
            out.append((meta["grade_id"], {k: v for k, v in meta.items() if k != "checksum"}, cell.cell_type))
    return out


def _check_lesson(nb, lesson):
    """Rejected if the notebook holds only another lesson's exercises."""
    ids = {m.get("grade_id") for m in map(_meta, nb.cells) if m}
    names = {i for i in ids if isinstance(i, str) and i in REGISTRY}
    if names and not any(REGISTRY[n].lesson == lesson for n in names):
        others = sorted({REGISTRY[n].lesson for n in names})
        raise Rejected(f"this is the notebook of lesson {', '.join(others)}, not of {lesson}")


def _as_type(cell, cell_type):
    """`cell` turned into a cell of `cell_type` with the same source and metadata."""
    make = new_code_cell if cell_type == "code" else new_markdown_cell
    new = make(source=cell.get("source", ""))
    new.metadata = cell.get("metadata", {})
    if "id" in cell:
        new["id"] = cell["id"]
    return new


def repair(nb, source_nb, lesson):
    """Repair the grade cells of `nb` (in place) from the lesson's source notebook; returns notes on what changed."""
    _check_lesson(nb, lesson)
    template = _template(source_nb)
    known = {gid: (meta, kind) for gid, meta, kind in template}
    notes = []
    nb.metadata.pop(NOTES_KEY, None)
    positions = {}
    for i, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if "nbgrader" in cell.get("metadata", {}) and meta is None:
            del cell.metadata["nbgrader"]
        if meta is None:
            continue
        gid = meta.get("grade_id")
        if not isinstance(gid, str) or gid not in known:
            del cell.metadata["nbgrader"]
            if meta.get("grade") or meta.get("solution") or meta.get("locked"):
                notes.append(f"A cell marked with the id `{str(gid)[:40]}`, which this lesson does not have, "
                             "ran as your own cell.")
            continue
        positions.setdefault(gid, []).append(i)
    for gid, places in positions.items():
        for i in places[:-1]:
            del nb.cells[i].metadata["nbgrader"]
        if len(places) > 1:
            notes.append(f"The cell `{gid}` appears {len(places)} times; the last copy counts, "
                         "the others ran as your own cells.")
        i = places[-1]
        meta, kind = known[gid]
        old = _meta(nb.cells[i])
        changed = [k for k in _SETTINGS if old.get(k, _UNSET[k]) != meta.get(k, _UNSET[k])]
        if changed:
            notes.append(f"The nbgrader settings of the cell `{gid}` were changed ({', '.join(changed)}); "
                         "they were restored.")
        if nb.cells[i].cell_type != kind:
            notes.append(f"The cell `{gid}` was turned into a {nb.cells[i].cell_type} cell; it was turned back.")
            nb.cells[i] = _as_type(nb.cells[i], kind)
        nb.cells[i].metadata["nbgrader"] = copy.deepcopy(meta)
    _put_back(nb, template, positions, notes)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.pop("attachments", None)
    return notes


def _put_back(nb, template, present, notes):
    """Insert the read-only cells of the template that `nb` lacks, next to their neighbours in the template."""
    order = [gid for gid, _, _ in template]
    for k, (gid, meta, kind) in enumerate(template):
        if gid in present or not meta.get("locked") or meta.get("solution"):
            continue
        at = _where(nb, order, k)
        cell = (new_code_cell if kind == "code" else new_markdown_cell)(source="")
        cell.metadata["nbgrader"] = copy.deepcopy(meta)
        nb.cells.insert(at, cell)
        present[gid] = [at]
        what = "graded cell" if meta.get("grade") else "read-only cell"
        notes.append(f"The {what} `{gid}` was missing; it was put back.")


def _where(nb, order, k):
    """Index at which to insert the template's k-th cell: after its nearest predecessor, else before its successor, else at the end."""
    index = {(_meta(c) or {}).get("grade_id"): i for i, c in enumerate(nb.cells) if _meta(c)}
    for gid in reversed(order[:k]):
        if gid in index:
            return index[gid] + 1
    for gid in order[k + 1:]:
        if gid in index:
            return index[gid]
    return len(nb.cells)


def prepare(folder, lesson, source_path):
    """Make the submission in `folder` (a working copy) gradable in place; returns the notes, or raises Rejected."""
    path, notes = find_notebook(folder, lesson)
    nb = read(path)
    if not nb.cells:
        raise Rejected("the notebook has no cells")
    if not any(str(c.get("source", "")).strip() for c in nb.cells):
        raise Rejected("the notebook is empty: none of its cells has any content")
    notes += repair(nb, nbformat.read(source_path, as_version=4), lesson)
    if notes:
        nb.metadata[NOTES_KEY] = {"notes": notes}
    try:
        nbformat.write(nb, path)
    except Exception as e:  # a notebook nbformat cannot write back is not gradable
        raise Rejected(f"the notebook does not follow the notebook format ({type(e).__name__}: {str(e)[:200]})") from None
    return notes
