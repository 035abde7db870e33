"""nbgrader configuration: this repository is the actspace course."""
c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "actspace"
c.CourseDirectory.source_directory = "lessons"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.md"]

# seconds one cell may run when nbgrader executes a notebook (validate, autograde)
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
