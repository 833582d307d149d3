"""A syntax error costs only the function that holds it (and train, which calls it): the
rest of the module is graded, and the error is reported there with its line and a caret."""

from grader.lessons.autograd import API
from grader.report import function_feedback
from grader.results import Status
from tests.conftest import ROOT, points_lost

MISSING_COLON = """
    with torch.no_grad()
        for p in params:
            p -= lr * p.grad
"""


def line_of(folder, module, text):
    lines = (folder / f"{module}.py").read_text("utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.strip() == text)


def test_a_missing_colon_costs_only_its_function_and_train(graded, tmp_path):
    result = graded({"sgd_step": MISSING_COLON})
    assert points_lost(result) == {"sgd_step", "train"}
    sgd_step = [r for r in result.results if r.function == "sgd_step"]
    assert {r.status for r in sgd_step} == {Status.ERROR}
    feedback = sgd_step[0].feedback
    line = line_of(tmp_path / "submission", "linear_regression", "with torch.no_grad()")
    assert feedback.message == "syntax_error" and feedback.params["line"] == line
    assert feedback.detail == "    with torch.no_grad()\n                        ^"
    assert all(r.feedback.blamed_on == ("sgd_step",) for r in result.results if r.function == "train" and r.feedback)
    for lang, words in (("en", f"line {line} of linear_regression.py"), ("zh", f"linear_regression.py 第 {line} 行")):
        text = function_feedback(result, "sgd_step", lang)
        assert words in text and "with torch.no_grad()\n" in text and "raise SyntaxError" not in text
        assert "raise SyntaxError" not in function_feedback(result, "train", lang)  # the stub stays out of sight


def test_two_broken_functions_are_each_reported_and_the_rest_graded(graded):
    result = graded({"predict": "return w * x +", "zero_grads": "for p in params\n    p.grad = None"})
    assert points_lost(result) == {"predict", "zero_grads", "train"}
    for function in ("predict", "zero_grads"):
        assert {r.feedback.message for r in result.results if r.function == function} == {"syntax_error"}


def test_an_error_outside_every_function_is_reported_at_each_of_the_module(graded):
    result = graded(preambles={"autograd_basics": "import torch\nprint('unclosed'\n\n"})
    assert points_lost(result) == set(API["autograd_basics"])
    messages = {r.feedback.params["line"] for r in result.results if r.function in API["autograd_basics"]}
    assert messages == {2}


def test_the_solutions_are_left_as_they_are():
    from grader.load import load_submission
    from grader.syntax import confine_syntax_errors

    sources = load_submission(ROOT / "solutions").sources
    confined = confine_syntax_errors(sources)
    assert confined.sources == sources and confined.broken == {}


def test_the_watcher_puts_the_syntax_error_first(graded):
    from grader.report.student import first_unfinished

    result = graded({"predict": "raise NotImplementedError", "sgd_step": MISSING_COLON})
    assert first_unfinished(result) == "sgd_step"  # though predict comes first in the lesson


DEEP = "x = a" + ".b" * 100_000 + "\n"  # compile() raises RecursionError on it


def test_an_expression_too_deep_to_compile_is_a_sentence_and_the_rest_is_graded(graded):
    result = graded(preambles={"autograd_basics": DEEP})
    assert points_lost(result) == set(API["autograd_basics"])
    assert {r.feedback.message for r in result.results if r.function in API["autograd_basics"]} == {"source_too_deep"}
    for lang, words in (("en", "autograd_basics.py nests an expression too deeply"),
                        ("zh", "autograd_basics.py 中的表达式")):
        assert words in function_feedback(result, "quadratic_grad", lang)


def test_an_expression_too_deep_to_compile_does_not_crash_the_command_line(tmp_path):
    from tests.conftest import write_submission
    from tests.test_cli import grader

    folder = write_submission(tmp_path / "s", preambles={"linear_regression": DEEP})
    run = grader("check", str(folder))
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "linear_regression.py nests an expression too deeply" in " ".join(run.stdout.split())
