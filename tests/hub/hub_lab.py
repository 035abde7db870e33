"""A hub user in Chromium: log in through the hub's PAM login form, JupyterLab, nbgrader's Assignments tab."""
import sys
import time
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))

from lab_notebook import LabPage  # noqa: E402  (tests/e2e: the same driving of JupyterLab)

UI = 60_000  # ms for something to show on the page
LIST = "#{which}_assignments_list"


class HubLab(LabPage):
    """JupyterLab of one hub user, after logging in at the hub."""

    def __init__(self, page, hub, user, password):
        super().__init__(page, self)
        self.hub, self.user, self.password = hub, user, password

    def lab_url(self):
        return f"{self.hub.url}/user/{self.user}/lab"

    def login(self):
        page = self.page
        page.goto(f"{self.hub.url}/hub/login", wait_until="domcontentloaded")
        page.fill("#username_input", self.user)
        page.fill("#password_input", self.password)
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{self.user}/lab**", timeout=240_000)  # the hub spawns the server first
        return self.load()

    def commands(self):
        return self.page.evaluate("() => window.jupyterapp.commands.listCommands()")

    def get(self, path):
        """(status, text) of a GET in the user's server (the page's cookies)."""
        r = self.page.request.get(f"{self.hub.url}/user/{self.user}/{path.lstrip('/')}")
        return r.status, r.text()

    # ------------------------------------------------------------- nbgrader's Assignments tab

    def assignments(self):
        self.page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
        self.page.wait_for_selector(LIST.format(which="released"), timeout=UI)
        return self

    def refresh(self):
        self.page.click("#refresh_assignments_list")

    def row(self, which, text):
        return self.page.locator(f"{LIST.format(which=which)} .list_item", has_text=text)

    def press_in(self, which, lesson, label, timeout=UI):
        """Press the button `label` of `lesson`'s row in the list `which` (released, fetched, submitted)."""
        deadline = time.monotonic() + timeout / 1000
        button = self.row(which, lesson).locator("button", has_text=label).first
        while not button.count():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user}: no {label!r} button for {lesson} in the {which} list; the tab "
                                     f"shows: {self.page.inner_text('#jp-main-dock-panel')[:1500]!r}")
            self.refresh()
            time.sleep(2)
        button.click()

    def wait_in(self, which, lesson, timeout=UI):
        self.row(which, lesson).first.wait_for(timeout=timeout)

    def validate(self, notebook):
        """Press the notebook's Validate button; the text of nbgrader's Validation Results dialog."""
        notebook.panel.locator(".validate-button").first.click()
        dialog = self.page.locator(".jp-Dialog", has_text="Validation Results")
        dialog.wait_for(timeout=300_000)
        text = dialog.locator(".jp-Dialog-body").inner_text()
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
        return text

    def save(self, notebook):
        notebook.js("window.__e2e_panels[id].context.save()")
        notebook.wait_for("!window.__e2e_panels[id].context.model.dirty", 30, "the notebook was not saved")
