"""The first lesson's checks: public ones (checks/public.py) expect the tutorial's own
numbers; hidden ones (checks/hidden.py) draw fresh random inputs and expect what the
reference solutions and autograd compute. The Check record and the helpers any lesson may
use are the engine's (grader/checks.py)."""

import inspect
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import torch

from grader import checks as engine
from grader.checks import Check, Inputs, Judge, nonzero, on, through_backward
from grader.lessons.autograd import LESSON

__all__ = ["Check", "Inputs", "Judge", "collect", "lesson_data", "nonzero", "on", "reference", "reference_module",
           "stand_in_source", "through_backward"]


def collect(hidden: bool) -> list[Check]:
    """The public checks, and the hidden ones if asked (ModuleNotFoundError in a student's
    copy, which leaves them out)."""
    return LESSON.checks(hidden)


def reference(function: str) -> Callable:
    """The reference solution of `function`, loaded only in the grader's process."""
    return LESSON.reference(function)


def reference_module(module: str, solutions: Path = LESSON.solutions) -> ModuleType:
    return engine.reference_module(module, solutions)


def stand_in_source(function: str) -> str:
    """The source of `function`'s stand-in for the blame re-run: public, never the reference."""
    from grader.lessons.autograd.checks import stand_ins

    return inspect.getsource(getattr(stand_ins, function))


def lesson_data(n: int = 100, noise: float = 2.0, seed: int = 42) -> tuple[torch.Tensor, torch.Tensor]:
    """The lesson's data: the same numbers as make_data (a test holds the two together)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(0, 10, n).reshape(-1, 1)
    return x, 2 * x + 1 + noise * torch.randn(x.shape, generator=generator)
