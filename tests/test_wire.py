"""What crosses from the worker to the grader is data that cannot run code."""

import json
import math
import os
import pickle
import tracemalloc

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.sandbox import frames, wire

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
    stream = b"".join(frames.frame(bytes([i]) * i) for i in range(1, 6))
    reader = frames.FrameReader()
    got = [f for i in range(len(stream)) for f in reader.feed(stream[i : i + 1])]
    assert got == [bytes([i]) * i for i in range(1, 6)]


def test_an_oversized_frame_is_flagged():
    reader = frames.FrameReader()
    assert reader.feed(frames.HEADER.pack(frames.MAX_FRAME + 1)) == []
    assert reader.oversized


# Hostile frames: the child writes whatever bytes it likes into its frames.


def raw_frame(meta: bytes, blob: bytes = b"") -> bytes:
    """A frame with exactly this JSON text and these tensor bytes, made by hand."""
    return frames.HEADER.pack(len(meta)) + meta + blob


def json_frame(data, blob: bytes = b"") -> bytes:
    return raw_frame(json.dumps(data).encode(), blob)


def ref(offset, dtype="uint8", shape=None):
    return {"__tensor__": {"dtype": dtype, "shape": [4] if shape is None else shape, "offset": offset}}


HOSTILE = {
    # tensor references that would make the grader hold more than the frame
    "the same bytes twice": lambda: json_frame([ref(0), ref(0)], b"\0" * 4),
    "the same bytes a thousand times": lambda: json_frame([ref(0)] * 1000, b"\0" * 4000),
    "overlapping bytes": lambda: json_frame([ref(0), ref(2)], b"\0" * 8),
    "out of order": lambda: json_frame([ref(4), ref(0)], b"\0" * 8),
    "past the blob": lambda: json_frame(ref(0, shape=[8]), b"\0" * 4),
    "bytes left over": lambda: json_frame(ref(0), b"\0" * 8),
    "no tensor but a blob": lambda: json_frame([1, 2], b"\0" * 8),
    "negative offset": lambda: json_frame(ref(-4), b"\0" * 4),
    "offset not an int": lambda: json_frame(ref("0"), b"\0" * 4),
    "offset a bool": lambda: json_frame([ref(0, shape=[0]), ref(False)], b"\0" * 4),
    # shapes
    "negative size": lambda: json_frame(ref(0, shape=[-1, -4]), b"\0" * 4),
    "enormous size": lambda: json_frame(ref(0, "float64", [10**18]), b"\0" * 8),
    "empty but enormous": lambda: json_frame(ref(0, "float32", [0, 2**40, 2**40])),
    "empty with big sizes": lambda: json_frame(ref(0, "float32", [0] + [2**20] * 8)),
    "too many dims": lambda: json_frame(ref(0, shape=[1] * 65), b"\0"),
    "a float size": lambda: json_frame(ref(0, shape=[4.0]), b"\0" * 4),
    "a bool size": lambda: json_frame(ref(0, shape=[True]), b"\0"),
    "shape not a list": lambda: json_frame(ref(0, shape="4"), b"\0" * 4),
    # dtypes and the reference itself
    "unknown dtype": lambda: json_frame(ref(0, "object"), b"\0" * 4),
    "dtype not a string": lambda: json_frame(ref(0, ["uint8"]), b"\0" * 4),
    "reference a list": lambda: json_frame({"__tensor__": [0, 4]}, b"\0" * 4),
    "reference a string": lambda: json_frame({"__tensor__": "uint8"}, b"\0" * 4),
    "reference with extra keys": lambda: json_frame(
        {"__tensor__": {"dtype": "uint8", "shape": [4], "offset": 0, "strides": [1]}}, b"\0" * 4
    ),
    "reference missing a key": lambda: json_frame({"__tensor__": {"dtype": "uint8", "shape": [4]}}, b"\0" * 4),
    # JSON that is too big or too deep to build
    "10**5 nested lists": lambda: raw_frame(b"[" * 10**5 + b"]" * 10**5),
    "10**5 nested dicts": lambda: raw_frame(b'{"a":' * 10**5 + b"1" + b"}" * 10**5),
    "65 nested lists": lambda: raw_frame(b"[" * 65 + b"]" * 65),
    "10**6 tiny values": lambda: raw_frame(b"[" + b"0," * (10**6 - 1) + b"0]"),
    "10**6 empty lists": lambda: raw_frame(b"[" + b"[]," * (10**6 - 1) + b"[]]"),
    # frames and JSON that are not well formed
    "empty frame": lambda: b"",
    "truncated header": lambda: b"\0\0",
    "header past the end": lambda: frames.HEADER.pack(100) + b"[1]",
    "frame over MAX_FRAME": lambda: raw_frame(b"0", b"\0" * frames.MAX_FRAME),
    "binary garbage": lambda: raw_frame(b"\x93\x01garbage"),
    "text garbage": lambda: raw_frame(b"}{garbage"),
    "not UTF-8": lambda: raw_frame(b'"\xff\xfe"'),
    "UTF-16": lambda: raw_frame('["x"]'.encode("utf-16")),
    "unclosed list": lambda: raw_frame(b"[1, 2"),
    "unclosed string": lambda: raw_frame(b'"abc'),
    "unclosed escapes": lambda: raw_frame(b'"' + b'\\"' * 10**5),
    "trailing comma": lambda: raw_frame(b"[1,]"),
    "mismatched brackets": lambda: raw_frame(b"[1}"),
    "a key not a string": lambda: raw_frame(b"{1: 2}"),
    "single quotes": lambda: raw_frame(b"{'a': 1}"),
    "two values": lambda: raw_frame(b"1 2"),
    "nothing": lambda: raw_frame(b"   "),
    "a control character in a string": lambda: raw_frame(b'"a\nb"'),
    "lowercase nan": lambda: raw_frame(b"[nan]"),
    "undefined": lambda: raw_frame(b"undefined"),
    "an int beyond Python's digit limit": lambda: raw_frame(b"1" * 5000),
    "non-ASCII digits": lambda: raw_frame("[\u0661\u0662]".encode()),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_frame_is_refused_without_building_much(name):
    payload = HOSTILE[name]()
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError):
            wire.decode(payload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Reading may copy the frame's text and build up to MAX_NODES small values before it
    # refuses; building what the frame describes (say, a million lists) would be far more.
    assert peak < 2 * len(payload) + 96 * wire.MAX_NODES + 2**20


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.builds(lambda b, i, x: b[:i] + x + b[i + 1 :],
                                           st.just(wire.encode({"t": torch.arange(3), "n": [1, {"a": None}]})),
                                           st.integers(0, 120), st.binary(max_size=3)))
