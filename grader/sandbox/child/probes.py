"""Probes: the small scenarios the worker runs against a student's function.

Each probe calls the function on inputs that the grader made and returns plain data
(`wire.describe`) about what happened. Probes only observe; every judgement happens in
the grader's own process. They hold no expected answers; `call_replacing` runs the
stand-ins the grader sends it (public ones, written from the docstrings, never the
reference: to find which helper breaks a function that calls helpers).
"""

import io
import types
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import torch
from matplotlib import pyplot
from matplotlib.figure import Figure
from torch.utils.data import DataLoader, TensorDataset

from grader.sandbox.child.fonts import with_cjk_fallback
from grader.sandbox.wire import describe

Probe = Callable[[Callable, dict], Any]
IMAGE_DPI, MAX_IMAGE_PIXELS = 72, 1200
MAX_IMAGES, MAX_PIXELS = 20, 4096  # of a figure's imshow images, as the checks read them


class MissingFunction(Exception):
    """The submission's module has no function of the graded name."""


def student_function(module: object, name: str) -> Callable:
    function = getattr(module, name, None)
    if not callable(function):
        raise MissingFunction(name)
    return function


def leaf(value: torch.Tensor) -> torch.Tensor:
    return value.detach().clone().requires_grad_(True)


def call(function: Callable, inputs: dict) -> dict:
    """Twice, on fresh copies of the inputs: a function that keeps state (a leaf at module
    level whose grad accumulates, a cache) answers differently the second time."""
    with autograd_switch(inputs):
        value = describe(function(*copied(inputs["args"]), **inputs.get("kwargs", {})))
        again = describe(function(*copied(inputs["args"]), **inputs.get("kwargs", {})))
    return {"value": value, "again": again}


def copied(args: list) -> list:
    return [arg.detach().clone().requires_grad_(arg.requires_grad) if isinstance(arg, torch.Tensor) else arg
            for arg in args]


def call_replacing(function: Callable, inputs: dict) -> Any:
    """The function with some of the helpers it calls replaced by the grader's stand-ins
    (sources it sent), or, where "call" names one, that stand-in, calling the student's other
    helpers: which helpers break a caller that is right?"""
    called = replacing(function, inputs)
    return describe(called(*inputs["args"], **inputs.get("kwargs", {})))


def replacing(function: Callable, inputs: dict) -> Callable:
    """The function reading the grader's stand-ins (sources in "replace") in place of the
    helpers of those names; or, where "call" names one, that stand-in. The student's other
    functions read them too: a helper that calls a helper calls the stand-in, so a trial
    runs no student code but the function it tries."""
    student = function.__globals__
    namespace = dict(student)
    for source in inputs["replace"]:
        exec(compile(source, "<stand-in>", "exec"), namespace)
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__globals__ is student:
            namespace[name] = rebound(value, namespace)
    return namespace[inputs["call"]] if "call" in inputs else rebound(function, namespace)


def rebound(function: Callable, namespace: dict) -> Callable:
    """The function, reading its global names from `namespace`."""
    copy = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                              function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def call_each(function: Callable, inputs: dict) -> dict:
    with autograd_switch(inputs):
        return describe([function(*args) for args in inputs["cases"]])


def autograd_switch(inputs: dict) -> AbstractContextManager:
    """Checks of by-hand derivatives run with autograd off: a backward there must fail."""
    return torch.no_grad() if inputs.get("no_grad") else nullcontext()


def with_leaves(inputs: dict) -> list:
    """The arguments, those listed in "leaves" made leaves that require grad."""
    return [leaf(arg) if index in inputs.get("leaves", ()) else arg for index, arg in enumerate(inputs["args"])]


def backward(function: Callable, inputs: dict) -> dict:
    """The function on leaves, then backward from what it returned with the grader's random
    cotangent (where the shapes agree): the leaves' gradients are the evidence that it is
    attached to the graph, checked in the grader against its own computation."""
    args = with_leaves(inputs)
    returned = function(*args)
    cotangent = inputs["cotangent"]
    if isinstance(returned, torch.Tensor) and returned.requires_grad and returned.shape == cotangent.shape:
        # the gradients of backward(cotangent), without its first call's import of sympy (0.3 s a child)
        (returned * cotangent).sum().backward()
    return {"returned": describe(returned), "grads": describe([args[index].grad for index in inputs["leaves"]])}


