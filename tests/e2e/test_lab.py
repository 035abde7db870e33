"""The lessons in a real JupyterLab, in Chromium: what a learner sees and does.

One server and one browser for the session (conftest.py). Each lesson's blank
student version is opened and run once, cell by cell as a learner would run
it; the tests then look at the page. Screenshots go to artifacts/screenshots/
(printed at the end of the run); ACTSPACE_UPDATE_DOCS=1 also writes
docs/lab_screenshot.png.
"""
import os
import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from lesson_cells import Lesson, solved_name
from lesson_files import ROOT, curriculum, notebook_path

LESSONS = list(curriculum())
DOCS_LESSON = LESSONS[0]  # its screenshot is the one in the README
DOCS_SCREENSHOT = ROOT / "docs" / "lab_screenshot.png"

# the exercise a learner types, once right and once with a classic mistake
TRY_LESSON, TRY_EXERCISE = "01_change_of_basis", "to_basis"
RIGHT = 'def to_basis(B, x):\n    """Solve B c = x."""\n    return np.linalg.solve(B, np.asarray(x).T).T\n'
WRONG = 'def to_basis(B, x):\n    """Multiply by B."""\n    return np.asarray(x) @ np.asarray(B).T\n'

IMAGE_WAIT = 20_000  # ms for a figure to appear once its cell ran
VALIDATE_TIMEOUT = 300  # s for nbgrader's Validate (it runs the whole notebook on the server)
WIDGET = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.timeout(900)


def _lessons_with_sliders():
    found = []
    for lesson in LESSONS:
        path = notebook_path(lesson)
        if path.exists() and Lesson(path).slider_cells():
            found.append(lesson)
    return found


SLIDER_LESSONS = _lessons_with_sliders()
NO_SLIDER = "no lesson has an explore(...) slider, so the widgets in JupyterLab go untested"


