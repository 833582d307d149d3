"""The autograded notebooks nbgrader would have written: autograded/<student>/<assignment>/,
the student's submitted notebooks with each test cell's output the kit's feedback for its
check. `nbgrader generate_feedback` reads them, with the gradebook's scores, and writes
each student's feedback/ pages as after `nbgrader autograde`."""

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_output

from grader.instructor.course import test_cell_of
from grader.instructor.records import StudentRecord
from grader.load import Refused, read_file
from grader.messages import say


def check_outputs(student: StudentRecord, lang: str) -> dict[str, str]:
    """Each test cell's output: what the student's first device run of it said, or that it passed."""
    outputs: dict[str, str] = {}
    for test in student.tests:
        cell = test_cell_of(test.name)
        if not outputs.get(cell):
            outputs[cell] = test.output
    return {cell: text or say("check_passed", lang) for cell, text in outputs.items()}


def write_autograded(course: Path, assignment: str, student: StudentRecord, lang: str) -> None:
    submitted = course / "submitted" / student.folder / assignment
    target = course / "autograded" / student.folder / assignment
    outputs = check_outputs(student, lang)
    for file in sorted(submitted.glob("*.ipynb")):
        try:
            data = read_file(file)  # the student's file: no links, capped, as the grader read it
        except Refused:
            continue
        if data is None:
            continue
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(with_outputs(nbformat.reads(data.decode("utf-8-sig", "replace"), as_version=4), outputs),
                       target / file.name)
    if (submitted / "timestamp.txt").is_file() and target.is_dir():
        shutil.copyfile(submitted / "timestamp.txt", target / "timestamp.txt")


def with_outputs(notebook: nbformat.NotebookNode, outputs: dict[str, str]) -> nbformat.NotebookNode:
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in outputs:
            cell.outputs = [new_output("stream", name="stdout", text=outputs[grade_id] + "\n")]
    return notebook
