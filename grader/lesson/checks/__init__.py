"""Checks: each a claim about one student function, worth some points.

A check makes inputs (on the CPU, from a seeded generator), names the probe the worker
runs on them, computes what it expects in the grader's own process, and judges the
observation. Public checks expect the tutorial's own numbers; hidden checks draw fresh
random inputs and expect what the reference solutions and autograd compute.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from grader import ROOT
from grader.judge.compare import ATOL, RTOL, first_misconception, problem
from grader.lesson import MODULE_OF
from grader.results import Feedback

Inputs = dict[str, Any]
Judge = Callable[["Check", Any, Any, Inputs], Feedback | None]

# The PyTorch errors a learner meets in this lesson, by a piece of their message, and the
# mistake each points to; a check's own `errors` come first.
COMMON_ERRORS: tuple[tuple[str, str], ...] = (
    ("a leaf Variable that requires grad is being used in an in-place operation", "update_outside_no_grad"),
    ("backward through the graph a second time", "backward_twice"),
    ("Can't call numpy() on Tensor that requires grad", "numpy_needs_detach"),
    ("does not require grad and does not have a grad_fn", "cut_from_graph"),
    ("has no attribute 'zero_'", "none_value"),
    ("'NoneType' and", "none_value"),
    ("and 'NoneType'", "none_value"),
    ("does not support the context manager protocol", "no_grad_not_called"),
    ("__enter__", "no_grad_not_called"),  # the same mistake, as Python 3.10 says it
    ("must match the size of tensor", "shape_mismatch"),
    ("Expected all tensors to be on the same device", "device_mismatch"),
    ("can't convert cuda", "numpy_on_cuda"),
    ("grad can be implicitly created only for scalar outputs", "loss_not_scalar"),
    ("Only Tensors of floating point and complex dtype can require gradients", "integer_leaf"),
)


def judge_returns(check: "Check", got: Any, expected: Any, inputs: Inputs) -> Feedback | None:
    """The returned value against the expected one; a wrong one is matched to a mistake."""
    found = problem(got, expected, *check.tolerance)
    return found and check.misconception_in(found, got, inputs)


@dataclass(frozen=True)
class Check:
    function: str
    claim: str
    points: int
    inputs: Callable[[torch.Generator], Inputs]
    expect: Callable[[Inputs, str], Any]
    judge: Judge = judge_returns
    probe: str = "call"
    hidden: bool = False
    wrong_answers: Callable[[Inputs], dict[str, Any]] = field(default=lambda inputs: {})
    errors: tuple[tuple[str, str], ...] = ()
    tolerance: tuple[float, float] = (ATOL, RTOL)

    @property
    def module(self) -> str:
        return MODULE_OF[self.function]

    def misconception_in(self, found: Feedback, got: Any, inputs: Inputs) -> Feedback:
        """Attach the first known wrong answer that `got` matches."""
        mistake = first_misconception(got, self.wrong_answers(inputs), *self.tolerance)
        return replace(found, misconception=mistake) if mistake else found

    def misconception_of_error(self, message: str) -> str | None:
        return next((m for text, m in self.errors + COMMON_ERRORS if text in message), None)


def collect(hidden: bool) -> list[Check]:
    """The public checks, and the hidden ones if asked (ModuleNotFoundError in a student's
    copy, which leaves them out)."""
    from grader.lesson.checks.public import PUBLIC

    if not hidden:
        return PUBLIC
    from grader.lesson.checks.hidden import HIDDEN

    return PUBLIC + HIDDEN


def reference(function: str) -> Callable:
    """The reference solution of `function`, loaded only in the grader's process."""
    return getattr(reference_module(MODULE_OF[function]), function)


@cache
def reference_module(module: str, solutions: Path = ROOT / "solutions") -> ModuleType:
    """A solution module run from its .py source. Not imported: the import system would
    trust solutions/__pycache__, where a student's code run without isolation could plant
    bytecode of its own; and compile() writes no cache either."""
    file = solutions / f"{module}.py"
    loaded = ModuleType(f"solutions.{module}")
    loaded.__file__ = str(file)
    exec(compile(file.read_text("utf-8"), str(file), "exec"), loaded.__dict__)
    return loaded


def stand_in_source(function: str) -> str:
    """The source of `function`'s stand-in for the blame re-run: public, never the reference."""
    from grader.lesson.checks import stand_ins

    return inspect.getsource(getattr(stand_ins, function))


def lesson_data(n: int = 100, noise: float = 2.0, seed: int = 42) -> tuple[torch.Tensor, torch.Tensor]:
    """The lesson's data: the same numbers as make_data (a test holds the two together)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(0, 10, n).reshape(-1, 1)
    return x, 2 * x + 1 + noise * torch.randn(x.shape, generator=generator)


def nonzero(generator: torch.Generator, *shape: int) -> torch.Tensor:
    """Random values of either sign, each between 0.5 and 2 in size: a cotangent or a marker
    that no element of can vanish into the tolerance."""
    size = 0.5 + 1.5 * torch.rand(shape, generator=generator)
    return torch.where(torch.rand(shape, generator=generator) < 0.5, -size, size)


def through_backward(formula: Callable, inputs: Inputs) -> dict:
    """What the backward probe should see for `formula` (the exercise's, computed here): its
    value on the inputs, and the gradients that backward from the inputs' cotangent gives
    the leaves, by autograd in the grader's process."""
    args = [arg.detach().clone().requires_grad_(index in inputs["leaves"]) for index, arg in enumerate(inputs["args"])]
    value = formula(*args)
    grads = torch.autograd.grad((value * inputs["cotangent"]).sum(), [args[index] for index in inputs["leaves"]])
    return {"value": value.detach(), "grads": list(grads)}


def on(device: str, *values: float) -> torch.Tensor:
    return torch.tensor(values if len(values) > 1 else values[0], device=device)
