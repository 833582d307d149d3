"""The README's JupyterHub recipe, as a hub runs it: the instructor builds the course and
releases it through nbgrader's exchange; a student fetches it, fills it in and runs its
checks in a kernel whose environment has the student package only (no reference solutions,
no hidden checks), then submits; the instructor collects and grades with the kit."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from grader.lessons.autograd import API
from tests.conftest import ROOT, fill_notebooks
from tests.corpus import MISTAKES
from tests.test_readme import blocks_tested_by

pytestmark = [pytest.mark.nbgrader, pytest.mark.sandbox]
nbgrader_api = pytest.importorskip("nbgrader.api", reason="nbgrader is not installed (pip install -e '.[nbgrader]')")
ASSIGNMENT = "autograd"
COURSE = "autograd-kit"
# what the kit installs besides its dependencies: left out of the student's environment
KIT_FILES = ("grader", "solutions", "exercises", "autograd_kit", "__editable__")


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


def student_environment(folder: Path, instructor: dict[str, str]) -> Path:
    """A virtual environment with this one's packages but not the kit, then the student wheel
    installed into it; its python."""
    run([sys.executable, "-m", "grader", "dist", "student-wheel", str(folder / "wheels")], ROOT, instructor)
    (wheel,) = (folder / "wheels").glob("*.whl")
    run([sys.executable, "-m", "venv", "--without-pip", str(folder / "env")], folder, instructor)
    python = folder / "env" / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(KIT_FILES):
            (site / entry.name).symlink_to(entry)
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site),
         str(wheel)], folder, instructor)
    return python


def kernel_for(python: Path, jupyter: Path) -> None:
    """A kernelspec "student" that runs that python."""
    spec = jupyter / "kernels" / "student"
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "student", "language": "python"}))


def execute(notebook: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    """Run every cell in the student kernel, errors kept in the outputs."""
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
               "--ExecutePreprocessor.kernel_name=student", "--ExecutePreprocessor.timeout=300", "--output",
               f"{notebook.stem}.run", str(notebook)]
    run(command, notebook.parent, env)
    return nbformat.read(notebook.with_name(f"{notebook.stem}.run.ipynb"), as_version=4)


def check_errors(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Each check cell that failed: its grade id and the error's message."""
    return {cell.metadata.get("nbgrader", {}).get("grade_id", "?"): f"{output.ename}: {output.evalue}"
            for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.output_type == "error"}


def test_the_hub_recipe_releases_the_course_and_the_checks_run_with_the_student_package_only(tmp_path):
    instructor_block, collect_block = blocks_tested_by("tests/test_jupyterhub.py")
    (tmp_path / "config").mkdir()  # the hub's /etc/jupyter/nbgrader_config.py, shared by everyone's servers
    (tmp_path / "config" / "nbgrader_config.py").write_text(f"c.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    (tmp_path / "exchange").mkdir()
    hub = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_PATH": str(tmp_path / "jupyter"),
           "GRADER_LANG": "en", "GRADER_SEED": "0"}
    hub.pop("PYTHONPATH", None)
    # the instructor's server: the kit from its checkout, this environment's python and nbgrader on PATH
    instructor = {**hub, "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{hub['PATH']}"}
    python = student_environment(tmp_path, instructor)
    kernel_for(python, tmp_path / "jupyter")
    for module in ("solutions", "grader.lessons.autograd.checks.hidden", "grader.instructor"):
        imported = subprocess.run([python, "-c", f"import {module}"], cwd=tmp_path, env=hub, capture_output=True,
                                  text=True)
        assert f"No module named '{module}'" in imported.stderr, f"the student's environment has {module}"

    (tmp_path / "instructor").mkdir()
    run(["bash", "-c", instructor_block], tmp_path / "instructor", instructor)
    student = tmp_path / "student"
    student.mkdir()
    run([sys.executable, "-m", "nbgrader", "fetch_assignment", ASSIGNMENT, "--course", COURSE], student, hub)
    fetched = student / ASSIGNMENT
    wrong = MISTAKES["sgd_step rebinds p"].bodies
    fill_notebooks(fetched, fetched, wrong)
    errors = {module: check_errors(execute(fetched / f"{module}.ipynb", hub)) for module in API}
    assert errors["autograd_basics"] == {}, errors["autograd_basics"]
    failed = {grade_id.removeprefix("test-").rsplit("-", 1)[0] for grade_id in errors["linear_regression"]}
    assert failed == {"sgd_step", "train"}, errors  # train calls sgd_step
    assert "update in place" in errors["linear_regression"]["test-sgd_step-1"]

    for run_copy in fetched.glob("*.run.ipynb"):
        run_copy.unlink()
    run([sys.executable, "-m", "nbgrader", "submit", ASSIGNMENT, "--course", COURSE], student, hub)
    course = tmp_path / "instructor" / "course"
    run(["bash", "-c", collect_block], course, instructor)
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        (submission,) = gradebook.assignment_submissions(ASSIGNMENT)
        assert 0 < submission.score < submission.max_score
    results = json.loads(next((course.parent / "results").glob("*/results.json")).read_text())
    assert results["score"] == pytest.approx(submission.score)
