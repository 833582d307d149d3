"""The nbgrader course, with real nbgrader: built from the single source, released without
solutions or hidden tests, autograded with the same points as the kit's own grader, fed
back with the hint, and read back from the sqlite gradebook with nbgrader's API."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.grade import grade
from grader.lessons.autograd import API, FUNCTIONS
from grader.lessons.autograd.checks import collect
from grader.report import function_points
from tests.conftest import ROOT, fill_notebooks, write_submission
from tests.test_mistakes import MISTAKES

pytestmark = [pytest.mark.nbgrader, pytest.mark.sandbox]
nbgrader_api = pytest.importorskip("nbgrader.api", reason="nbgrader is not installed (pip install -e '.[nbgrader]')")
ASSIGNMENT = "autograd"
STUDENTS = {
    "reference": {},
    **{name.replace(" ", "-").replace("'", ""): MISTAKES[name][0] for name in (
        "chain_rule_grads copies the tutorial's printout", "mse_loss sums instead of averaging",
        "sgd_step rebinds p", "zero_grads does nothing", "train records the loss after the update",
        "plot_fit draws one panel",
    )},
}


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_LANG": "en", "GRADER_SEED": "0"}


def nbgrader(course: Path, *arguments: str) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-m", "nbgrader", *arguments], cwd=course, env=environment(),
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Built, released, filled in by each student, autograded and fed back: once."""
    course = tmp_path_factory.mktemp("course")
    subprocess.run([sys.executable, "-m", "grader", "nbgrader", "build", str(course)], cwd=ROOT, env=environment(),
                   check=True, capture_output=True)
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    for student, bodies in STUDENTS.items():
        fill_notebooks(course / "release" / ASSIGNMENT, course / "submitted" / student / ASSIGNMENT, bodies)
    nbgrader(course, "autograde", ASSIGNMENT, "--create")
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


def code_cells(notebook: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]


def test_the_source_notebooks_carry_lesson_given_code_solutions_and_tests(course):
    notebook = nbformat.read(course / "source" / ASSIGNMENT / "autograd_basics.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "13" in markdown and "10" in markdown and "第一部分" in markdown  # the erratum, in both languages
    points = sum(c.metadata["nbgrader"].get("points", 0) for c in notebook.cells)
    assert points == sum(c.points for c in collect(hidden=True) if c.function in API["autograd_basics"])
    sources = code_cells(course / "source" / ASSIGNMENT / "autograd_basics.ipynb")
    assert any("### BEGIN HIDDEN TESTS" in source for source in sources)


def test_the_release_has_no_solution_code_and_no_hidden_tests(course):
    solutions = "\n".join((ROOT / "solutions" / f"{m}.py").read_text() for m in API)
    regions = re.findall(r"### BEGIN SOLUTION\n(.*?)\s*### END SOLUTION", solutions, re.S)
    secret_lines = {line.strip() for region in regions for line in region.splitlines() if line.strip()}
    hidden_claims = {c.claim for c in collect(hidden=True) if c.hidden}
    for module in API:
        cells = code_cells(course / "release" / ASSIGNMENT / f"{module}.ipynb")
        released = "\n".join(cells)
        assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released
        assert not any(claim in released for claim in hidden_claims)
        code_lines = {line.strip() for cell in cells for line in cell.splitlines()}
        assert not (code_lines & secret_lines), code_lines & secret_lines
        assert released.count("raise NotImplementedError()") == len(API[module])


def test_autograde_gives_the_same_points_per_function_as_the_kit(course, tmp_path, sandbox):
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, bodies in STUDENTS.items():
            folder = write_submission(tmp_path / student, bodies)
            kit = function_points(grade(folder, hidden=True, seed=0, sandbox=sandbox))
            cells = {}
            for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks:
                for cell in notebook.grades:
                    function = cell.name.removeprefix("test-").rsplit("-", 1)[0]
                    cells[function] = cells.get(function, 0) + cell.score
            assert cells == {f: kit[f][0] for f in FUNCTIONS}, student
    assert kit["plot_fit"][0] < kit["plot_fit"][1]  # the last student did lose points


def test_the_plot_cell_ran_headless_without_font_warnings(course):
    notebook = nbformat.read(course / "autograded" / "reference" / ASSIGNMENT / "linear_regression.ipynb", as_version=4)
    (plot,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "demo-plot"]
    kinds = {output.output_type for output in plot.outputs}
    assert "error" not in kinds and "execute_result" in kinds
    assert not any(output.get("name") == "stderr" for output in plot.outputs)  # no "Glyph missing" warnings
    assert "image/png" in next(o for o in plot.outputs if o.output_type == "execute_result").data


def test_the_reference_gets_full_marks_in_the_gradebook(course):
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "reference")
        assert submission.score == submission.max_score == sum(c.points for c in collect(hidden=True))


