"""Driving JupyterLab in a browser page: open a notebook, run its cells, read what they show.

Cells are found by their index in the notebook (the same index as in the
.ipynb), never by their text. Running goes through JupyterLab's own commands
or keys; outputs are read from JupyterLab's notebook model and from the page.
"""
CELL_TIMEOUT = 180  # seconds one cell may run (the lessons' cells take far less)
KERNEL_TIMEOUT = 90  # seconds for a kernel to start and become idle
UI_TIMEOUT = 30  # seconds for something to appear on the page

# JavaScript run in the page; `window.jupyterapp` is JupyterLab (LabApp.expose_app_in_browser)
_PANEL = "window.__e2e_panels[id]"
_CELL = f"{_PANEL}.content.widgets[i]"


class LabPage:
    """The JupyterLab application in a Playwright page."""

    def __init__(self, page, server):
        self.page, self.server = page, server

    def load(self):
        self.page.goto(self.server.lab_url(), wait_until="domcontentloaded")
        self.page.wait_for_function(
            "() => window.jupyterapp !== undefined && document.querySelector('#jp-main-dock-panel') !== null",
            timeout=UI_TIMEOUT * 2000)
        self.page.evaluate("async () => { await window.jupyterapp.restored; window.__e2e_panels = {}; }")
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # more room for the notebook
        return self

    def start_command(self, name, args=None):
        """Start a JupyterLab command (what menus and shortcuts run); the caller waits for its effect."""
        self.page.evaluate("([name, args]) => { window.jupyterapp.commands.execute(name, args).catch(() => null); }",
                           [name, args or {}])

    def open(self, path):
        """Open the notebook at `path` (relative to the server's root) with its kernel ready."""
        panel_id = self.page.evaluate("""async path => {
            const panel = await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});
            await panel.context.ready;
            window.__e2e_panels[panel.id] = panel;
            window.jupyterapp.shell.activateById(panel.id);
            return panel.id;
        }""", path)
        notebook = LabNotebook(self, panel_id, path)
        notebook.wait_for_kernel()
        return notebook


