"""Compare what a student's code returned (typed `observations` records) with what was expected.

Cheapest first: is it a real tensor, then shape, dtype, device, and only then values.
Each function returns a Feedback for the first problem, or None when all is well.
"""

import math
from typing import Any

import torch

from grader.results import Expected, Feedback
from grader.sandbox.observations import NoneValue, Opaque, Scalar, SequenceValue, TensorValue, Value

ATOL = RTOL = 1e-4


def problem(got: Value, expected: Any, atol: float = ATOL, rtol: float = RTOL) -> Feedback | None:
    """The first structural problem (type, length, shape, dtype, device), then values."""
    found = structure_problem(got, expected)
    if found is None and not values_match(got, expected, atol, rtol):
        found = Feedback("wrong_values", {"expected": Expected(expected), "got": got})
    return found


def structure_problem(got: Value, expected: Any) -> Feedback | None:
    if isinstance(expected, torch.Tensor):
        return tensor_structure_problem(got, expected)
    if isinstance(expected, float):
        return None if isinstance(got, Scalar) and got.type == "float" else Feedback("not_a_float", {"got": got})
    if not isinstance(got, SequenceValue):
        return Feedback("not_a_sequence", {"expected": len(expected), "got": got})
    if len(got.items) != len(expected):
        return Feedback("wrong_length", {"expected": len(expected), "got": len(got.items)})
    return item_problem(got.items, expected)


def item_problem(items: tuple[Value, ...], expected: tuple | list) -> Feedback | None:
    """The first item's problem. A tuple is a function's results: which one is said ("got
    None" alone does not tell dz/dx from dz/dy); a list holds calls, losses or parameters."""
    for position, (got, wanted) in enumerate(zip(items, expected), 1):
        found = structure_problem(got, wanted)
        if found is not None:
            return found if isinstance(expected, list) else Feedback(
                "in_result", {"position": position, "count": len(expected)}, cause=found)
    return None


def tensor_structure_problem(got: Value, expected: torch.Tensor) -> Feedback | None:
    if not isinstance(got, TensorValue):
        return Feedback("not_a_tensor", {"got": got})
    if tuple(got.data.shape) != tuple(expected.shape):
        return Feedback("wrong_shape", {"expected": Expected(expected), "got": got})
    if got.data.dtype != expected.dtype:
        return Feedback("wrong_dtype", {"expected": str(expected.dtype), "got": str(got.data.dtype)})
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


# What the type of a returned object shows, whatever the function: a method named without its
# call, or a value that went through NumPy (its arrays and scalars are no tensors).
OBJECT_MISTAKES = {
    "builtin_function_or_method": "method_not_called", "method": "method_not_called",
    "ndarray": "numpy_detour", "float64": "numpy_detour", "float32": "numpy_detour",
}


def first_misconception(got: Value, candidates: dict[str, Any], atol: float = ATOL, rtol: float = RTOL) -> str | None:
    """The id of the mistake an object in the answer shows, else of the first known wrong
    answer that the student's answer matches."""
    shown = next((OBJECT_MISTAKES[o.type] for o in objects(got) if o.type in OBJECT_MISTAKES), None)
    return shown or next((key for key, wrong in candidates.items() if values_match(got, wrong, atol, rtol)), None)


def objects(got: Value) -> list[Opaque]:
    """The opaque objects in an answer, its items' included."""
    if isinstance(got, SequenceValue):
        return [found for item in got.items for found in objects(item)]
    return [got] if isinstance(got, Opaque) else []


def same_value(first: Value, again: Value) -> bool:
    """Whether two answers of the student's agree (a function called twice on the same inputs)."""
    if isinstance(first, TensorValue) and isinstance(again, TensorValue):
        return first.data.shape == again.data.shape and tensors_close(first.data, again.data, ATOL, RTOL)
    if isinstance(first, SequenceValue) and isinstance(again, SequenceValue):
        return len(first.items) == len(again.items) and all(map(same_value, first.items, again.items))
    if isinstance(first, Scalar) and isinstance(again, Scalar) and first.type == again.type == "float":
        return math.isclose(float(first.value), float(again.value), rel_tol=RTOL, abs_tol=ATOL)
    return first == again
