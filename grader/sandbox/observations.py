"""What a probe saw, as typed records, decoded from the child's plain data once, at the boundary.

The child describes values with `wire.describe` (dicts with a "kind"); here each is checked
and turned into a small record, so the judges match on types and never on dict keys. Data
that does not have the shape its probe gives raises `Malformed`: the grader says the child
sent something unreadable, for that call only.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


class Malformed(ValueError):
    """Data that no probe would have sent."""


@dataclass(frozen=True)
class TensorValue:
    """A real torch.Tensor (never a subclass), snapshotted on the CPU when it was returned."""

    data: torch.Tensor
    device: str
    """the device it was on, "cpu" or "cuda" """
    requires_grad: bool
    is_leaf: bool
    has_graph: bool
    """it has a grad_fn: it is attached to an autograd graph"""


@dataclass(frozen=True)
class Scalar:
    """A plain Python float, int, bool or (the head of a) str."""

    value: float | int | bool | str

    @property
    def type(self) -> str:
        return type(self.value).__name__


@dataclass(frozen=True)
class NoneValue:
    pass


@dataclass(frozen=True)
class SequenceValue:
    type: str
    """ "tuple" or "list" """
    items: tuple["Value", ...]


@dataclass(frozen=True)
class Opaque:
    """Any other object, known by its type's name only: it cannot claim to equal anything."""

    type: str


Value = TensorValue | Scalar | NoneValue | SequenceValue | Opaque


@dataclass(frozen=True)
class Repeated:
    """The same call made twice, on fresh copies of the same inputs."""

    value: Value
    """what the first call returned"""
    again: Value
    """what the second returned: a function without state returns the same"""


@dataclass(frozen=True)
class Backward:
    """The function called on leaves that require grad, then backward from what it returned
    with the grader's cotangent (when it was a tensor of the cotangent's shape that requires grad)."""

    returned: Value
    grads: SequenceValue
    """each leaf's .grad afterwards: the vector-Jacobian product the grader checks; None
    where backward did not reach it"""


@dataclass(frozen=True)
class Step:
    """An update step on leaves with their .grad set, then the grader's marker added in place to those leaves."""

    params: SequenceValue
    """the list passed in, as it stands after the step and the marker: the tensors passed in,
    updated in place, hold p - lr * grad + marker; anything else in their place lacks the marker"""
    grads: SequenceValue
    """the .grad of the tensors passed in, after the step"""


@dataclass(frozen=True)
class Zeroing:
    """backward, the function that zeroes the gradients, backward again."""

    after_zero: SequenceValue
    after_backward: SequenceValue


@dataclass(frozen=True)
class Axes:
    scatters: tuple[torch.Tensor, ...]
    """each an (n, 2) tensor of points drawn unjoined: a scatter, or plot(x, y, "o")"""
    lines: tuple[torch.Tensor, ...]
    """each an (n, 2) tensor of the points of a joined line"""
    images: tuple[torch.Tensor, ...] = ()
    """each image drawn with imshow, flattened (float64)"""
    title: str = ""


@dataclass(frozen=True)
class FigureDrawn:
    axes: tuple[Axes, ...]
    image: bytes | None
    """the figure as the student drew it, rendered in the child: a PNG (checked to be one)"""


@dataclass(frozen=True)
class NotAFigure:
    returned: Value


@dataclass(frozen=True)
class ModuleCall:
    """A function called with a torch module the probe built and set from the grader's recipe."""

    returned: Value
    """what came back (a module in it: the list of its parameters)"""
    params: SequenceValue
    """the module's parameters afterwards, in order"""
    grads: SequenceValue
    """their .grad afterwards"""
    forwards: tuple[tuple[bool, bool], ...]
    """at each forward of the module: (autograd was recording, the module was in training mode)"""
    training: bool
    """the module's mode afterwards"""


Observation = Value | Repeated | Backward | Step | Zeroing | FigureDrawn | NotAFigure | ModuleCall

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 4 * 2**20  # a 1200-pixel PNG of a plot is tens of KB

SCALARS = {"float": float, "int": int, "bool": bool, "str": str}