def test_the_feedback_shows_the_hint(course):
    page = course / "feedback" / "sgd_step-rebinds-p" / ASSIGNMENT / "linear_regression.html"
    html = page.read_text()
    assert "Hint:" in html and "in place" in html


def manual_grade_flags(course: Path) -> dict[tuple[str, str, str], bool]:
    """needs_manual_grade of every grade in the gradebook, by student, notebook and cell."""
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {(student, notebook.name, grade.name): grade.needs_manual_grade for student in STUDENTS
                for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks for grade in notebook.grades}


HANDED_IN = "2026-12-01 09:30:00.000000 UTC"  # as nbgrader's collect writes timestamp.txt


def test_batch_writes_its_scores_into_the_gradebook_as_nbgraders_autograde_does(course, tmp_path):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import parse_utc

    copy = shutil.copytree(course, tmp_path / "course", ignore=shutil.ignore_patterns("autograded", "feedback"))
    autograded_flags = manual_grade_flags(copy)
    with nbgrader_api.Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            gradebook.remove_submission(ASSIGNMENT, student)
            (copy / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(HANDED_IN)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "batch", str(copy), "--out", str(out), "--seed", "0",
               "--nbgrader-course", str(copy), "--lang", "en"]
    run = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr + run.stdout  # SQLAlchemy's, nbformat's: not the instructor's to act on
    with nbgrader_api.Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            results = json.loads((out / student / "results.json").read_text())
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.score == pytest.approx(results["score"])
            assert submission.timestamp == parse_utc(HANDED_IN)  # late penalties and export need it
    assert manual_grade_flags(copy) == autograded_flags and not any(autograded_flags.values())
    api = NbGraderAPI(CourseDirectory(root=str(copy)))
    assert api.get_autograded_students(ASSIGNMENT) == set(STUDENTS)  # formgrader: autograded, not "needs autograding"
    nbgrader(copy, "export")
    with (copy / "grades.csv").open() as handle:
        assert {row["timestamp"] for row in csv.DictReader(handle)} == {str(parse_utc(HANDED_IN))}
    nbgrader(copy, "generate_feedback", ASSIGNMENT)  # from the notebooks batch wrote in autograded/
    page = (copy / "feedback" / "sgd_step-rebinds-p" / ASSIGNMENT / "linear_regression.html").read_text()
    assert "in place" in page and "passed" in page


def test_the_course_config_holds_no_absolute_path(course):
    config = (course / "nbgrader_config.py").read_text()
    assert str(course) not in config and str(course.resolve()) not in config


def test_batch_refuses_a_course_without_the_assignment_before_grading(course, tmp_path):
    command = [sys.executable, "-m", "grader", "batch", str(course), "--out", str(tmp_path / "out"),
               "--nbgrader-course", str(course), "--nbgrader-assignment", "other", "--lang", "en"]
    run = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=600)
    assert run.returncode == 2 and "has no assignment other" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_the_student_zip_holds_no_solutions_and_runs_the_public_checks(tmp_path):
    archive = tmp_path / "student.zip"
    subprocess.run([sys.executable, "-m", "grader", "dist", "student", str(archive)], cwd=ROOT, check=True,
                   env=environment(), capture_output=True)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        text = "\n".join(opened.read(name).decode() for name in names)
        opened.extractall(tmp_path / "kit")
    assert not any(name.startswith("solutions/") for name in names)
    assert "grader/checks/hidden.py" not in names and "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    kit = tmp_path / "kit"

    def check(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "grader", "check", *arguments, "--lang", "en"], cwd=kit,
                              env={**environment(), "PYTHONPATH": str(kit)}, capture_output=True, text=True)

    stubs = check()
    assert stubs.returncode == 1 and "not implemented yet" in stubs.stdout
    for module in API:
        shutil.copy(ROOT / "solutions" / f"{module}.py", kit / "exercises" / f"{module}.py")
    assert check().returncode == 0
    hidden = check("--hidden")
    assert hidden.returncode == 2 and "no hidden checks" in hidden.stderr and "Traceback" not in hidden.stderr
