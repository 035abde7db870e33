"""What each cell of a lesson notebook is, read from the .ipynb: exercises, figures, sliders, equations.

Indices are positions in the notebook, the same as JupyterLab's cell indices.
"""
import ast
import re

import nbformat

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _tree(source):
    """The AST of a code cell, IPython magics and shell lines left out."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _root_name(node):
    """`bases` for bases.draw(...), `explore` for explore(...)."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _is_needs(item):
    return isinstance(item.context_expr, ast.Call) and _root_name(item.context_expr) == "needs"


class Lesson:
    """The cells of one lesson notebook (student version)."""

    def __init__(self, path):
        self.path = path
        self.nb = nbformat.read(path, as_version=4)
        self.cells = self.nb.cells
        ids = {nbgrader(c).get("grade_id"): i for i, c in enumerate(self.cells)}
        self.exercises = [nbgrader(c)["grade_id"] for c in self.cells
                          if c.cell_type == "code" and nbgrader(c).get("solution")]
        self.solution = {name: ids[name] for name in self.exercises}
        self.check = {name: ids[f"{name}_check"] for name in self.exercises if f"{name}_check" in ids}
        self.graded = {name: ids[f"{name}_tests"] for name in self.exercises if f"{name}_tests" in ids}
        self.plotting_names = self._plotting_names()

    def indices(self, cell_type):
        return [i for i, c in enumerate(self.cells) if c.cell_type == cell_type]

    def exercise_cells(self):
        """Indices of the solution, visible check and graded cells."""
        return set(self.solution.values()) | set(self.check.values()) | set(self.graded.values())

    def _plotting_names(self):
        """Names that draw: pyplot, the actspace.plotting modules and helpers imported, explore."""
        names = {"explore"}
        for i in self.indices("code"):
            for node in ast.walk(_tree(self.cells[i].source)):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.startswith(("actspace.plotting", "matplotlib.pyplot")):
                            names.add(alias.asname or alias.name.split(".")[0])
                elif isinstance(node, ast.ImportFrom) and node.module:
                    if node.module.startswith("actspace.plotting") or node.module == "matplotlib":
                        names.update(a.asname or a.name for a in node.names if node.module != "matplotlib"
                                     or a.name == "pyplot")
                    elif node.module == "matplotlib.pyplot":
                        names.update(a.asname or a.name for a in node.names)
        return names

    def _draws(self, statements):
        """Do these statements call a plotting helper as a statement of their own, outside `with needs(...)`?"""
        for st in statements:
            if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) \
                    and _root_name(st.value) in self.plotting_names:
                return True
            if isinstance(st, ast.With) and not any(_is_needs(item) for item in st.items) and self._draws(st.body):
                return True
            if isinstance(st, (ast.For, ast.If)) and self._draws(st.body):
                return True
        return False

    def figure_cells(self):
        """Code cells that draw a figure in a blank notebook (figures of the learner's results wait in `needs`)."""
        return [i for i in self.indices("code") if i not in self.exercise_cells()
                and self._draws(_tree(self.cells[i].source).body)]

    def _slides(self, statements):
        """Do these statements show an `explore(...)` slider, outside `with needs(...)`?"""
        for st in statements:
            if isinstance(st, ast.With) and any(_is_needs(item) for item in st.items):
                continue  # a slider over the learner's functions: it appears once they are written
            if any(isinstance(n, ast.Call) and _root_name(n.func) == "explore" for n in ast.walk(st)):
                return True
        return False

    def slider_cells(self):
        """Code cells that show an `explore(...)` slider in a blank notebook (sliders over the learner's
        functions wait in `needs`)."""
        return [i for i in self.indices("code") if i not in self.exercise_cells()
                and self._slides(_tree(self.cells[i].source).body)]

    def math_cells(self):
        """Markdown cells with $...$ equations (outside code spans)."""
        return [i for i in self.indices("markdown") if _MATH.search(_CODE.sub("", self.cells[i].source))]


def solved_name(lesson):
    """The file name of a lesson's solved copy, written next to its student version."""
    return f"{lesson}_solved.ipynb"


def answer(source_cell):
    """The answer of a source notebook's solution cell: its code without the solution markers."""
    return "\n".join(line for line in source_cell.source.splitlines()
                     if line.strip() not in SOLUTION_MARKERS)


def write_solved(student_path, source_path, dest):
    """The student version with every solution cell answered from the source notebook: a learner's finished work."""
    student = nbformat.read(student_path, as_version=4)
    source = {nbgrader(c).get("grade_id"): c for c in nbformat.read(source_path, as_version=4).cells}
    for cell in student.cells:
        if nbgrader(cell).get("solution"):
            cell.source = answer(source[nbgrader(cell)["grade_id"]])
    nbformat.write(student, dest)
    return dest