def test_any_bytes_decode_or_raise_wire_error(payload):
    try:
        wire.decode(payload)
    except wire.WireError:
        pass


def test_references_that_tile_the_blob_in_order_are_read():
    blob = bytes(range(10))
    data = wire.decode(json_frame([ref(0, shape=[0]), ref(0, shape=[2, 2]), {"b": ref(4, shape=[6])}], blob))
    assert data[0].shape == (0,)
    assert data[1].tolist() == [[0, 1], [2, 3]] and data[2]["b"].tolist() == [4, 5, 6, 7, 8, 9]


def test_nan_and_the_infinities_travel_as_floats():
    back = wire.decode(wire.encode({"loss": [math.nan, math.inf, -math.inf]}))["loss"]
    assert math.isnan(back[0]) and back[1:] == [math.inf, -math.inf]


def test_nesting_up_to_the_limit_is_read():
    deep = []
    for _ in range(wire.MAX_DEPTH - 1):
        deep = [deep]
    assert wire.decode(wire.encode(deep)) == deep


def test_a_tensor_of_a_dtype_the_grader_cannot_read_is_refused_when_sent():
    with pytest.raises(wire.WireError):
        wire.encode({"t": torch.zeros(2).to(torch.float8_e4m3fn)})


def test_keys_that_collide_keep_only_the_bytes_of_the_value_kept():
    back = wire.decode(wire.encode({1: torch.zeros(3), "1": torch.ones(2)}))
    assert list(back) == ["1"] and torch.equal(back["1"], torch.ones(2))


# Any mix of plain data and tensors comes back as it was sent.


def make_tensor(shape: list[int], dtype: str, seed: int) -> torch.Tensor:
    return (torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * 10).to(wire.DTYPES[dtype])


TENSORS = st.builds(make_tensor, st.lists(st.integers(0, 3), max_size=3), st.sampled_from(sorted(wire.DTYPES)),
                    st.integers(0, 2**31 - 1))
LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10) | TENSORS
KEYS = st.text(max_size=8).filter(lambda key: key != wire.TENSOR)  # that key alone marks a reference
DATA = st.recursive(
    LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=20
)


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@settings(max_examples=60, deadline=None)
@given(DATA)
def test_data_travels_unchanged(data):
    assert same(wire.decode(wire.encode(data)), data)


# Frames arriving in pieces.


def stream_of(payloads: list[bytes]) -> bytes:
    return b"".join(frames.frame(payload) for payload in payloads)


def cut(reader: frames.FrameReader, stream: bytes, chunk: int) -> list[bytes]:
    return [f for i in range(0, len(stream), chunk) for f in reader.feed(stream[i : i + chunk])]


def test_a_large_frame_in_small_chunks_comes_out_whole():
    payloads = [b"", b"a", os.urandom(3 * 2**20), b"bc" * 5, os.urandom(2**20 + 3)]
    stream = stream_of(payloads)
    for chunk in (1024, 4093, 2**20, len(stream)):
        got = cut(frames.FrameReader(), stream, chunk)
        assert got == payloads and all(type(f) is bytes for f in got)


def test_a_frame_byte_by_byte_comes_out_whole():
    payloads = [os.urandom(2**16), b"x", wire.encode({"t": torch.arange(1000)})]
    assert cut(frames.FrameReader(), stream_of(payloads), 1) == payloads


def test_frames_before_an_oversized_one_are_kept_and_nothing_after():
    reader = frames.FrameReader()
    assert reader.feed(frames.frame(b"ok") + frames.HEADER.pack(frames.MAX_FRAME + 1) + b"x" * 100) == [b"ok"]
    assert reader.oversized
    assert reader.feed(frames.frame(b"later")) == [] and not reader.buffer


def test_a_frame_of_exactly_max_frame_is_not_oversized():
    reader = frames.FrameReader()
    assert reader.feed(frames.HEADER.pack(frames.MAX_FRAME)) == []
    assert not reader.oversized
