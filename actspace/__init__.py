"""Student-facing helpers of the actspace course: plotting, sliders, and the given building blocks.

Nothing in this package imports ``solutions``: learners may work in an
environment where the reference implementation is not installed.
"""
