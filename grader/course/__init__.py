"""A course folder: nbgrader's course root, release, collect, feedback and grades, the demo class."""
