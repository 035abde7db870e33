"""Student-facing helpers of the actspace course: plotting, sliders and the weights of the experiments.

No exercise's answer lives here: a block a later lesson needs is given in that lesson's notebook.

Nothing in this package imports ``solutions``: learners may work in an
environment where the reference implementation is not installed.
"""
