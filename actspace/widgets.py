"""Sliders over a figure, with a still figure wherever no widget front end runs.

``explore(draw, angle=(0, 180, 5, 30))`` shows ``draw(ax, angle=...)`` with one
slider per keyword. The output carries two renderings: the live widget (which
JupyterLab shows) and a PNG of the figure at the default values (which
nbconvert, nbgrader feedback and any viewer without widgets show). Under the
grading kernels' backend, which never draws (``grader.checking.nodraw``), the figure
is built but no PNG is made.
"""
import base64
import io

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from grader.checking.nodraw import NAME as NO_DRAWING  # the grading kernels' backend (importing it changes nothing)


def _still_png(draw, values, figsize):
    """The figure at `values` as base64 PNG text (None where the backend never draws)."""
    fig = Figure(figsize=figsize)  # not registered with pyplot: never shown twice
    draw(fig.add_subplot(), **values)
    if matplotlib.get_backend() == NO_DRAWING:
        return None
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


class _Explorer:
    """A display object: the live widget where widgets render, a still PNG elsewhere."""

    def __init__(self, widget, png):
        self.widget, self.png = widget, png

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle = dict(bundle)
        if self.png is not None:
            bundle["image/png"] = self.png
        return bundle


def explore(draw, figsize=(5, 5), **sliders):
    """Show ``draw(ax, **values)`` with a slider per keyword ``name=(min, max, step, value)``."""
    import ipywidgets as w

    controls = {name: w.FloatSlider(min=lo, max=hi, step=step, value=value, description=name,
                                    continuous_update=False)
                for name, (lo, hi, step, value) in sliders.items()}

    def update(**values):
        fig, ax = plt.subplots(figsize=figsize)
        try:
            draw(ax, **values)
        except Exception:
            plt.close(fig)  # no empty figure left behind for the inline backend to show
            raise
        plt.show()

    # the still figure first: a draw that needs the learner's functions fails here, before any widget exists
    png = _still_png(draw, {k: c.value for k, c in controls.items()}, figsize)
    return _Explorer(w.interactive(update, **controls), png)