class see:
    """Playwright's `expect(actual)`, its failures told in a few lines (no dump of the whole page)."""

    def __init__(self, actual, what=""):
        self._assertions, self._what = expect(actual), what

    def __getattr__(self, name):
        method = getattr(self._assertions, name)

        def checked(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except AssertionError as e:
                detail = re.split(r"\n\s*(?:Call log|Aria snapshot):", str(e))[0]
                raise AssertionError(f"{self._what}\n{detail[:600]}".strip()) from None
        return checked


class Run:
    """A blank lesson open in JupyterLab after every code cell ran once."""

    def __init__(self, lesson, cells, nb, lab):
        self.lesson, self.cells, self.nb, self.lab = lesson, cells, nb, lab
        self.page = lab.page

    def where(self, i):
        """A cell, described for a failure message."""
        grade_id = self.cells.cells[i].get("metadata", {}).get("nbgrader", {}).get("grade_id")
        source = self.cells.cells[i].source
        return f"{self.lesson} cell {i}{f' ({grade_id})' if grade_id else ''}:\n    " + \
            "\n    ".join(source.splitlines()[:8])


@pytest.fixture(scope="module", params=LESSONS)
def blank(request, lab, student_lessons, e2e_report):
    lesson = request.param
    if lesson is None:
        pytest.fail(NO_SLIDER, pytrace=False)
    path = student_lessons / lesson / f"{lesson}.ipynb"
    if not path.exists():
        pytest.fail(f"{lesson}: no student version was built (is lessons/{lesson}/{lesson}.ipynb there?)",
                    pytrace=False)
    cells = Lesson(path)
    start = time.perf_counter()
    nb = lab.open(f"{lesson}/{lesson}.ipynb")
    try:
        assert nb.count() == len(cells.cells), \
            f"{lesson}: JupyterLab shows {nb.count()} cells, the file has {len(cells.cells)}"
        code = cells.indices("code")
        nb.run_each(code)
        seconds = time.perf_counter() - start
        e2e_report.append(f"{lesson}: opened and ran its {len(code)} code cells in {seconds:.1f} s")
        yield Run(lesson, cells, nb, lab)
    finally:
        nb.shutdown()


def test_markdown_cells_are_rendered_with_their_equations(blank):
    nb, cells = blank.nb, blank.cells
    markdown = cells.indices("markdown")
    assert markdown, f"{blank.lesson}: no markdown cells"
    for i in markdown:
        cell = nb.cell(i)
        see(cell, blank.where(i)).to_have_class(re.compile(r"\bjp-mod-rendered\b"))
        rendered = cell.locator(".jp-RenderedMarkdown")
        see(rendered, blank.where(i)).to_have_count(1)
        assert (rendered.text_content() or "").strip(), f"empty rendering of {blank.where(i)}"
        assert rendered.locator("img").evaluate_all("imgs => imgs.every(im => im.complete && im.naturalWidth > 0)"), \
            f"an image of the markdown did not load: {blank.where(i)}"
    for i in cells.math_cells():
        nb.scroll_to(i, "center")
        math = nb.cell(i).locator("mjx-container")
        see(math.first, f"equations not typeset by MathJax: {blank.where(i)}").to_be_attached()
        errors = nb.cell(i).locator("mjx-merror, [data-mjx-error]")
        if errors.count():
            raise AssertionError(f"MathJax error {errors.first.get_attribute('data-mjx-error')!r} in {blank.where(i)}")


def test_each_figure_cell_shows_an_image(blank):
    nb, cells = blank.nb, blank.cells
    drawn = set(cells.figure_cells())
    assert drawn, f"{blank.lesson}: no figure cells (cells that call a plotting helper)"
    produced = {i for i in cells.indices("code")
                for out in nb.outputs(i) if {"image/png", WIDGET} & set(out.get("data", {}))}
    missing = []
    for i in sorted(drawn | produced):
        nb.scroll_to(i, "center")
        images = nb.cell(i).locator(".jp-Cell-outputArea img")
        try:
            expect(images.first).to_be_visible(timeout=IMAGE_WAIT)
        except AssertionError:
            missing.append(f"{blank.where(i)}\n  shows no image; its output: {nb.output_text(i)[:500]!r}")
            continue
        loaded = images.evaluate_all("imgs => imgs.map(im => im.complete && im.naturalWidth > 0)")
        if not all(loaded):
            missing.append(f"{blank.where(i)}\n  has an image that did not load")
    assert not missing, "\n".join(missing)


def test_the_only_errors_are_the_checks_of_exercises_not_done(blank):
    nb, cells = blank.nb, blank.cells
    assert cells.exercises, f"{blank.lesson}: no exercises"
    checks = set(cells.check.values())
    problems = []
    for i in cells.indices("code"):
        if nb.execution_count(i) is None:
            problems.append(f"did not run: {blank.where(i)}")
        for ename, evalue in nb.errors(i):
            if ename != "AssertionError" or i not in checks:
                problems.append(f"{ename}: {evalue}\n  raised by {blank.where(i)}")
    for name, i in cells.check.items():
        if "AssertionError" not in [ename for ename, _ in nb.errors(i)]:
            problems.append(f"the check of {name} does not tell a learner it is to do: {blank.where(i)}")
        else:  # the practice check's report says what is missing
            see(nb.cell(i).locator(".jp-OutputArea-output").first, blank.where(i)).to_contain_text("NotImplementedError")
    assert not problems, "\n".join(problems)


def test_screenshot_of_the_lesson(blank, screenshots, e2e_report):
    nb, cells, page = blank.nb, blank.cells, blank.page
    figures = cells.figure_cells()
    assert figures, f"{blank.lesson}: no figure to show"
    first = figures[0]
    top = first - 1 if first > 0 and cells.cells[first - 1].cell_type == "markdown" else first
    nb.scroll_to(top, "start")
    image = nb.cell(first).locator(".jp-Cell-outputArea img").first
    see(image, f"the first figure is not on screen: {blank.where(first)}").to_be_in_viewport()
    page.evaluate("document.fonts.ready.then(() => null)")
    path = screenshots / f"{blank.lesson}.png"
    page.screenshot(path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000, path
    print(f"screenshot: {path}")
    if os.environ.get("ACTSPACE_UPDATE_DOCS") == "1" and blank.lesson == DOCS_LESSON:
        shutil.copyfile(path, DOCS_SCREENSHOT)
        e2e_report.append(f"README screenshot updated: {DOCS_SCREENSHOT}")


@pytest.mark.parametrize("blank", SLIDER_LESSONS or [None], indirect=True,
                         ids=SLIDER_LESSONS or ["no-slider"])
def test_moving_a_slider_changes_its_figure(blank):
    nb, page = blank.nb, blank.page
    for i in blank.cells.slider_cells():
        nb.scroll_to(i, "center")
        cell = nb.cell(i)
        slider = cell.locator(".widget-slider").first
        see(slider, f"no live slider: {blank.where(i)}").to_be_visible(timeout=IMAGE_WAIT)
        figure = cell.locator(".widget-output img").first
        see(figure, f"no figure under the slider: {blank.where(i)}").to_be_visible(timeout=IMAGE_WAIT)
        before, value = figure.get_attribute("src"), slider.locator(".widget-readout").inner_text()

        handle = slider.locator(".noUi-handle").bounding_box()
        track = slider.locator(".noUi-base").bounding_box()
        x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
        middle = track["x"] + track["width"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(track["x"] + track["width"] * (0.25 if x > middle else 0.75), y, steps=8)
        page.mouse.up()

        see(slider.locator(".widget-readout"), f"the slider did not move: {blank.where(i)}") \
            .not_to_have_text(value)
        try:
            expect(cell.locator(".widget-output img").first).not_to_have_attribute("src", before,
                                                                                  timeout=IMAGE_WAIT)
        except AssertionError:
            raise AssertionError(f"moving the slider from {value} did not change the figure: {blank.where(i)}") \
                from None
        assert nb.errors(i) == [], blank.where(i)


@pytest.mark.parametrize("blank", [TRY_LESSON], indirect=True)
def test_a_learner_types_a_solution_and_meets_the_grader(blank):
    nb, cells = blank.nb, blank.cells
    assert TRY_EXERCISE in cells.solution and TRY_EXERCISE in cells.check, f"{TRY_LESSON} has no {TRY_EXERCISE}"
    solution, check = cells.solution[TRY_EXERCISE], cells.check[TRY_EXERCISE]
    check_output = nb.cell(check).locator(".jp-OutputArea-output")
    check_stderr = nb.cell(check).locator("[data-mime-type='application/vnd.jupyter.stderr']")

    # a wrong answer: the check fails and names the misconception, with the hint tier to read
    nb.type_into(solution, WRONG)
    nb.press(solution, "Shift+Enter")
    assert nb.errors(solution) == [], nb.output_text(solution)
    nb.press(check, "Shift+Enter")
    assert [ename for ename, _ in nb.errors(check)] == ["AssertionError"], nb.output_text(check)
    see(check_output.first, "the check does not name the misconception") \
        .to_contain_text("Likely misconception - multiplying by B instead of solving B c = x")
    see(check_output.first, "the check does not point to a hint").to_contain_text("Hint 2")
    see(check_output.first, "the check does not say what to do next").to_contain_text("Not yet: fix to_basis")

    # fixed: the check passes and says so, with nothing on stderr
    nb.type_into(solution, RIGHT)
    nb.press(solution, "Shift+Enter")
    nb.press(check, "Shift+Enter")
    assert nb.errors(check) == [], f"the check failed on a right answer: {nb.output_text(check)}"
    see(check_stderr, "the check shows an error on a right answer").to_have_count(0)
    see(check_output.first, "the check does not show its success line") \
        .to_contain_text(re.compile(rf"Well done: {TRY_EXERCISE} is right on every practice case"))


def test_nbgrader_assignments_panel_opens(lab):
    page = lab.page
    menu = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="Nbgrader")
    see(menu, "nbgrader's menu is not in JupyterLab's menu bar").to_be_visible()
    menu.click()
    page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-assignment-list"]').click()
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="Assignments")
    see(tab, "nbgrader's Assignments panel did not open").to_be_visible()
    for part in ("released", "fetched", "submitted"):
        see(page.locator(f"#{part}_assignments_list"), f"the Assignments panel has no {part} list").to_be_attached()
    tab.locator(".lm-TabBar-tabCloseIcon").click()
    see(tab, "the Assignments panel did not close").to_have_count(0)


@pytest.mark.parametrize("lesson", LESSONS)
def test_validate_reports_success_on_a_solved_notebook(lesson, lab, student_lessons):
    path = student_lessons / lesson / solved_name(lesson)
    assert path.exists(), f"{lesson}: no solved copy (is lessons/{lesson}/{lesson}.ipynb there?)"
    nb = lab.open(f"{lesson}/{path.name}")
    try:
        button = nb.panel.locator("jp-button.validate-button")
        see(button, "nbgrader's Validate button is not on the notebook toolbar").to_be_visible()
        button.click()
        dialog = lab.page.locator(".nbgrader-SuccessDialog, .nbgrader-ErrorDialog")
        dialog.wait_for(timeout=VALIDATE_TIMEOUT * 1000)
        text, success = dialog.inner_text(), "nbgrader-SuccessDialog" in dialog.get_attribute("class")
        dialog.locator("button.jp-Dialog-button").click()
        see(dialog, "the Validate dialog did not close").to_have_count(0)
        assert success, f"{lesson}: Validate failed:\n{text}"
        assert "Success! Your notebook passes all the tests." in text, text
    finally:
        nb.shutdown()
