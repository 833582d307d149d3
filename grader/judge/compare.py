"""Compare what a student's code returned (typed `observations` records) with what was expected.

Cheapest first: is it a real tensor, then shape, dtype, device, and only then values.
Each function returns a Feedback for the first problem, or None when all is well.
"""

import math
from typing import Any

import torch

from grader.results import Feedback
from grader.sandbox.observations import NoneValue, Scalar, SequenceValue, TensorValue, Value

ATOL = RTOL = 1e-4


def show(got: Value) -> str:
    """A short, readable rendering of a returned value."""
    if isinstance(got, TensorValue):
        return show_tensor(got.data)
    if isinstance(got, Scalar):
        return f"{got.value!r} (a Python {got.type})"
    if isinstance(got, SequenceValue):
        return "(" + ", ".join(show(item) for item in got.items[:6]) + ")"
    if isinstance(got, NoneValue):
        return "None"
    return f"an object of type {got.type}"


def show_tensor(data: torch.Tensor) -> str:
    """Its values (the first six, flattened) and its shape."""
    if data.numel() == 1 and data.dim() == 0:
        return f"tensor({data.item():.4g})"
    values = ", ".join(f"{v:.4g}" for v in data.flatten()[:6].tolist())
    more = ", …" if data.numel() > 6 else ""
    return f"tensor([{values}{more}], shape {tuple(data.shape)})"


def show_expected(expected: Any) -> str:
    if isinstance(expected, torch.Tensor):
        return show_tensor(expected.detach().cpu())
    if isinstance(expected, (tuple, list)):
        return "(" + ", ".join(show_expected(item) for item in expected[:6]) + ")"
    return f"{expected:.4g}" if isinstance(expected, float) else repr(expected)


def problem(got: Value, expected: Any, atol: float = ATOL, rtol: float = RTOL) -> Feedback | None:
    """The first structural problem (type, length, shape, dtype, device), then values."""
    found = structure_problem(got, expected)
    if found is None and not values_match(got, expected, atol, rtol):
        found = Feedback("wrong_values", {"expected": show_expected(expected), "got": show(got)})
    return found


def structure_problem(got: Value, expected: Any) -> Feedback | None:
    if isinstance(expected, torch.Tensor):
        return tensor_structure_problem(got, expected)
    if isinstance(expected, float):
        return None if isinstance(got, Scalar) and got.type == "float" else Feedback("not_a_float", {"got": show(got)})
    if not isinstance(got, SequenceValue):
        return Feedback("not_a_sequence", {"expected": len(expected), "got": show(got)})
    if len(got.items) != len(expected):
        return Feedback("wrong_length", {"expected": len(expected), "got": len(got.items)})
    problems = (structure_problem(g, e) for g, e in zip(got.items, expected))
    return next((p for p in problems if p is not None), None)


def tensor_structure_problem(got: Value, expected: torch.Tensor) -> Feedback | None:
    if not isinstance(got, TensorValue):
        return Feedback("not_a_tensor", {"got": show(got)})
    if tuple(got.data.shape) != tuple(expected.shape):
        return Feedback("wrong_shape", {"expected": show_expected(expected), "got": show(got)})
    if got.data.dtype != expected.dtype:
        return Feedback("wrong_dtype", {"expected": expected.dtype, "got": got.data.dtype})
    if got.device != expected.device.type:
        return Feedback("wrong_device", {"expected": expected.device.type, "got": got.device})
    return None


def values_match(got: Value, expected: Any, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """Whether the values agree, ignoring shape and device (used for misconceptions too)."""
    if expected is None:
        return isinstance(got, NoneValue)
    if isinstance(expected, torch.Tensor):
        if isinstance(got, TensorValue):
            return tensors_close(got.data, expected, atol, rtol)
        return expected.numel() == 1 and number_close(got, expected.item(), atol, rtol)
    if isinstance(expected, float):
        return number_close(got, expected, atol, rtol)
    if not isinstance(got, SequenceValue) or len(got.items) != len(expected):
        return False
    return all(values_match(g, e, atol, rtol) for g, e in zip(got.items, expected))


def number_close(got: Value, expected: float, atol: float, rtol: float) -> bool:
    return isinstance(got, Scalar) and got.type in ("float", "int") and math.isclose(
        float(got.value), expected, rel_tol=rtol, abs_tol=atol)


def tensors_close(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> bool:
    got64 = got.detach().to("cpu", torch.float64).flatten()
    expected64 = expected.detach().to("cpu", torch.float64).flatten()
    return got64.shape == expected64.shape and bool(torch.allclose(got64, expected64, rtol, atol))


def first_misconception(got: Value, candidates: dict[str, Any], atol: float = ATOL, rtol: float = RTOL) -> str | None:
    """The id of the first known wrong answer that the student's answer matches."""
    return next((key for key, wrong in candidates.items() if values_match(got, wrong, atol, rtol)), None)



def same_value(first: Value, again: Value) -> bool:
    """Whether two answers of the student's agree (a function called twice on the same inputs)."""
    if isinstance(first, TensorValue) and isinstance(again, TensorValue):
        return first.data.shape == again.data.shape and tensors_close(first.data, again.data, ATOL, RTOL)
    if isinstance(first, SequenceValue) and isinstance(again, SequenceValue):
        return len(first.items) == len(again.items) and all(map(same_value, first.items, again.items))
    if isinstance(first, Scalar) and isinstance(again, Scalar) and first.type == again.type == "float":
        return math.isclose(float(first.value), float(again.value), rel_tol=RTOL, abs_tol=ATOL)
    return first == again