def step_in_place(function: Callable, inputs: dict) -> dict:
    """An update step on leaves with their .grad set; then the grader's marker is added in place to
    the tensors the probe made, and the list is described as it stands: only those tensors,
    updated in place and still in the list, carry both the step and the marker."""
    params = [leaf(value) for value in inputs["params"]]
    originals = list(params)
    for param, grad in zip(params, inputs["grads"]):
        param.grad = grad.clone()
    function(params, inputs["lr"])
    with torch.no_grad():
        for original, mark in zip(originals, inputs["marker"]):
            original.add_(mark)
    return {"params": describe(params), "grads": describe([p.grad for p in originals])}


def zero_between_backwards(function: Callable, inputs: dict) -> dict:
    """Backward once, the function (which should zero the gradients), backward again, all on
    the tensors the probe made (the function may empty or refill the list it is given): the
    second gradients must not include the first."""
    params = [leaf(value) for value in inputs["params"]]
    originals = list(params)
    linear_form(originals, inputs["first"]).backward()
    function(params)
    after_zero = describe([p.grad for p in originals])
    linear_form(originals, inputs["second"]).backward()
    return {"after_zero": after_zero, "after_backward": describe([p.grad for p in originals])}


def linear_form(params: list[torch.Tensor], coefficients: list[torch.Tensor]) -> torch.Tensor:
    """sum(c * p): its gradient with respect to p is exactly c."""
    return torch.stack([(c * p).sum() for p, c in zip(params, coefficients)]).sum()


def figure(function: Callable, inputs: dict) -> dict:
    """What a function that returns a matplotlib Figure drew: each axes' points and lines,
    and, where asked, the figure rendered as a PNG."""
    drawn = function(*with_leaves(inputs))
    if not isinstance(drawn, Figure):
        return {"figure": describe(drawn)}
    axes = [
        {
            "scatters": [points(c.get_offsets()) for c in ax.collections]
            + [points(line.get_xydata()) for line in ax.lines if not joined(line)],
            "lines": [points(line.get_xydata()) for line in ax.lines if joined(line)],
            "images": [pixels(shown) for shown in ax.images[:MAX_IMAGES]],
            "title": str(ax.get_title())[:200],
        }
        for ax in sorted(drawn.axes, key=lambda ax: ax.get_position().x0)  # left to right, whatever order made them
    ]
    image = rendered(drawn) if inputs.get("render") else None  # for the page: once, on the lesson's data
    pyplot.close(drawn)
    return {"figure": {"kind": "figure"}, "axes": axes, "image": image}


def rendered(figure: Figure) -> torch.Tensor | None:
    """The figure as the student drew it, a PNG (its bytes as a uint8 tensor), at most
    MAX_IMAGE_PIXELS wide or high; None where it does not render (the checks read the data)."""
    width, height = figure.get_size_inches()
    dpi = min(IMAGE_DPI, MAX_IMAGE_PIXELS / max(width, height, 1e-3))
    buffer = io.BytesIO()
    try:
        with with_cjk_fallback():  # the tutorial's SimHei, where it is missing: not boxes
            figure.savefig(buffer, format="png", dpi=dpi)
    except Exception:
        return None
    return torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8)


def joined(line: Any) -> bool:
    """plot(x, y, "o") draws markers with no line between them: points, as a scatter."""
    return line.get_linestyle() not in ("None", "none", "", " ")


def points(xy: Any) -> torch.Tensor:
    return torch.from_numpy(np.asarray(xy, dtype=np.float64).reshape(-1, 2).copy())


def pixels(shown: Any) -> torch.Tensor:
    """What an imshow drew: its array, as float64 (at most MAX_PIXELS values)."""
    array = np.ma.getdata(shown.get_array())
    return torch.from_numpy(np.asarray(array, dtype=np.float64).reshape(-1)[:MAX_PIXELS].copy())