class LabNotebook:
    """One open notebook panel; cells by index."""

    def __init__(self, lab, panel_id, path):
        self.lab, self.page, self.id, self.path = lab, lab.page, panel_id, path
        self.panel = self.page.locator(f"[id='{panel_id}']")

    def js(self, body, **args):
        """Evaluate `body` (an expression over `id`, `i`, ...) in the page."""
        names = ", ".join(["id", *args])
        return self.page.evaluate(f"({{{names}}}) => {body}", {"id": self.id, **args})

    def wait_for(self, body, timeout, what, **args):
        """Wait until the expression `body` is true in the page; fail saying `what` did not happen."""
        names = ", ".join(["id", *args])
        try:
            self.page.wait_for_function(f"({{{names}}}) => {body}", arg={"id": self.id, **args},
                                        timeout=timeout * 1000, polling=100)
        except Exception as e:
            raise AssertionError(f"{self.path}: {what} within {timeout} s ({type(e).__name__})") from None

    # -- kernel ----------------------------------------------------------------------------
    def wait_for_kernel(self):
        self.wait_for(f"{_PANEL}.sessionContext.session?.kernel?.status === 'idle'", KERNEL_TIMEOUT,
                      "the kernel did not start and become idle")

    def shutdown(self):
        """Close the panel without the save dialog and shut its kernel down."""
        self.js(f"""(async () => {{
            const panel = {_PANEL};
            if (!panel || panel.isDisposed) return;
            await panel.sessionContext.shutdown();
            panel.context.model.dirty = false;
            panel.dispose();
            delete window.__e2e_panels[id];
        }})()""")

    # -- cells -----------------------------------------------------------------------------
    def count(self):
        return self.js(f"{_PANEL}.content.widgets.length")

    def cell(self, i):
        """The page element of cell i."""
        return self.panel.locator(f".jp-Notebook .jp-Cell[data-windowed-list-index='{i}']")

    def source(self, i):
        return self.js(f"{_CELL}.model.sharedModel.getSource()", i=i)

    def execution_count(self, i):
        return self.js(f"{_CELL}.model.executionCount", i=i)

    def outputs(self, i):
        """The outputs of cell i as nbformat dicts."""
        return self.js(f"{_CELL}.model.outputs ? {_CELL}.model.outputs.toJSON() : []", i=i)

    def output_text(self, i):
        """stdout, stderr, results and tracebacks of cell i, as plain text."""
        parts = []
        for out in self.outputs(i):
            if out["output_type"] == "stream":
                parts.append("".join(out["text"]) if isinstance(out["text"], list) else out["text"])
            elif out["output_type"] == "error":
                parts.append(f"{out['ename']}: {out['evalue']}")
            elif "text/plain" in out.get("data", {}):
                text = out["data"]["text/plain"]
                parts.append("".join(text) if isinstance(text, list) else text)
        return "\n".join(parts)

    def errors(self, i):
        return [(o["ename"], o["evalue"]) for o in self.outputs(i) if o["output_type"] == "error"]

    def select(self, i):
        """Make cell i the active one, in command mode."""
        self.js(f"""(async () => {{
            const nb = {_PANEL}.content;
            nb.mode = 'command';
            nb.activeCellIndex = i;
            nb.deselectAll();
        }})()""", i=i)

    def scroll_to(self, i, align="start"):
        """Scroll cell i into view; `align` is "start" (to the top) or "center"."""
        self.cell(i).evaluate("""async (cell, align) => {
            for (let k = 0; k < 3; k++) {  // again once the cells above have their real heights
                cell.scrollIntoView({block: align});
                await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
            }
        }""", align)

    def wait_until_ran(self, i, before, timeout=CELL_TIMEOUT):
        """Wait until cell i has run again (a new execution count, not running any more)."""
        self.wait_for(f"""(() => {{
            const m = {_CELL}.model;
            return m.executionCount !== null && m.executionCount !== before && m.executionState !== 'running';
        }})()""", timeout, f"cell {i} did not finish running", i=i, before=before)

    def run(self, i, timeout=CELL_TIMEOUT):
        """Run cell i alone (JupyterLab's notebook:run-cell) and wait for it; returns its outputs."""
        before = self.execution_count(i)
        self.select(i)
        self.lab.start_command("notebook:run-cell")
        self.wait_until_ran(i, before, timeout)
        return self.outputs(i)

    def run_each(self, indices, timeout=CELL_TIMEOUT):
        """Run the cells one after another, each to its end whatever the last one raised.

        (JupyterLab's Run All stops at the first error, and a blank lesson raises
        NotImplementedError in every exercise check.)
        """
        for i in indices:
            self.run(i, timeout)

    # -- typing ----------------------------------------------------------------------------
    def type_into(self, i, text):
        """Replace the text of cell i the way a learner does: click into its editor, select all, type."""
        self.scroll_to(i, "center")
        editor = self.cell(i).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(text)  # as pasted: no auto-indent, no auto-closed brackets
        typed = self.source(i)
        assert typed == text, f"{self.path}: cell {i} holds {typed!r} after typing {text!r}"

    def click(self, i):
        """Click cell i beside its editor (its prompt): the learner's way to select it, in command mode."""
        self.scroll_to(i, "center")
        self.cell(i).locator(".jp-InputPrompt").click()
        self.wait_for(f"{_PANEL}.content.activeCellIndex === i && {_PANEL}.content.mode === 'command'",
                      UI_TIMEOUT, f"clicking cell {i} did not select it", i=i)

    def press(self, i, keys="Shift+Enter", timeout=CELL_TIMEOUT):
        """Press `keys` (Shift+Enter: run and go on; Control+Enter: run) on cell i; wait until it ran."""
        before = self.execution_count(i)
        if self.js(f"{_PANEL}.content.activeCellIndex") != i:
            self.click(i)
        self.page.keyboard.press(keys)
        self.wait_until_ran(i, before, timeout)
        return self.outputs(i)

    def append_cell(self, text):
        """A new code cell at the end of the notebook holding `text`; returns its index."""
        last = self.count() - 1
        self.click(last)
        self.page.keyboard.press("b")  # insert a cell below, in command mode
        self.wait_for(f"{_PANEL}.content.widgets.length === n", UI_TIMEOUT, "no cell was inserted", n=last + 2)
        self.type_into(last + 1, text)
        return last + 1
