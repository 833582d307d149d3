"""What crosses from the worker to the grader is data that cannot run code."""

import os
import pickle

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.sandbox import wire

PWNED = "/tmp/grader-pwned"


class Payload:
    def __reduce__(self):
        return (os.system, (f"touch {PWNED}",))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_pickle_is_refused_and_never_runs(protocol):
    with pytest.raises(wire.WireError):
        wire.decode(pickle.dumps({"observation": Payload()}, protocol=protocol))
    assert not os.path.exists(PWNED)


@pytest.mark.parametrize(
    "forged",
    [
        {"__tensor__": {"dtype": "object", "shape": [1], "offset": 0}},
        {"__tensor__": {"dtype": "float32", "shape": [10**9], "offset": 0}},
        {"__tensor__": {"dtype": "float32", "shape": [-1], "offset": 0}},
        {"__tensor__": {"dtype": "float32", "shape": [1], "offset": -4}},
    ],
)
def test_a_forged_tensor_reference_is_refused(forged):
    payload = wire.encode(forged)
    with pytest.raises(wire.WireError):
        wire.decode(payload + b"\0" * 4)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 4), max_size=3),
    st.sampled_from(sorted(wire.DTYPES)),
    st.integers(0, 2**31 - 1),
)
def test_tensors_of_every_plain_dtype_travel_unchanged(shape, dtype, seed):
    tensor = (torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * 10).to(wire.DTYPES[dtype])
    back = wire.decode(wire.encode({"t": tensor, "n": [1.5, None, "x", float("inf")]}))
    assert back["t"].dtype == tensor.dtype and torch.equal(back["t"], tensor)
    assert back["n"] == [1.5, None, "x", float("inf")]


def test_described_values_keep_what_the_judge_needs():
    leaf = torch.tensor(2.0, requires_grad=True)
    data = wire.decode(wire.encode(wire.describe((leaf * 3, 1.5, None, [leaf]))))
    product = data["items"][0]
    assert product["kind"] == "tensor" and product["data"].item() == 6.0
    assert product["has_graph"] and not product["is_leaf"]
    assert data["items"][1] == {"kind": "float", "value": 1.5}
    assert data["items"][2]["kind"] == "NoneType"
    assert data["items"][3]["items"][0]["is_leaf"]


def test_a_tensor_subclass_or_lookalike_is_only_an_object():
    class Sly(torch.Tensor):
        pass

    class Lookalike:
        def __eq__(self, other):
            return True

    assert wire.describe(torch.ones(2).as_subclass(Sly))["kind"] == "object"
    assert wire.describe(torch.nn.Parameter(torch.ones(2)))["kind"] == "object"
    assert wire.describe(Lookalike())["kind"] == "object"


def test_frames_are_cut_however_the_bytes_arrive():
    stream = b"".join(wire.frame(bytes([i]) * i) for i in range(1, 6))
    reader = wire.FrameReader()
    frames = [f for i in range(len(stream)) for f in reader.feed(stream[i : i + 1])]
    assert frames == [bytes([i]) * i for i in range(1, 6)]


def test_an_oversized_frame_is_flagged():
    reader = wire.FrameReader()
    assert reader.feed(wire.HEADER.pack(wire.MAX_FRAME + 1)) == []
    assert reader.oversized
