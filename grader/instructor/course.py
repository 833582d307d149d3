"""`python -m grader nbgrader build`: the lesson as an nbgrader course, generated from the
marked solutions and the grader's checks, so a fix in one place reaches both."""

import ast
import json
import re
from functools import cache
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.checks import Check
from grader.instructor.stubs import comment
from grader.lessons import KIT_LESSONS, Lesson, first, given
from grader.messages import LANGUAGES, hint, in_every_language

CONFIG = '''import os

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "autograd-kit"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))  # this folder, wherever it is moved
c.ClearSolutions.code_stub = {{"python": {code_stub}}}
c.Execute.timeout = 60
'''



def build_course(course: Path, assignment: str, lesson: Lesson | None = None) -> list[Path]:
    lesson = given(lesson)
    source = course / "source" / assignment
    source.mkdir(parents=True, exist_ok=True)
    config = CONFIG.format(code_stub=code_stub())
    (course / "nbgrader_config.py").write_text(config, "utf-8")
    written = [course / "nbgrader_config.py"]
    for module in lesson.api:
        notebook = lesson_notebook(module, (lesson.solutions / f"{module}.py").read_text("utf-8"), lesson)
        nbformat.write(notebook, source / f"{module}.ipynb")
        written.append(source / f"{module}.ipynb")
    return written


def code_stub() -> str:
    """What nbgrader leaves in a solution cell, as a Python string literal."""
    stub = f"# {in_every_language('notebook', 'code_stub')}\nraise NotImplementedError()"
    return json.dumps(stub, ensure_ascii=False)


SOLUTION_REGION = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION$", re.MULTILINE)
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def lesson_notebook(module: str, solution: str, lesson: Lesson | None = None) -> nbformat.NotebookNode:
    """The lesson text, the given code (read-only), and per student function: its task,
    its solution cell and one autograded cell per check."""
    lesson = given(lesson)
    tree, lines = ast.parse(solution), solution.splitlines()
    imports = [lines[node.lineno - 1] for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    cells = [locked(new_markdown_cell(ast.get_docstring(tree)), "lesson")]
    cells.append(locked(new_code_cell("\n".join(imports)), "given-imports"))
    ends = [node.lineno - 1 for node in tree.body[1:]] + [len(lines)]
    for function, end in zip(tree.body, ends):
        if not isinstance(function, (ast.FunctionDef, ast.ClassDef)):
            continue
        code = "\n".join(lines[function.lineno - 1 : end]).rstrip()  # with the END SOLUTION comment
        cells.extend(function_cells(function, code, lesson) if function.name in lesson.api[module] else
                     [locked(new_code_cell(code), f"given-{function.name}")])
    if module in lesson.demo_cells:
        cells.append(locked(new_code_cell(lesson.demo_cells[module]), "demo-plot"))
    return new_notebook(cells=cells, metadata=KERNEL)


def function_cells(function: ast.FunctionDef | ast.ClassDef, code: str, lesson: Lesson) -> list[nbformat.NotebookNode]:
    name = function.name
    task = new_markdown_cell(f"### `{name}`\n\n{ast.get_docstring(function)}")
    tests = [test_cell(check, grade_id, lesson) for check, grade_id in grade_ids(lesson).items()
             if check.function == name]
    solution = marked(new_code_cell(with_first_hint(code, name, lesson)), solution=True, grade_id=f"solution-{name}")
    return [locked(task, f"task-{name}"), solution, *tests]


def with_first_hint(code: str, function: str, lesson: Lesson | None = None) -> str:
    """The first hint, in every language, as comments above the solution region: nbgrader
    replaces the region by its stub, so the released cell keeps the hint, as the stubs do."""
    def hinted(region: re.Match) -> str:
        indent = region["indent"]
        return "".join(comment(hint(function, 1, lang, lesson), indent) for lang in LANGUAGES) + region[0]

    return SOLUTION_REGION.sub(hinted, code, count=1)


def grade_ids(lesson: Lesson | None = None) -> dict[Check, str]:
    """Each check's autograded cell: test-<function>-<n>, n counting that function's checks."""
    checks = given(lesson).checks(hidden=True)
    return {c: f"test-{c.function}-{[d for d in checks if d.function == c.function].index(c) + 1}" for c in checks}


@cache
def cells_by_check(lesson: Lesson) -> dict[str, str]:
    return {f"{check.function}: {check.claim}": grade_id for check, grade_id in grade_ids(lesson).items()}


def test_cell_of(test: str, lesson: Lesson | None = None) -> str:
    """The test cell of a results.json test, named "function: claim (device)"."""
    return cells_by_check(given(lesson))[test.rsplit(" (", 1)[0]]


def lesson_argument(lesson: Lesson) -> str:
    """How a test cell names the lesson: not at all for the first, by name for the kit's, else by its folder."""
    if lesson is first():
        return ""
    return f", lesson={lesson.name if lesson.folder.parent == KIT_LESSONS else str(lesson.folder)!r}"


def test_cell(check: Check, grade_id: str, lesson: Lesson | None = None) -> nbformat.NotebookNode:
    named = lesson_argument(given(lesson))
    call = f"from grader.frontends.notebook import check\ncheck({check.function!r}, {check.claim!r}, globals(){named})"
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
