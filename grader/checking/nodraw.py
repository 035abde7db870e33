"""The matplotlib backend of grading kernels: figures are built, so the learner's code runs, but never drawn.

Drawing is most of a lesson's run time, and nobody looks at a grading
kernel's figures (feedback shows the graded cells; the learner has the
figures in their own notebook). ``plt.show()``, ``fig.show()`` and the end of
every cell close the open figures without drawing them; ``fig.savefig`` still
draws, for code that wants the pixels. Chosen with
``MPLBACKEND=module://grader.checking.nodraw`` (``grader.autograde.execution`` sets it).
"""
from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

NAME = "module://grader.checking.nodraw"


class FigureManager(FigureManagerBase):
    def __init__(self, canvas, num):
        super().__init__(canvas, num)
        _close_after_each_cell()

    def show(self):
        """Nothing to show: the figure is closed with the others at the end of the cell."""


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def show(*args, **kwargs):
    """plt.show(): close every open figure, undrawn."""
    Gcf.destroy_all()


def _close_after_each_cell():
    """In IPython, close the figures a cell leaves open when it ends (the inline backend's job, minus drawing).

    Done when this backend makes its first figure, not on import: importing
    this module (to read NAME) changes nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and show not in shell.events.callbacks["post_execute"]:
        shell.events.register("post_execute", show)
