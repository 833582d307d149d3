"""What crosses the process boundary: length-prefixed frames of data that cannot run code.

Values from student code are first turned into plain data (`describe`) inside the
worker, then saved with torch.save; the grader reads them with
`torch.load(weights_only=True)`, which rebuilds tensors, numbers, strings, lists and
dicts and refuses anything else, so a malicious object cannot execute in the grader.
"""

import io
import os
import struct
import warnings
from typing import Any

import torch

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 2**20

# Bound now, before any student code runs, so that monkeypatching torch in a
# submission cannot change what the worker reports.
_save, _load, _detach, _to = torch.save, torch.load, torch.Tensor.detach, torch.Tensor.to
_Tensor = torch.Tensor


def encode(data: Any) -> bytes:
    buffer = io.BytesIO()
    _save(data, buffer)
    return buffer.getvalue()


def decode(payload: bytes) -> Any:
    with warnings.catch_warnings():  # forged bytes must not make torch talk to the user
        warnings.simplefilter("ignore")
        return _load(io.BytesIO(payload), weights_only=True)


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
            "data": _to(_detach(value), "cpu", copy=True),
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
