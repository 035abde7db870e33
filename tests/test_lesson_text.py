"""The lessons' text: hypothesis boxes, exercise headings with points and times, tiered hints that never give
the code away."""
import re

import pytest

from lesson_files import curriculum, meta, read

CURRICULUM = curriculum()

# The shared hypothesis box (lessons 5, 6 and any later lesson use the same template):
#   > **Hypothesis — <short name>.** <the claim>
#   >
#   > * **Would support it:** ...
#   > * **Would refute it:** ...
#   > * **Measured here:** ...
BOX_HEAD = re.compile(r"^> \*\*Hypothesis — ([^*]+?)\.\*\* *(.*)$")
PARTS = ("Would support it", "Would refute it", "Measured here")
TIERS = ("Hint 1 — a nudge", "Hint 2 — the method", "Hint 3 — a sketch")
DETAILS = re.compile(r"<details><summary>(.*?)</summary>(.*?)</details>", re.S)
HEADING = re.compile(r"^### Exercise \d+ — `(\w+)\([^`]*\)` \((\d+(?:\.\d+)?) points?, ~(\d+) min\)$", re.M)


def boxes(source):
    """Each hypothesis box in a markdown cell: (name, claim, {part: text}), read from its quoted lines."""
    lines, found = source.splitlines(), []
    for i, line in enumerate(lines):
        head = BOX_HEAD.match(line)
        if not head:
            continue
        block = []
        for follow in lines[i + 1:]:
            if not follow.startswith(">"):
                break
            block.append(follow[1:].strip())
        claim = head.group(2)
        parts, current = {}, None
        for b in block:
            m = re.match(r"^\* \*\*(.+?):\*\* *(.*)$", b)
            if m:
                current = m.group(1)
                parts[current] = m.group(2)
            elif current and b:
                parts[current] += " " + b
            elif not current and b:
                claim += " " + b
        found.append((head.group(1), claim.strip(), parts))
    return found


def lesson_boxes(lesson):
    return [box for c in read(lesson).cells if c.cell_type == "markdown" for box in boxes(c.source)]


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_every_hypothesis_box_has_its_four_parts(lesson):
    for cell in read(lesson).cells:
        if cell.cell_type != "markdown" or "**Hypothesis" not in cell.source:
            continue
        found = boxes(cell.source)
        assert found, f"{lesson}: a 'Hypothesis' in bold outside the box template:\n{cell.source[:300]}"
        for name, claim, parts in found:
            assert name.strip() and len(claim) > 20, f"{lesson}: the box '{name}' states no claim"
            assert list(parts) == list(PARTS), f"{lesson}: the box '{name}' has parts {list(parts)}, not {PARTS}"
            for part, text in parts.items():
                assert len(text.strip()) > 20, f"{lesson}: '{name}': '{part}' is empty"


def test_lessons_5_and_6_test_the_seeds_hypothesis_and_point_to_each_other():
    l5, l6 = lesson_boxes("05_transformer_layer"), lesson_boxes("06_untangling")
    assert l5 and l6, "lessons 5 and 6 each carry a hypothesis box"
    name5, name6 = {b[0] for b in l5}, {b[0] for b in l6}
    assert name5 & name6, f"the same hypothesis in both lessons: {name5} vs {name6}"
    shared = (name5 & name6).pop()
    text5 = " ".join(b[1] + " ".join(b[2].values()) for b in l5 if b[0] == shared)
    text6 = " ".join(b[1] + " ".join(b[2].values()) for b in l6 if b[0] == shared)
    assert "lesson 6" in text5 and "lesson 5" in text6
    assert "directions" in text5 and "directions" in text6


def exercise_cells(nb):
    """(statement, solution) cell pairs, one per graded exercise (not lesson 7's cell of earlier functions)."""
    graded = {meta(c).get("grade_id") for c in nb.cells if meta(c).get("grade")}
    return [(nb.cells[i - 1], c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and meta(c).get("solution") and f"{meta(c)['grade_id']}_tests" in graded]


def solution_lines(cell):
    """The solution's code, line by line, without comments: what a hint must never spell out."""
    body = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    out = []
    for line in body.splitlines():
        code = line.split("  #")[0].strip()
        if len(code) > 6 and not code.startswith("#"):
            out.append(code)
    return out


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_each_lesson_opens_with_its_time(lesson):
    first = read(lesson).cells[0]
    assert first.cell_type == "markdown" and re.search(r"\*Time: about \d+–\d+ minutes", first.source)


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_each_exercise_heading_gives_its_points_and_time(lesson):
    nb = read(lesson)
    graded = {meta(c)["grade_id"]: meta(c)["points"] for c in nb.cells if meta(c).get("grade")}
    for statement, solution in exercise_cells(nb):
        name = meta(solution)["grade_id"]
        heads = HEADING.findall(statement.source)
        assert len(heads) == 1, f"{lesson}: the statement of {name} needs one heading like " \
                                f"'### Exercise 1 — `{name}(...)` (1 point, ~10 min)'"
        fn, points, _ = heads[0]
        assert fn == name and float(points) == float(graded[f"{name}_tests"])


@pytest.mark.parametrize("lesson", CURRICULUM)
def test_each_exercise_has_tiered_hints_without_its_code(lesson):
    for statement, solution in exercise_cells(read(lesson)):
        name = meta(solution)["grade_id"]
        assert statement.cell_type == "markdown"
        hints = DETAILS.findall(statement.source)
        titles = [t for t, _ in hints]
        assert len(titles) >= 2 and titles == list(TIERS[:len(titles)]), \
            f"{lesson}: {name} needs at least two hint tiers titled {TIERS[:2]}, found {titles}"
        for title, text in hints:
            assert len(text.strip()) > 20, f"{lesson}: {name}: '{title}' is empty"
            for line in solution_lines(solution):
                assert line not in text, f"{lesson}: {name}: '{title}' gives away the solution line `{line}`"