def value(data: Any) -> Value:
    kind = field(data, "kind", str)
    if kind == "tensor":
        return tensor_value(data)
    if kind in SCALARS:
        raw: float | int | bool | str = field(data, "value", SCALARS[kind])
        if type(raw) is not SCALARS[kind]:  # bool is an int, an int is no float: the kind must be exact
            raise Malformed(f"a {kind} holding {type(raw).__name__}")
        return Scalar(raw)
    if kind == "NoneType":
        return NoneValue()
    if kind in ("tuple", "list"):
        return SequenceValue(kind, tuple(value(item) for item in field(data, "items", list)))
    if kind == "object":
        return Opaque(field(data, "type", str)[:80])
    raise Malformed(f"unknown kind {kind[:40]!r}")


def tensor_value(data: dict) -> TensorValue:
    tensor = field(data, "data", torch.Tensor)
    flags = [field(data, name, bool) for name in ("requires_grad", "is_leaf", "has_graph")]
    return TensorValue(tensor, field(data, "device", str)[:20], *flags)


def field(data: Any, name: str, kind: type) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get(name), kind):
        raise Malformed(f"{name} is not a {kind.__name__}")
    return data[name]


def repeated(data: Any) -> Repeated:
    return Repeated(value(field(data, "value", dict)), value(field(data, "again", dict)))


def backward(data: Any) -> Backward:
    return Backward(value(field(data, "returned", dict)), sequence(field(data, "grads", dict)))


def step(data: Any) -> Step:
    return Step(sequence(field(data, "params", dict)), sequence(field(data, "grads", dict)))


def zeroing(data: Any) -> Zeroing:
    return Zeroing(sequence(field(data, "after_zero", dict)), sequence(field(data, "after_backward", dict)))


def sequence(data: Any) -> SequenceValue:
    found = value(data)
    if not isinstance(found, SequenceValue):
        raise Malformed("not a sequence")
    return found


def plot(data: Any) -> FigureDrawn | NotAFigure:
    figure = field(data, "figure", dict)
    if figure.get("kind") != "figure":
        return NotAFigure(value(figure))
    return FigureDrawn(tuple(axes(item) for item in field(data, "axes", list)), image(data.get("image")))


def image(data: Any) -> bytes | None:
    if data is None:
        return None
    if not (isinstance(data, torch.Tensor) and data.dtype == torch.uint8 and data.dim() == 1
            and data.numel() <= MAX_IMAGE_BYTES):
        raise Malformed("an image that is not a byte string of a bounded size")
    png = data.numpy().tobytes()
    if not png.startswith(PNG_SIGNATURE):
        raise Malformed("an image that is not a PNG")
    return png


def axes(data: Any) -> Axes:
    images = field(data, "images", list) if "images" in data else []
    if not all(isinstance(item, torch.Tensor) and item.dim() == 1 for item in images):
        raise Malformed("images that are not flat tensors")
    title = field(data, "title", str)[:200] if "title" in data else ""
    return Axes(points(field(data, "scatters", list)), points(field(data, "lines", list)),
                tuple(item.double() for item in images), title)


def flag_pair(pair: Value) -> tuple[bool, bool]:
    flags = pair.items if isinstance(pair, SequenceValue) else ()
    if not (len(flags) == 2 and all(isinstance(flag, Scalar) and type(flag.value) is bool for flag in flags)):
        raise Malformed("a forward that is not a pair of flags")
    return bool(flags[0].value), bool(flags[1].value)  # type: ignore[union-attr]


def module_call(data: Any) -> ModuleCall:
    flags = [flag_pair(pair) for pair in sequence(field(data, "forwards", dict)).items]
    training = value(field(data, "training", dict))
    if not (isinstance(training, Scalar) and type(training.value) is bool):
        raise Malformed("a mode that is not a flag")
    return ModuleCall(value(field(data, "returned", dict)), sequence(field(data, "params", dict)),
                      sequence(field(data, "grads", dict)), tuple(flags),
                      training.value)


def points(items: list) -> tuple[torch.Tensor, ...]:
    if not all(isinstance(item, torch.Tensor) and item.dim() == 2 and item.shape[1] == 2 for item in items):
        raise Malformed("points that are not (n, 2) tensors")
    return tuple(item.double() for item in items)


DECODERS: dict[str, Callable[[Any], Observation]] = {
    "call": repeated, "call_each": value, "call_replacing": value, "backward": backward, "step_in_place": step,
    "zero_between_backwards": zeroing, "figure": plot, "module_call": module_call,
}


def decode(probe: str, data: Any) -> Observation:
    """The observation of `probe`, or Malformed."""
    return DECODERS[probe](data)
