"""The grading kernels' matplotlib backend: every figure is built, none is drawn unless asked for."""
import json
import os
import subprocess
import sys

from grader.checking import nodraw

COUNT_DRAWS = """
import io, json
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
draws = []
_draw = FigureCanvasAgg.draw
def counted(self, *args, **kwargs):
    draws.append(1)
    return _draw(self, *args, **kwargs)
FigureCanvasAgg.draw = counted
"""


def run(code, *, ipython=False):
    """The JSON the code prints last, run in a fresh Python (or IPython shell) under the nodraw backend."""
    if ipython:  # each cell through an IPython shell, as a kernel runs them
        code = ("from IPython.core.interactiveshell import InteractiveShell\nshell = InteractiveShell.instance()\n"
                f"for cell in {code!r}.split('# cell\\n'):\n    shell.run_cell(cell).raise_error()\n")
    env = dict(os.environ, MPLBACKEND=nodraw.NAME)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_show_closes_figures_without_drawing_them_and_savefig_still_draws():
    got = run(COUNT_DRAWS + """
fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0])
fig.show()
plt.show()
closed = plt.get_fignums() == []
before = len(draws)
fig2, ax2 = plt.subplots()
ax2.scatter([0, 1], [1, 0])
buf = io.BytesIO()
fig2.savefig(buf, format="png")
print(json.dumps([plt.get_backend(), closed, before, len(draws), buf.getvalue()[:4] == b"\\x89PNG"]))
""")
    assert got == [nodraw.NAME, True, 0, 1, True]


def test_an_ipython_cell_leaves_no_figure_open_and_nothing_drawn():
    got = run(COUNT_DRAWS + """# cell
for k in range(15):  # 15 a cell: left open, they would pass matplotlib's 20 and warn
    plt.figure().add_subplot().plot([0, k])
# cell
for k in range(15):
    plt.subplots(1, 2)
# cell
for k in range(15):
    plt.subplots(2, 1)
# cell
print(json.dumps([plt.get_fignums(), len(draws)]))
""", ipython=True)
    assert got == [[], 0]


def test_explore_builds_its_figure_but_makes_no_still_picture():
    got = run("""
import json
from actspace.widgets import explore
seen = []
def draw(ax, a):
    seen.append(a)
    ax.plot([0, a])
bundle = explore(draw, a=(0, 1, 0.1, 0.5))._repr_mimebundle_()
print(json.dumps([sorted(bundle), seen]))
""")
    kinds, seen = got
    assert "image/png" not in kinds and "application/vnd.jupyter.widget-view+json" in kinds
    assert seen == [0.5, 0.5]  # once by the widget, once for the still figure, which is built but not drawn


def test_importing_it_changes_nothing_in_an_ipython_session():
    got = run("""import json
callbacks = get_ipython().events.callbacks["post_execute"]
before = list(callbacks)
import grader.checking.nodraw
print(json.dumps(list(callbacks) == before))
""", ipython=True)
    assert got is True
