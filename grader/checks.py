"""Checks: each a claim about one student function, worth some points (the engine's record;
a lesson's checks are values of it, in the lesson's own folder).

A check makes inputs (on the CPU, from a seeded generator), names the probe the worker
runs on them, computes what it expects in the grader's own process, and judges the
observation. Also here: helpers any lesson's checks may use.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from grader.judge.compare import ATOL, RTOL, first_misconception, problem
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
    """the student function it grades"""
    claim: str
    """what it claims, in English: also its stable name and its key in the lesson's catalogue"""
    points: int
    inputs: Callable[[torch.Generator], Inputs]
    expect: Callable[[Inputs, str], Any]
    judge: Judge = judge_returns
    probe: str = "call"
    """what the worker observes (grader/sandbox/child/probes.py)"""
    hidden: bool = False
    """whether students' copies leave it out"""
    wrong_answers: Callable[[Inputs], dict[str, Any]] = field(default=lambda inputs: {})
    errors: tuple[tuple[str, str], ...] = ()
    """(a piece of an error message, the misconception it points to): the check's own, then the lesson's"""
    tolerance: tuple[float, float] = (ATOL, RTOL)
    module: str = ""
    """the student module that holds the function: filled in by the lesson (Lesson.checks)"""
    script_names: frozenset[str] = frozenset()
    """the lesson's script_names: filled in by the lesson"""

    def misconception_in(self, found: Feedback, got: Any, inputs: Inputs) -> Feedback:
        """Attach the first known wrong answer that `got` matches."""
        mistake = first_misconception(got, self.wrong_answers(inputs), *self.tolerance)
        return replace(found, misconception=mistake) if mistake else found

    def misconception_of_error(self, message: str) -> str | None:
        return next((m for text, m in self.errors if text in message), None)


@cache
def reference_module(module: str, solutions: Path) -> ModuleType:
    """A solution module run from its .py source. Not imported: the import system would
    trust solutions/__pycache__, where a student's code run without isolation could plant
    bytecode of its own; and compile() writes no cache either."""
    file = solutions / f"{module}.py"
    loaded = ModuleType(f"solutions.{module}")
    loaded.__file__ = str(file)
    exec(compile(file.read_text("utf-8"), str(file), "exec"), loaded.__dict__)
    return loaded


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
