"""The autograded notebooks nbgrader would have written: autograded/<student>/<assignment>/,
the student's submitted notebooks with each test cell's output the kit's feedback for its
check. `nbgrader generate_feedback` reads them, with the gradebook's scores, and writes
each student's feedback/ pages as after `nbgrader autograde`.

Nothing the student's kernel stored reaches autograded/: a stored output can be any HTML,
a `<script>` too, and generate_feedback renders it as it is (nbgrader's own autograde
re-runs the notebook, which replaces them). So every code cell's outputs are dropped, and
a test cell's output is the kit's feedback."""

import re
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_output

from grader.instructor.course import test_cell_of
from grader.instructor.records import StudentRecord
from grader.lessons import Lesson
from grader.load import Refused, read_file
from grader.messages import say


def check_outputs(student: StudentRecord, lang: str, lesson: Lesson | None = None) -> dict[str, str]:
    """Each test cell's output: what the student's first device run of it said, or that it passed."""
    outputs: dict[str, str] = {}
    for test in student.tests:
        cell = test_cell_of(test.name, lesson)
        if not outputs.get(cell):
            outputs[cell] = test.output
    return {cell: text or say("check_passed", lang) for cell, text in outputs.items()}


def write_autograded(course: Path, assignment: str, student: StudentRecord, lang: str,
                     lesson: Lesson | None = None) -> None:
    submitted = course / "submitted" / student.folder / assignment
    target = course / "autograded" / student.folder / assignment
    outputs = check_outputs(student, lang, lesson)
    for file in sorted(submitted.glob("*.ipynb")):
        notebook = read_notebook(file)
        if notebook is None:
            continue
        course_text = lesson_text(course / "release" / assignment / file.name)
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(as_text(with_outputs(notebook, outputs), course_text), target / file.name)
    if (submitted / "timestamp.txt").is_file() and target.is_dir():
        shutil.copyfile(submitted / "timestamp.txt", target / "timestamp.txt")


def read_notebook(file: Path) -> nbformat.NotebookNode | None:
    """The student's notebook, read as the grader read it (no links, capped); None if it is not one."""
    try:
        data = read_file(file)
        return None if data is None else nbformat.reads(data.decode("utf-8-sig", "replace"), as_version=4)
    except (Refused, ValueError):
        return None


def with_outputs(notebook: nbformat.NotebookNode, outputs: dict[str, str]) -> nbformat.NotebookNode:
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = kit_output(cell, outputs), None
    return notebook


def kit_output(cell: nbformat.NotebookNode, outputs: dict[str, str]) -> list:
    """A test cell's output: the kit's feedback, as text; none for any other cell."""
    text = outputs.get(grade_id(cell))
    return [] if text is None else [new_output("stream", name="stdout", text=text + "\n")]


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def lesson_text(release: Path) -> dict[str, str]:
    """The released notebook's markdown and raw cells, by grade id (none if it is not there)."""
    try:
        notebook = nbformat.read(release, as_version=4)
    except (OSError, ValueError):
        return {}
    return {grade_id(c): c.source for c in notebook.cells if c.cell_type != "code" and grade_id(c)}


def as_text(notebook: nbformat.NotebookNode, course_text: dict[str, str]) -> nbformat.NotebookNode:
    """Markdown and raw cells shown as text: the lesson's own as released, any other in a code
    fence (generate_feedback renders markdown's HTML, `<script>` and `onerror=` included)."""
    for index, cell in enumerate(notebook.cells):
        cell.pop("attachments", None)  # images, an SVG among them
        if cell.cell_type != "code" and course_text.get(grade_id(cell)) != cell.source:
            notebook.cells[index] = new_markdown_cell(fenced(cell.source))
    return notebook


def fenced(text: str) -> str:
    """`text` as a Markdown code block, its fence longer than any run of backticks in it."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"
