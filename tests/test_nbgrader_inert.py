"""A notebook hand-in graded through `batch --nbgrader-course`: what its author stored in
it (a `<script>` output, HTML in a markdown or raw cell) must not reach the feedback page
`nbgrader generate_feedback` writes as live HTML; an honest classmate keeps full marks."""

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_output, new_raw_cell

from tests.conftest import ROOT, fill_notebooks
from tests.test_nbgrader import ASSIGNMENT, environment, nbgrader

pytestmark = [pytest.mark.nbgrader, pytest.mark.sandbox]
pytest.importorskip("nbgrader.api", reason="nbgrader is not installed (pip install -e '.[nbgrader]')")
SCRIPT = "<script>window.PWNED = 1</script>"
IMAGE = '<img src="x" onerror="window.PWNED = 2">'
# what a kernel can store: HTML, JavaScript, SVG and a Markdown output, each carrying a script
STORED = [
    new_output("display_data", data={"text/html": SCRIPT, "text/plain": "html"}),
    new_output("execute_result", data={"application/javascript": "window.PWNED = 3", "text/plain": "js"},
               execution_count=1),
    new_output("display_data", data={"image/svg+xml": f"<svg xmlns='http://www.w3.org/2000/svg'>{SCRIPT}</svg>"}),
    new_output("display_data", data={"text/markdown": IMAGE}),
    new_output("stream", name="stdout", text=SCRIPT),
]


def stored_outputs(folder: Path) -> None:
    """Every code cell of every notebook stores the attack; a markdown and a raw cell carry it too."""
    for file in folder.glob("*.ipynb"):
        notebook = nbformat.read(file, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = list(STORED)
        notebook.cells += [new_markdown_cell(f"notes {SCRIPT} {IMAGE}"), new_raw_cell(f"raw {SCRIPT}")]
        nbformat.write(notebook, file)


@pytest.fixture(scope="module")
def feedback(tmp_path_factory) -> Path:
    """A course with an honest student and an attacker, graded by batch, fed back by nbgrader."""
    course, out = tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("results")
    subprocess.run([sys.executable, "-m", "grader", "nbgrader", "build", str(course)], cwd=ROOT, env=environment(),
                   check=True, capture_output=True)
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    for student in ("honest", "attacker"):
        fill_notebooks(course / "release" / ASSIGNMENT, course / "submitted" / student / ASSIGNMENT, {})
    stored_outputs(course / "submitted" / "attacker" / ASSIGNMENT)
    command = [sys.executable, "-m", "grader", "batch", str(course), "--out", str(out), "--seed", "0",
               "--nbgrader-course", str(course), "--lang", "en"]
    run = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


def test_no_stored_output_reaches_autograded(feedback):
    files = sorted((feedback / "autograded" / "attacker" / ASSIGNMENT).glob("*.ipynb"))
    cells = [cell for file in files for cell in nbformat.read(file, as_version=4).cells if cell.cell_type == "code"]
    assert len(files) == 2 and cells and not [cell for cell in cells if "PWNED" in json.dumps(cell.outputs)]


class Live(HTMLParser):
    """What a browser would run in a page: scripts' text and every attribute's value."""

    def __init__(self) -> None:
        super().__init__()
        self.code: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        self.code += [value or "" for _, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.code.append(data)


def live_code(page: str) -> str:
    parser = Live()
    parser.feed(page)
    return "\n".join(parser.code)


@pytest.mark.parametrize("student", ["honest", "attacker"])
def test_the_feedback_pages_carry_no_live_script_and_both_keep_full_marks(feedback, student):
    pages = sorted((feedback / "feedback" / student / ASSIGNMENT).glob("*.html"))
    assert len(pages) == 2
    for page in pages:
        html = page.read_text()
        assert "PWNED" not in live_code(html), page.name
        assert "passed" in html and "Hint:" not in html  # full marks: every check passed
    if student == "attacker":  # what the student wrote is still there, as text
        assert "notes &lt;script&gt;window.PWNED = 1&lt;/script&gt;" in pages[0].read_text()
