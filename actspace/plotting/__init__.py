"""Figures of the course, one module per theme; every helper takes ``ax=None`` and returns the axis."""
