"""What crosses the process boundary: length-prefixed frames of data that cannot run code.

Values from student code are first turned into plain data (`describe`) inside the
worker. A frame holds that data as JSON, with each tensor replaced by a reference to
its raw bytes after the JSON: decoding builds only dicts, lists, strings, numbers and
tensors of a few plain dtypes, so nothing in a frame can execute in the grader (no
pickle anywhere), and it is fast enough to send every result as it comes.

The child writing the frames is assumed hostile, so decoding is also bounded: what
`decode` builds is at most a small multiple of the frame's size, and any malformed
frame raises WireError (never another exception, never a RecursionError).
"""

import json
import math
import re
from typing import Any

import torch

from grader.sandbox.frames import HEADER, MAX_FRAME

OUTPUT_KEEP = 8192  # bytes of a submission's printed output kept for its report

# A real frame has a few thousand JSON values and nests about 8 deep (a job with the
# hidden checks on two devices: ~1,900 values, 188 tensors); these leave room for
# any `describe` result (lists of up to 10,000 items) and bound a hostile one.
MAX_NODES = 2**17
MAX_DEPTH = 64
MAX_DIMS = 64
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
            name = str(flat.dtype).removeprefix("torch.")
            if name not in DTYPES:  # say so here: the worker reports it as unsendable
                raise WireError(f"a {name} tensor cannot be sent")
            raw = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
            blobs.append(raw)
            reference = {"dtype": name, "shape": list(value.shape), "offset": offset}
            offset += len(raw)
            return {TENSOR: reference}
        if isinstance(value, dict):
            # Keys first: two keys with the same str() keep one value, so only that one
            # may add bytes, or the blob would hold bytes that no reference covers.
            named = {str(key): item for key, item in value.items()}
            return {key: pack(item) for key, item in named.items()}
        if isinstance(value, (list, tuple)):
            return [pack(item) for item in value]
        return value

    meta = _dumps(pack(data)).encode()
    return HEADER.pack(len(meta)) + meta + b"".join(blobs)


def decode(payload: bytes) -> Any:
    """The data of a frame made by `encode`; WireError for anything else."""
    try:
        meta, blob = split(payload)
        unpacker = Unpacker(blob)
        data = unpacker.unpack(JsonReader(meta).read())
        unpacker.finish()
        return data
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RuntimeError, MemoryError,
            RecursionError) as error:
        # A last resort only: the checks above are what bound decoding.
        raise WireError(f"malformed frame ({type(error).__name__})") from None


def split(payload: bytes) -> tuple[str, memoryview]:
    """The JSON text and the tensor bytes of a frame."""
    if len(payload) > MAX_FRAME:
        raise WireError("frame over MAX_FRAME")
    if len(payload) < HEADER.size:
        raise WireError("short frame")
    (size,) = HEADER.unpack_from(payload)
    if size > len(payload) - HEADER.size:
        raise WireError("header announces more JSON than the frame holds")
    view = memoryview(payload)
    try:
        meta = str(view[HEADER.size : HEADER.size + size], "utf-8")
    except UnicodeDecodeError:
        raise WireError("JSON not in UTF-8") from None
    return meta, view[HEADER.size + size :]


_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
# NaN and the infinities are accepted: `encode` writes them for a loss that is nan or inf.
_WORDS = {"null": None, "true": True, "false": False, "NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_CLOSE = {list: "]", dict: "}"}
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # the C one: JSON's own string rules, fast


