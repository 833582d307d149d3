"""Realistic student mistakes: each loses points on the function it breaks (and on train,
which calls the helpers), keeps them everywhere else, and is told the likely misconception.
Correct variants keep full marks."""

import io

import pytest
from rich.console import Console

from grader.judge.errors import error_feedback
from grader.judge.slips import explain, full_width
from grader.messages import LANGUAGES
from grader.report.gradescope import gradescope_results
from grader.report.table import print_table
from grader.results import Feedback, Status
from tests.conftest import misconceptions, points_lost
from tests.corpus import CORRECT_VARIANTS, MISTAKES


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_costs_only_the_functions_it_breaks(graded, mistake):
    result = graded(mistake.bodies, mistake.preambles)
    assert points_lost(result) == mistake.loses
    broken = next(iter(mistake.bodies))
    assert result.score < result.max_score
    if mistake.misconception is not None:
        assert mistake.misconception in misconceptions(result, broken)
    for lang in LANGUAGES:
        assert_reports_render(result, lang, broken)


def assert_reports_render(result, lang, broken):
    """Every report of a graded mistake renders, names the broken function, and has no placeholders."""
    console = Console(file=io.StringIO(), width=200)
    print_table(result, lang, console)
    table = console.file.getvalue()
    assert broken in table and "{" not in table
    tests = gradescope_results(result, lang)["tests"]
    assert all(t["output"] for t in tests if t["score"] < t["max_score"])


@pytest.mark.parametrize("bodies", CORRECT_VARIANTS.values(), ids=CORRECT_VARIANTS.keys())
def test_a_correct_variant_keeps_full_marks(graded, bodies):
    result = graded(bodies)
    assert points_lost(result) == set()
    assert result.score == result.max_score


@pytest.mark.parametrize("mistake", [m for m in MISTAKES.values() if "train" in m.loses and "train" not in m.bodies],
                         ids=[n for n, m in MISTAKES.items() if "train" in m.loses and "train" not in m.bodies])
def test_train_broken_by_a_helper_is_blamed_on_that_helper_everywhere(graded, mistake):
    result = graded(mistake.bodies, mistake.preambles)
    (helper,) = mistake.bodies
    train = [r for r in result.results if r.function == "train" and r.score < r.max_score]
    assert train and all(r.feedback.blamed_on == (helper,) for r in train)
    for lang in LANGUAGES:
        outputs = failed_train_outputs(result, lang)
        assert all(helper in output for output in outputs)
    assert all(f"fix {helper} first" in output for output in failed_train_outputs(result, "en"))


def failed_train_outputs(result, lang):
    tests = gradescope_results(result, lang)["tests"]
    return [t["output"] for t in tests if t["name"].startswith("train") and t["score"] < t["max_score"]]


def test_a_helper_that_passes_its_own_checks_is_still_found_to_break_train(graded):
    """zero_grads as the tutorial writes it (p.grad.zero_()) passes its checks, but a train
    that clears the gradients before the first backward finds them None."""
    result = graded({
        "zero_grads": """
            for p in params:
                p.grad.zero_()
        """,
        "train": CORRECT_VARIANTS["train zeroes the gradients before backward"]["train"],
    })
    assert points_lost(result) == {"train"}
    train = next(r for r in result.results if r.function == "train")
    assert train.feedback.blamed_on == ("zero_grads",)
    assert train.feedback.cause.message == "fixed_by_reference"


def test_train_own_mistake_blames_no_helper(graded):
    result = graded(MISTAKES["train never zeroes the gradients"].bodies)
    train = [r for r in result.results if r.function == "train" and r.score < r.max_score]
    assert train and all(r.feedback.blamed_on == () for r in train)


@pytest.mark.parametrize("character", list("：，（）。；“”\u3000"))
def test_full_width_punctuation_is_named_from_the_syntax_error(character):
    message = f"invalid character '{character}' (U+{ord(character):04X})"
    assert full_width(message) == "full_width_punctuation"


@pytest.mark.parametrize("message", ["invalid character '€' (U+20AC)", "expected ':'", "invalid syntax"])
def test_other_syntax_errors_are_not_full_width(message):
    assert full_width(message) is None


@pytest.mark.parametrize(("error", "message", "mistake"), [
    ("NameError", "name 'w' is not defined", "tutorial_names"),
    ("NameError", "name 'learning_rate' is not defined", "tutorial_names"),
    ("NameError", "name 'parms' is not defined", "undefined_name"),
    ("UnboundLocalError", "cannot access local variable 'w' where it is not associated with a value",
     "tutorial_names_unbound"),
    ("UnboundLocalError", "local variable 'total' referenced before assignment", "unbound_local"),  # Python 3.10
    ("RuntimeError", "both arguments to matmul need to be at least 1D, but they are 2D and 0D", "matmul_with_scalar"),
])
def test_an_exception_is_read_with_the_names_in_it(error, message, mistake):
    assert error_feedback(error, message, "").misconception == mistake


@pytest.mark.parametrize(("message", "closest"), [
    ("'Tensor' object has no attribute 'zero'", ".zero_"),
    ("'Tensor' object has no attribute 'backwards'", ".backward"),
    ("module 'torch' has no attribute 'no_grads'", "torch.no_grad"),
])
def test_a_misspelled_name_is_shown_with_the_closest_one(message, closest):
    feedback = error_feedback("AttributeError", message, "")
    assert (feedback.misconception, feedback.params["suggestion"]) == ("misspelled_method", closest)


def test_an_exception_these_rules_do_not_read_is_left_as_python_says_it():
    assert error_feedback("AttributeError", "'NoneType' object has no attribute 'zero_'", "") is None
    assert error_feedback("AttributeError", "'Tensor' object has no attribute 'qwertyuiop'", "") is None
    assert error_feedback("ValueError", "name 'w' is not defined", "") is None


def test_a_slip_explains_a_wrong_answer_or_an_exception_and_nothing_else():
    slip = {"name": "p.grad.zero_", "line": 3}
    wrong = (Status.FAIL, Feedback("grad_not_cleared", {"got": None}, "grad_accumulates"))
    status, said = explain(wrong, slip)
    assert (status, said.misconception, said.cause.misconception) == (Status.FAIL, "method_not_called", None)
    raised = (Status.ERROR, Feedback("raised", {"type": "TypeError", "message": "..."}))
    assert explain(raised, slip)[1].message == "method_not_called"
    others = [(Status.PASS, None), (Status.ERROR, Feedback("grader_error", debug="a bug of ours")),
              (Status.ERROR, Feedback("missing_function", {"module": "m", "function": "f"})),
              (Status.NOT_ATTEMPTED, Feedback("not_implemented")), (Status.ERROR, Feedback("timeout", crash=True))]
    assert [explain(other, slip) for other in others] == others
