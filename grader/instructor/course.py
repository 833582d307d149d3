"""`python -m grader nbgrader build`: the lesson as an nbgrader course, generated from the
marked solutions and the grader's checks, so a fix in one place reaches both."""

import ast
import json
import re
from functools import cache
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader import ROOT
from grader.instructor.stubs import comment
from grader.lesson import API
from grader.lesson.checks import Check, collect
from grader.messages import LANGUAGES, hint, in_every_language

CONFIG = '''import os

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "autograd-kit"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))  # this folder, wherever it is moved
c.ClearSolutions.code_stub = {{"python": {code_stub}}}
c.Execute.timeout = 60
'''

PLOT_CELL = """%matplotlib inline
# Headless-safe: the figure is drawn inline, never in a GUI window. Chinese titles only where
# a CJK font is installed (never the boxes and warnings of a missing SimHei).
from grader.report.figures import notebook_fonts

title = notebook_fonts()
x, y = make_data()
w, b, losses = train(x, y)
print(f"w = {w.item():.3f}, b = {b.item():.3f}, final loss = {losses[-1]:.3f}")
figure = plot_fit(x, y, w, b, losses)
figure.suptitle(title)
figure"""


def build_course(course: Path, assignment: str) -> list[Path]:
    source = course / "source" / assignment
    source.mkdir(parents=True, exist_ok=True)
    config = CONFIG.format(code_stub=code_stub())
    (course / "nbgrader_config.py").write_text(config, "utf-8")
    written = [course / "nbgrader_config.py"]
    for module in API:
        notebook = lesson_notebook(module, (ROOT / "solutions" / f"{module}.py").read_text("utf-8"))
        nbformat.write(notebook, source / f"{module}.ipynb")
        written.append(source / f"{module}.ipynb")
    return written


def code_stub() -> str:
    """What nbgrader leaves in a solution cell, as a Python string literal."""
    stub = f"# {in_every_language('notebook', 'code_stub')}\nraise NotImplementedError()"
    return json.dumps(stub, ensure_ascii=False)


SOLUTION_REGION = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION$", re.MULTILINE)
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def lesson_notebook(module: str, solution: str) -> nbformat.NotebookNode:
    """The lesson text, the given code (read-only), and per student function: its task,
    its solution cell and one autograded cell per check."""
    tree, lines = ast.parse(solution), solution.splitlines()
    imports = [lines[node.lineno - 1] for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    cells = [locked(new_markdown_cell(ast.get_docstring(tree)), "lesson")]
    cells.append(locked(new_code_cell("\n".join(imports)), "given-imports"))
    ends = [node.lineno - 1 for node in tree.body[1:]] + [len(lines)]
    for function, end in zip(tree.body, ends):
        if not isinstance(function, ast.FunctionDef):
            continue
        code = "\n".join(lines[function.lineno - 1 : end]).rstrip()  # with the END SOLUTION comment
        cells.extend(function_cells(function, code) if function.name in API[module] else
                     [locked(new_code_cell(code), f"given-{function.name}")])
    if module == "linear_regression":
        cells.append(locked(new_code_cell(PLOT_CELL), "demo-plot"))
    return new_notebook(cells=cells, metadata=KERNEL)


def function_cells(function: ast.FunctionDef, code: str) -> list[nbformat.NotebookNode]:
    name = function.name
    task = new_markdown_cell(f"### `{name}`\n\n{ast.get_docstring(function)}")
    tests = [test_cell(check, grade_id) for check, grade_id in grade_ids().items() if check.function == name]
    solution = marked(new_code_cell(with_first_hint(code, name)), solution=True, grade_id=f"solution-{name}")
    return [locked(task, f"task-{name}"), solution, *tests]


def with_first_hint(code: str, function: str) -> str:
    """The first hint, in every language, as comments above the solution region: nbgrader
    replaces the region by its stub, so the released cell keeps the hint, as the stubs do."""
    def hinted(region: re.Match) -> str:
        indent = region["indent"]
        return "".join(comment(hint(function, 1, lang), indent) for lang in LANGUAGES) + region[0]

    return SOLUTION_REGION.sub(hinted, code, count=1)


def grade_ids() -> dict[Check, str]:
    """Each check's autograded cell: test-<function>-<n>, n counting that function's checks."""
    checks = collect(hidden=True)
    return {c: f"test-{c.function}-{[d for d in checks if d.function == c.function].index(c) + 1}" for c in checks}


@cache
def cells_by_check() -> dict[str, str]:
    return {f"{check.function}: {check.claim}": grade_id for check, grade_id in grade_ids().items()}


def test_cell_of(test: str) -> str:
    """The test cell of a results.json test, named "function: claim (device)"."""
    return cells_by_check()[test.rsplit(" (", 1)[0]]


def test_cell(check: Check, grade_id: str) -> nbformat.NotebookNode:
    call = f"from grader.frontends.notebook import check\ncheck({check.function!r}, {check.claim!r}, globals())"
    if check.hidden:
        call = f"### BEGIN HIDDEN TESTS\n{call}\n### END HIDDEN TESTS"
    return marked(new_code_cell(call), grade=True, grade_id=grade_id, points=check.points, locked=True)


def locked(cell: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return marked(cell, grade_id=grade_id, locked=True)


def marked(cell: nbformat.NotebookNode, grade_id: str, solution: bool = False, grade: bool = False,
           locked: bool = False, points: int | None = None) -> nbformat.NotebookNode:
    cell.metadata["nbgrader"] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                                 "solution": solution, "task": False}
    if points is not None:
        cell.metadata["nbgrader"]["points"] = points
    return cell