class JsonReader:
    """json.loads without recursion: the open containers sit on an explicit stack, so
    depth and size are checked while reading, before anything big is built. (json.loads
    itself recurses on nesting and builds everything before anyone can count it.)"""

    def __init__(self, text: str) -> None:
        self.text, self.at, self.nodes = text, 0, 0

    def read(self) -> Any:
        holder: list[Any] = []  # the parent of the top value, so every value has one
        stack: list[list | dict] = [holder]
        while True:
            if self.item(stack):
                continue  # in a new container: its first item comes next
            while True:  # after a value: a comma, or the end of its container
                if len(stack) == 1:
                    self.finish()
                    return holder[0]
                char = self.char()
                if char == ",":
                    break
                if char != _CLOSE[type(stack[-1])]:
                    raise WireError("bad JSON: expected ',' or a closing bracket")
                stack.pop()

    def item(self, stack: list[list | dict]) -> bool:
        """Read the next item of the innermost container; true if it opened a non-empty one."""
        parent = stack[-1]
        if isinstance(parent, dict):
            if self.char() != '"':
                raise WireError("bad JSON: object keys must be strings")
            key = self.string()
            if self.char() != ":":
                raise WireError("bad JSON: expected ':'")
            parent[key] = value = self.value()
        else:
            parent.append(value := self.value())
        if not isinstance(value, (list, dict)):
            return False
        if len(stack) > MAX_DEPTH:
            raise WireError(f"JSON nested more than {MAX_DEPTH} deep")
        if self.closes(value):
            return False
        stack.append(value)
        return True

    def value(self) -> Any:
        """One value, with lists and dicts still empty."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise WireError(f"more than {MAX_NODES} JSON values")
        char = self.char()
        if char == "[":
            return []
        if char == "{":
            return {}
        if char == '"':
            return self.string()
        self.at -= 1
        return self.number_or_word()

    def number_or_word(self) -> Any:
        if number := _NUMBER.match(self.text, self.at):
            self.at = number.end()
            integer, fraction, exponent = number.groups()
            return float(number.group()) if fraction or exponent else int(integer)
        for word, value in _WORDS.items():
            if self.text.startswith(word, self.at):
                self.at += len(word)
                return value
        raise WireError("bad JSON value")

    def string(self) -> str:
        """The string whose opening quote was just read."""
        try:
            value, self.at = _scanstring(self.text, self.at, True)
        except ValueError:
            raise WireError("bad JSON string") from None
        return value

    def closes(self, container: list | dict) -> bool:
        """Whether the container ends at once (`[]`, `{}`), reading its end if so."""
        self.at = self.space_end()
        if self.text.startswith(_CLOSE[type(container)], self.at):
            self.at += 1
            return True
        return False

    def char(self) -> str:
        """The next character that is not white space."""
        self.at = self.space_end()
        if self.at >= len(self.text):
            raise WireError("truncated JSON")
        self.at += 1
        return self.text[self.at - 1]

    def space_end(self) -> int:
        """Where the white space from here ends (the pattern matches the empty string too)."""
        match = _SPACE.match(self.text, self.at)
        assert match is not None
        return match.end()

    def finish(self) -> None:
        if self.space_end() != len(self.text):
            raise WireError("bad JSON: data after the value")


class Unpacker:
    """Replaces each tensor reference in parsed JSON with a tensor over the next bytes of
    the blob: references must tile the blob exactly, in order, so the tensors built hold
    no more bytes than the frame (no two references can share bytes, none can reach past
    the end, no bytes are left over)."""

    def __init__(self, blob: memoryview) -> None:
        self.blob, self.cursor = blob, 0

    def unpack(self, value: Any) -> Any:
        # Recursion is safe here: JsonReader has already refused anything over MAX_DEPTH.
        # Replaced in place, so the data is not held twice.
        if isinstance(value, dict):
            if value.keys() == {TENSOR}:
                return self.tensor(value[TENSOR])
            for key, item in value.items():
                value[key] = self.unpack(item)  # same keys: the dict keeps its size
        elif isinstance(value, list):
            for index, item in enumerate(value):
                value[index] = self.unpack(item)
        return value

    def tensor(self, reference: Any) -> torch.Tensor:
        if not isinstance(reference, dict) or reference.keys() != {"dtype", "shape", "offset"}:
            raise WireError("a tensor reference is not {dtype, shape, offset}")
        dtype, shape, offset = checked_dtype(reference["dtype"]), checked_shape(reference["shape"]), reference["offset"]
        if type(offset) is not int or offset != self.cursor:
            raise WireError("a tensor's bytes do not follow the previous tensor's")
        size = math.prod(shape) * dtype.itemsize
        if size > len(self.blob) - offset:
            raise WireError("tensor outside the frame")
        self.cursor += size
        if size == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(bytearray(self.blob[offset : offset + size]), dtype=dtype).reshape(shape)

    def finish(self) -> None:
        if self.cursor != len(self.blob):
            raise WireError("bytes after the last tensor")


def checked_dtype(name: Any) -> torch.dtype:
    if not isinstance(name, str) or name not in DTYPES:
        raise WireError("unknown tensor dtype")
    return DTYPES[name]


def checked_shape(shape: Any) -> list[int]:
    """A shape whose element count is bounded even where a zero makes it empty: torch
    would otherwise be asked for the strides of a [0, 10**18, 10**18] tensor."""
    if not isinstance(shape, list) or len(shape) > MAX_DIMS:
        raise WireError("tensor shape not a list of at most MAX_DIMS sizes")
    if not all(type(n) is int and 0 <= n <= MAX_FRAME for n in shape):
        raise WireError("tensor size not an int in [0, MAX_FRAME]")
    if math.prod(max(n, 1) for n in shape) > MAX_FRAME:
        raise WireError("tensor shape too large")
    return shape


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
