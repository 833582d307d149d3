"""The second lesson, a neural network for handwritten digits, graded as the first is: the
reference gets full marks, its stubs none; each mistake of its corpus (tests/corpus_digits.py)
costs the functions it breaks, is named, and a function broken by a helper is blamed on it;
correct variants keep full marks."""

import pytest

from grader.grade import grade
from grader.lessons import find
from grader.messages import LANGUAGES
from grader.report import function_feedback
from grader.results import Status
from tests.conftest import SEED, misconceptions, points_lost
from tests.corpus_digits import CORRECT_VARIANTS, MISTAKES

pytestmark = pytest.mark.sandbox
DIGITS = find("digits")


def test_the_reference_gets_full_marks_and_the_stubs_none(sandbox):
    right = grade(DIGITS.solutions, hidden=True, seed=SEED, sandbox=sandbox, lesson=DIGITS)
    assert right.score == right.max_score > 0
    stubs = grade(DIGITS.exercises, hidden=False, seed=SEED, sandbox=sandbox, lesson=DIGITS)
    assert stubs.score == 0 and {r.status for r in stubs.results} == {Status.NOT_ATTEMPTED}


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_costs_the_functions_it_breaks_and_is_named(graded, mistake):
    result = graded(mistake.bodies, mistake.preambles, DIGITS)
    assert points_lost(result) == mistake.loses
    broken = next(iter(mistake.bodies)).split(".")[0]
    assert mistake.misconception in misconceptions(result, broken)
    for function in mistake.loses - {broken}:  # broken only through the helper: blamed on it
        blamed = {r.feedback.blamed_on for r in result.results if r.function == function and r.feedback}
        assert blamed == {(broken,)}, function
    for lang in LANGUAGES:
        assert "{" not in function_feedback(result, broken, lang)


@pytest.mark.parametrize("bodies", CORRECT_VARIANTS.values(), ids=CORRECT_VARIANTS.keys())
def test_a_correct_variant_keeps_full_marks(graded, bodies):
    result = graded(bodies, lesson=DIGITS)
    assert points_lost(result) == set()


def test_its_stubs_are_generated_from_its_solutions():
    from grader.instructor.stubs import make_stub

    for module in DIGITS.api:
        solution = (DIGITS.solutions / f"{module}.py").read_text("utf-8")
        stub = (DIGITS.exercises / f"{module}.py").read_text("utf-8")
        assert stub == make_stub(solution, DIGITS), "run `python -m grader stubs --lesson digits`"


def test_its_nbgrader_course_has_a_cell_per_check_that_names_the_lesson(tmp_path):
    import nbformat

    from grader.instructor.course import build_course

    build_course(tmp_path, "digits", DIGITS)
    notebook = nbformat.read(tmp_path / "source" / "digits" / "digit_classifier.ipynb", as_version=4)
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells]
    assert "solution-DigitNet" in ids and "demo-plot" in ids
    tests = [cell.source for cell in notebook.cells if cell.metadata["nbgrader"]["grade"]]
    assert len(tests) == len(DIGITS.checks(hidden=True)) and all("lesson='digits'" in t for t in tests)
