"""The lesson itself: the reference gives the tutorial's (corrected) numbers, the stubs are
generated from it, and the grader's facts agree with it."""

import ast
import re

import pytest
import torch

from grader.instructor.stubs import make_stub
from grader.lessons.autograd import API
from grader.lessons.autograd.checks import lesson_data
from solutions import autograd_basics, linear_regression
from tests.conftest import ROOT


def test_autograd_gives_the_tutorials_derivatives():
    assert autograd_basics.quadratic_grad(2.0).item() == 7.0
    dz_dx, dz_dy = autograd_basics.chain_rule_grads(2.0, 3.0)
    assert (dz_dx.item(), dz_dy.item()) == (12.0, 10.0)  # not the tutorial's 13


def test_training_on_the_lesson_data_gives_the_verified_figures():
    w, b, losses = linear_regression.train(*linear_regression.make_data())
    assert w.item() == pytest.approx(2.0668, abs=1e-4)
    assert b.item() == pytest.approx(0.6556, abs=1e-4)
    assert losses[0] == pytest.approx(161.10, abs=0.01) and losses[-1] == pytest.approx(3.92, abs=0.01)


def test_least_squares_optimum_is_what_the_lesson_says():
    x, y = linear_regression.make_data()
    design = torch.cat([x, torch.ones_like(x)], dim=1).double()
    w, b = torch.linalg.lstsq(design, y.double()).solution.flatten().tolist()
    assert (w, b) == (pytest.approx(1.9882, abs=1e-4), pytest.approx(1.1785, abs=1e-4))


@pytest.mark.parametrize(("n", "noise", "seed"), [(100, 2.0, 42), (7, 0.5, 1), (300, 3.0, 12345)])
def test_the_graders_lesson_data_is_make_data(n, noise, seed):
    torch.manual_seed(seed)  # make_data must not depend on the global generator
    for mine, given in zip(lesson_data(n, noise, seed), linear_regression.make_data(n, noise, seed)):
        assert torch.equal(mine, given)


def test_make_data_draws_what_torch_manual_seed_draws():
    torch.manual_seed(42)
    x = torch.linspace(0, 10, 100).reshape(-1, 1)
    assert torch.equal(2 * x + 1 + torch.randn(x.shape) * 2, linear_regression.make_data()[1])


@pytest.mark.parametrize("module", API)
def test_the_committed_stubs_are_generated_from_the_solutions(module):
    solution = (ROOT / "solutions" / f"{module}.py").read_text("utf-8")
    stub = (ROOT / "exercises" / f"{module}.py").read_text("utf-8")
    assert stub == make_stub(solution), "run `python -m grader stubs` after changing solutions/"


@pytest.mark.parametrize("module", API)
def test_the_api_is_the_functions_with_solution_regions(module):
    source = (ROOT / "solutions" / f"{module}.py").read_text("utf-8")
    marked = [name for name in re.findall(r"^def (\w+)\(", source, re.M) if has_region(source, name)]
    assert tuple(marked) == API[module]


def has_region(source: str, function: str) -> bool:
    body = source[source.index(f"def {function}(") :]
    next_def = body.find("\ndef ", 1)
    return "### BEGIN SOLUTION" in (body if next_def < 0 else body[:next_def])


@pytest.mark.parametrize("module", API)
def test_stubs_keep_no_solution_code_and_parse(module):
    stub = (ROOT / "exercises" / f"{module}.py").read_text("utf-8")
    ast.parse(stub)
    assert "BEGIN SOLUTION" not in stub
    assert stub.count("raise NotImplementedError") == len(API[module])


def test_every_docstring_speaks_english_and_chinese():
    for module in (autograd_basics, linear_regression):
        for name in API[module.__name__.split(".")[-1]]:
            doc = getattr(module, name).__doc__
            assert re.search(r"[a-z]{4}", doc) and re.search(r"[\u4e00-\u9fff]", doc), name


def test_the_stored_reference_run_is_what_the_solutions_give():
    from grader.lessons.autograd import reference_run
    from grader.lessons.autograd.page import reference_training

    assert reference_training() == reference_run(), "run `python -m grader stubs` after changing solutions/"
