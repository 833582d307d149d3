"""Checks: each a claim about one student function, worth some points.

A check makes inputs (on the CPU, from a seeded generator), names the probe the worker
runs on them, computes what it expects in the grader's own process, and judges the
observation. Public checks expect the tutorial's own numbers; hidden checks draw fresh
random inputs and expect what the reference solutions and autograd compute.
"""

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
        return next((m for text, m in self.errors if text in message), None)


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


def lesson_data(n: int = 100, noise: float = 2.0, seed: int = 42) -> tuple[torch.Tensor, torch.Tensor]:
    """The lesson's data: the same numbers as make_data (a test holds the two together)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(0, 10, n).reshape(-1, 1)
    return x, 2 * x + 1 + noise * torch.randn(x.shape, generator=generator)


def on(device: str, *values: float) -> torch.Tensor:
    return torch.tensor(values if len(values) > 1 else values[0], device=device)
