"""What crosses from the worker to the grader is data that cannot run code."""

import io
import os
import pickle

import pytest
import torch

from grader import wire


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/grader-pwned",))


def test_a_malicious_pickle_is_refused_and_never_runs(tmp_path):
    buffer = io.BytesIO()
    torch.save({"observation": Payload()}, buffer, _use_new_zipfile_serialization=True)
    with pytest.raises(pickle.UnpicklingError):
        wire.decode(buffer.getvalue())
    assert not os.path.exists("/tmp/grader-pwned")


def test_plain_pickle_is_refused_too():
    with pytest.raises((pickle.UnpicklingError, RuntimeError)):
        wire.decode(pickle.dumps(Payload()))
    assert not os.path.exists("/tmp/grader-pwned")


def test_real_tensors_and_numbers_travel():
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