def module_call(function: Callable, inputs: dict) -> dict:
    """The function called with a torch module the probe builds from the grader's recipe
    ("build": the named layers of torch.nn in sequence, or "class": a class of the student's
    module, or "<function>" the graded one, with its arguments; after torch.manual_seed where
    it gives a "seed"), its parameters set to the grader's ("state"), its .grad to stale
    values where given, in training mode unless "training" is false; "<model>", "<optimizer>"
    (torch.optim's, by name), "<loss>" (torch.nn's, by name) and {"loader": [x, y,
    batch_size]} (a DataLoader, in order) stand for them among the arguments; "invoke":
    "<model>" calls the module itself, then backward from what it returned with the grader's
    "cotangent". What it sees: what came back (a module in it as its parameters), the
    parameters and their .grad afterwards, and at each forward of the model whether autograd
    was recording and whether the model was in training mode."""
    model = built(function, inputs)
    forwards: list[list[bool]] = []
    model.register_forward_pre_hook(lambda module, args: forwards.append([torch.is_grad_enabled(), module.training]))
    optimizer = optimizer_for(model, inputs.get("optimizer"))
    loss = getattr(torch.nn, inputs["loss"][0])(**inputs["loss"][1]) if "loss" in inputs else None
    stand_ins = {"<model>": model, "<optimizer>": optimizer, "<loss>": loss}
    args = [argument(arg, stand_ins) for arg in inputs.get("args", [])]
    callee = model if inputs.get("invoke") == "<model>" else function
    returned = callee(*args)
    cotangent = inputs.get("cotangent")
    if isinstance(returned, torch.Tensor) and returned.requires_grad and cotangent is not None \
            and returned.shape == cotangent.shape:
        returned.backward(cotangent)
    params = list(model.parameters())
    return {"returned": describe(as_data(returned)), "params": describe([p.detach() for p in params]),
            "grads": describe([p.grad for p in params]), "forwards": describe(forwards),
            "training": describe(model.training)}


def built(function: Callable, inputs: dict) -> torch.nn.Module:
    recipe = inputs["build"]
    if "seed" in recipe:
        torch.manual_seed(recipe["seed"])
    if "class" in recipe:
        model = function.__globals__[recipe["class"]](*recipe.get("args", [])) if recipe["class"] != "<function>" \
            else function(*recipe.get("args", []))
    else:
        model = torch.nn.Sequential(*(getattr(torch.nn, name)(*args) for name, args in recipe["layers"]))
    model = model.to(device_of(inputs))
    state = inputs.get("state")
    if state is not None:
        with torch.no_grad():
            for param, value in zip(model.parameters(), state):
                param.copy_(value)
    for param, stale in zip(model.parameters(), inputs.get("stale", [])):
        param.grad = stale.clone()
    return model.train(inputs.get("training", True))


def device_of(inputs: dict) -> torch.device:
    """Where the call's tensors are (the inputs were moved to the call's device)."""
    found = [*inputs.get("state", []), *(a for a in inputs.get("args", []) if isinstance(a, torch.Tensor))]
    return found[0].device if found else torch.device("cpu")


def optimizer_for(model: torch.nn.Module, recipe: list | None) -> torch.optim.Optimizer | None:
    return None if recipe is None else getattr(torch.optim, recipe[0])(model.parameters(), **recipe[1])


def argument(arg: Any, stand_ins: dict) -> Any:
    if isinstance(arg, str) and arg in stand_ins:
        return stand_ins[arg]
    if isinstance(arg, dict) and "loader" in arg:
        x, y, batch_size = arg["loader"]
        return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False)
    return arg


def as_data(value: Any) -> Any:
    """A module as the list of its parameters (as plain tensors); in a tuple or list, each item so."""
    if isinstance(value, torch.nn.Module):
        return [p.detach() for p in value.parameters()]
    if type(value) in (tuple, list):
        return type(value)(as_data(item) for item in value)
    return value


PROBES: dict[str, Probe] = {
    probe.__name__: probe
    for probe in (call, call_each, call_replacing, backward, step_in_place, zero_between_backwards, figure,
                  module_call)
}
