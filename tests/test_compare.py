"""Comparisons, checked as properties on random tensors (minitorch's habit)."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.judge.compare import first_misconception, problem, values_match
from grader.sandbox import observations, wire


def describe(value: object) -> observations.Value:
    """What the grader gets for `value`: described in the child, decoded at the boundary."""
    return observations.value(wire.describe(value))

shapes = st.lists(st.integers(1, 5), min_size=0, max_size=3).map(tuple)
seeds = st.integers(0, 2**31 - 1)


def random_tensor(shape: tuple, seed: int) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


@settings(max_examples=50, deadline=None)
@given(shapes, seeds)
def test_a_tensor_matches_itself(shape, seed):
    tensor = random_tensor(shape, seed)
    assert problem(describe(tensor.clone()), tensor) is None


@settings(max_examples=50, deadline=None)
@given(shapes, seeds, st.floats(1e-2, 1e3))
def test_a_changed_value_is_caught(shape, seed, change):
    tensor = random_tensor(shape, seed)
    changed = tensor.clone().flatten()
    changed[0] += change
    assert problem(describe(changed.reshape(shape)), tensor).message == "wrong_values"


@settings(max_examples=30, deadline=None)
@given(shapes, seeds)
def test_shape_and_dtype_are_checked_before_values(shape, seed):
    tensor = random_tensor(shape, seed)
    assert problem(describe(tensor.unsqueeze(0)), tensor).message == "wrong_shape"
    assert problem(describe(tensor.double()), tensor).message == "wrong_dtype"
    assert problem(describe(tensor.tolist() if shape else tensor.item()), tensor).message == "not_a_tensor"


def test_device_is_checked():
    got = observations.value(wire.describe(torch.ones(2)) | {"device": "cuda"})
    assert problem(got, torch.ones(2)).message == "wrong_device"


def test_structures_are_compared_item_by_item():
    expected = (torch.tensor(12.0), torch.tensor(10.0))
    assert problem(describe(expected), expected) is None
    assert problem(describe((torch.tensor(12.0),)), expected).message == "wrong_length"
    assert problem(describe(torch.tensor(12.0)), expected).message == "not_a_sequence"
    wrong = describe((torch.tensor(12.0), torch.tensor(13.0)))
    assert problem(wrong, expected).message == "wrong_values"
    tutorial = (torch.tensor(12.0), torch.tensor(13.0))
    assert first_misconception(wrong, {"swapped": expected[::-1], "tutorial_13": tutorial}) == "tutorial_13"
    assert first_misconception(wrong, {"python_number": (12.0, 13.0)}) is None


def test_nan_never_matches():
    assert not values_match(describe(torch.tensor(float("nan"))), torch.tensor(float("nan")))
