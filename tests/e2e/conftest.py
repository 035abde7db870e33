"""One `actspace lab` server and one Chromium for the whole session, on a new working folder of student versions."""
import shutil

import pytest

from lab_browser import VIEWPORT, BrowserUnavailable, launch
from lab_notebook import LabPage
from lab_server import LabServer
from lesson_cells import solved_name, write_solved
from lesson_files import LESSONS, ROOT

SCREENSHOTS = ROOT / "artifacts" / "screenshots"  # git-ignored (/artifacts/)
_REPORT = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, e2e_report):
    """`actspace lab` on a new working folder, with this checkout's lessons."""
    learner = tmp_path_factory.mktemp("learner")
    server = LabServer(learner / "actspace-lessons", ROOT, tmp_path_factory.mktemp("jupyter"))
    e2e_report.append(f"the server's log: {server.log}")
    try:
        server.start()
        why = None
    except RuntimeError as e:
        why = f"JupyterLab did not start: {e}"
    if why:  # outside the except block: the reason alone, not a chain of tracebacks
        pytest.fail(why, pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def student_lessons(lab_server):
    """The folder of lesson folders the server shows, with a solved copy written next to each student version."""
    root = lab_server.folder
    for folder in sorted(p for p in root.iterdir() if (p / f"{p.name}.ipynb").is_file()):
        write_solved(folder / f"{folder.name}.ipynb", LESSONS / folder.name / f"{folder.name}.ipynb",
                     folder / solved_name(folder.name))
    return root


@pytest.fixture(scope="session")
def browser(playwright):
    try:
        chromium, why = launch(playwright), None
    except BrowserUnavailable as e:
        chromium, why = None, str(e)
    if why:
        pytest.fail(why, pytrace=False)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def lab(browser, lab_server):
    """JupyterLab loaded in one page for the whole session."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    lab = LabPage(context.new_page(), lab_server).load()
    yield lab
    context.close()


@pytest.fixture(scope="session")
def screenshots(request):
    """The folder of this run's screenshots, emptied first; its path is printed at the end of the run."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    report(request.config).append(f"screenshots of the lessons in JupyterLab: {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture(scope="session")
def e2e_report(request):
    """Lines to print in the end-of-run summary."""
    return report(request.config)


def report(config):
    return config.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("JupyterLab end-to-end")
        for line in lines:
            terminalreporter.write_line(line)
