"""What crosses the process boundary: length-prefixed frames of data that cannot run code.

Values from student code are first turned into plain data (`describe`) inside the
worker. A frame holds that data as JSON, with each tensor replaced by a reference to
its raw bytes after the JSON: decoding builds only dicts, lists, strings, numbers and
tensors of a few plain dtypes, so nothing in a frame can execute in the grader (no
pickle anywhere), and it is fast enough to send every result as it comes.
"""

import json
import os
import struct
from typing import Any

import torch

HEADER = struct.Struct(">I")
OUTPUT_KEEP = 8192  # bytes of a submission's printed output kept for its report
MAX_FRAME = 64 * 2**20
TENSOR = "__tensor__"
DTYPES = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
                  torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)
}

# Bound now, before any student code runs, so that monkeypatching torch in a
# submission cannot change what the worker reports.
_detach, _to, _Tensor, _dumps = torch.Tensor.detach, torch.Tensor.to, torch.Tensor, json.dumps


class WireError(ValueError):
    """Bytes that are not a well-formed frame."""


def encode(data: Any) -> bytes:
    blobs: list[bytes] = []
    offset = 0

    def pack(value: Any) -> Any:
        nonlocal offset
        if isinstance(value, _Tensor):
            flat = _to(_detach(value), "cpu").contiguous().reshape(-1)
            raw = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
            reference = {"dtype": str(flat.dtype).removeprefix("torch."), "shape": list(value.shape), "offset": offset}
            blobs.append(raw)
            offset += len(raw)
            return {TENSOR: reference}
        if isinstance(value, dict):
            return {str(key): pack(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [pack(item) for item in value]
        return value

    meta = _dumps(pack(data)).encode()
    return HEADER.pack(len(meta)) + meta + b"".join(blobs)


def decode(payload: bytes) -> Any:
    if len(payload) < HEADER.size:
        raise WireError("short frame")
    (size,) = HEADER.unpack_from(payload)
    blob = memoryview(payload)[HEADER.size + size :]

    def unpack(value: Any) -> Any:
        if isinstance(value, dict):
            if value.keys() == {TENSOR}:
                return tensor_from(value[TENSOR], blob)
            return {key: unpack(item) for key, item in value.items()}
        if isinstance(value, list):
            return [unpack(item) for item in value]
        return value

    try:
        return unpack(json.loads(bytes(payload[HEADER.size : HEADER.size + size])))
    except (ValueError, TypeError, KeyError, RecursionError, RuntimeError) as error:
        raise WireError(str(error)[:200]) from None


def tensor_from(reference: dict, blob: memoryview) -> torch.Tensor:
    dtype, shape, offset = DTYPES[reference["dtype"]], [int(n) for n in reference["shape"]], int(reference["offset"])
    count = 1
    for n in shape:
        count *= n
    size = count * dtype.itemsize
    if min(shape, default=0) < 0 or offset < 0 or offset + size > len(blob):
        raise WireError("tensor outside the frame")
    if size == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(blob[offset : offset + size]), dtype=dtype).reshape(shape)


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class FrameReader:
    """Cuts a byte stream into frames; `oversized` turns true on a frame over MAX_FRAME."""

    def __init__(self) -> None:
        self.buffer = b""
        self.oversized = False

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if size > MAX_FRAME:
                self.oversized = True
                return frames
            if len(self.buffer) < HEADER.size + size:
                break
            frames.append(self.buffer[HEADER.size : HEADER.size + size])
            self.buffer = self.buffer[HEADER.size + size :]
        return frames


def describe(value: Any, depth: int = 0) -> dict:
    """Plain data about a value: real tensors and Python numbers as such, anything else by
    its type name only, so an object that claims to equal anything stays an object."""
    kind = type(value)
    if kind is _Tensor:
        return {
            "kind": "tensor",
            "data": _to(_detach(value), "cpu", copy=True),  # a snapshot: the tensor may change later
            "device": value.device.type,
            "requires_grad": bool(value.requires_grad),
            "is_leaf": bool(value.is_leaf),
            "has_graph": value.grad_fn is not None,
        }
    if kind in (float, int, bool, str) or value is None:
        return {"kind": kind.__name__, "value": value if kind is not str else value[:200]}
    if kind in (tuple, list) and depth < 3 and len(value) <= 10_000:
        return {"kind": kind.__name__, "items": [describe(item, depth + 1) for item in value]}
    return {"kind": "object", "type": type_name(value)}


def type_name(value: Any) -> str:
    try:
        return str(type(value).__qualname__)[:80]
    except Exception:
        return "object"


def to_device(data: Any, device: str) -> Any:
    """Inputs travel on the CPU; each side moves them to the device of the call."""
    if isinstance(data, torch.Tensor):
        return data.to(device)
    if isinstance(data, dict):
        return {key: to_device(item, device) for key, item in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(to_device(item, device) for item in data)
    return data
