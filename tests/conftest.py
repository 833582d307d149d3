"""Fixtures shared by the grader's tests: one warm sandbox, and submissions made from the
reference solutions with chosen functions rewritten."""

import ast
import re
import shutil
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import nbformat
import pytest

from grader.grade import grade
from grader.lessons import Lesson, given
from grader.lessons.autograd import API
from grader.results import Grade
from grader.sandbox.host import Limits, Sandbox

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261127
NONE: Mapping[str, str] = MappingProxyType({})
TEST_LIMITS = Limits(call_seconds=2.0, job_seconds=60.0)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(limits=TEST_LIMITS) as warm:
        yield warm


# A memory scan takes seconds on a loaded machine: these limits are not under test in the red team's tests.
PATIENT = Limits(call_seconds=60.0, job_seconds=240.0)


@pytest.fixture(params=["bwrap", "process"])
def isolated(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox at each isolation level on Linux: with bubblewrap, and without it."""
    if request.param == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    monkeypatch.setenv("GRADER_ISOLATION", request.param)
    with Sandbox(limits=PATIENT) as started:
        yield started


def replace_body(source: str, function: str, body: str) -> str:
    """The solution with `function`'s marked region replaced by `body` ("Class.method" for a
    method's), indented as the region is."""
    owner, _, name = function.rpartition(".")
    start = source.index(f"def {name}(", source.index(f"class {owner}") if owner else 0)
    marker = source.index("### BEGIN SOLUTION\n", start)
    indent = source[source.rindex("\n", 0, marker) + 1 : marker]
    begin = marker + len("### BEGIN SOLUTION\n")
    end = source.rindex("\n", 0, source.index("### END SOLUTION", begin)) + 1
    return source[:begin] + textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", indent) + source[end:]


def write_submission(folder: Path, bodies: Mapping[str, str] = NONE, preambles: Mapping[str, str] = NONE,
                     lesson: Lesson | None = None) -> Path:
    """A submission: the lesson's solutions (the first lesson's by default), with `bodies`
    replacing functions' code and `preambles` put at the top of modules."""
    folder.mkdir(parents=True, exist_ok=True)
    lesson = given(lesson)
    for module in lesson.api:
        source = (lesson.solutions / f"{module}.py").read_text("utf-8")
        for function, body in bodies.items():
            if lesson.module_of[function.split(".")[0]] == module:
                source = replace_body(source, function, body)
        source = textwrap.dedent(preambles.get(module, "")) + source
        (folder / f"{module}.py").write_text(source, "utf-8")
    return folder


@pytest.fixture
def graded(tmp_path: Path, sandbox: Sandbox) -> Callable[..., Grade]:
    """Grade a submission made by write_submission, hidden checks included."""

    def run(bodies: Mapping[str, str] = NONE, preambles: Mapping[str, str] = NONE, lesson: Lesson | None = None,
            ) -> Grade:
        folder = write_submission(tmp_path / "submission", bodies, preambles, lesson)
        result = grade(folder, hidden=True, seed=SEED, sandbox=sandbox, lesson=lesson)
        errors = [r.feedback.debug for r in result.results if r.feedback and r.feedback.message == "grader_error"]
        assert not errors, f"the grader itself failed:\n{errors[0]}"  # a bug of ours, never the student's
        return result

    return run


def points_lost(result: Grade) -> set[str]:
    return {r.function for r in result.results if r.score < r.max_score}


def misconceptions(result: Grade, function: str) -> set[str]:
    return {r.feedback.misconception for r in result.results if r.function == function and r.feedback}


def module_source(module: str, bodies: dict[str, str]) -> str:
    source = (ROOT / "solutions" / f"{module}.py").read_text()
    for function, body in bodies.items():
        if function in API[module]:
            source = replace_body(source, function, body)
    return re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", source)


def fill_notebooks(release: Path, target: Path, bodies: dict[str, str]) -> None:
    """A student's submission: the release notebooks with each solution cell written."""
    target.mkdir(parents=True, exist_ok=True)
    for module in API:
        notebook = nbformat.read(release / f"{module}.ipynb", as_version=4)
        source = module_source(module, bodies)
        functions = [f for f in ast.parse(source).body if isinstance(f, ast.FunctionDef)]
        code = {f.name: ast.get_source_segment(source, f) for f in functions}
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if grade_id.startswith("solution-"):
                cell.source = code[grade_id.removeprefix("solution-")]
        nbformat.write(notebook, target / f"{module}.ipynb")
