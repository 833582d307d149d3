"""The child that runs one submission: load its modules, run each call's probe, report.

Runs in a process forked for this submission alone. Everything it sends back goes
through `wire`, as events: the import of a module begins and ends, a call's result.
"""

import linecache
import os
import sys
import threading
import traceback
import types
from typing import Any

import torch

from grader.sandbox import frames, wire
from grader.sandbox.child import probes
from grader.sandbox.records import ErrorKind


def run(job: dict, events_fd: int, tag: bytes = b"") -> None:
    """Every call of `job`, its events sent on `events_fd` as frames, each begun with `tag`."""
    torch.set_num_threads(1)  # a forked child using several threads can deadlock
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    modules: dict[str, Any] = {}
    for call in job["calls"]:
        name = call["module"]
        if name not in modules:
            send(events_fd, tag, {"event": "loading", "module": name})
            modules[name] = load_module(name, job["sources"].get(name))
            send(events_fd, tag, {"event": "loaded", "module": name})
        # Calls run in the job's order: the grader knows which one died from the results.
        send(events_fd, tag, {"event": "result", "index": call["index"], **run_call(modules[name], call)})


def warm_up() -> None:
    """Pay once, here, the first-use costs every child would otherwise pay: autograd's
    first backward, matplotlib's first figure and fonts (single-threaded, no CUDA)."""
    from matplotlib.figure import Figure

    leaf = torch.ones(3, requires_grad=True)
    ((leaf * 2) ** 2).mean().backward()
    figure = Figure()
    axes = figure.subplots(1, 2)[0]
    axes.scatter([0, 1], [0, 1], label="x")
    axes.plot([0, 1], [1, 0])
    axes.legend()
    figure.canvas.draw()


def send(fd: int, tag: bytes, event: dict) -> None:
    try:
        payload = wire.encode(event)
    except Exception as error:
        payload = wire.encode({**event, **unsendable(error)})
    write_frame(fd, tag + payload)


WRITING = threading.Lock()  # the portable worker writes frames from two threads


def write_frame(fd: int, payload: bytes) -> None:
    with WRITING:
        frames.write_all(fd, frames.frame(payload))


def unsendable(error: BaseException) -> dict:
    return {"observation": None, "error": {"kind": ErrorKind.UNSENDABLE.value, "type": type(error).__name__}}


def load_module(name: str, source: str | None) -> types.ModuleType | dict:
    """The module, or an error dict that every call of this module will report."""
    if source is None:
        return {"kind": ErrorKind.MISSING_MODULE.value}
    filename = f"{name}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    except BaseException as error:
        return {"kind": ErrorKind.IMPORT_FAILED.value, **describe_error(error)}
    return module


def run_call(module: types.ModuleType | types.SimpleNamespace | dict, call: dict) -> dict:
    if isinstance(module, dict):
        return {"error": module}
    try:
        function = probes.student_function(module, call["function"])
        inputs = wire.to_device(call["inputs"], call["device"])
        if "replace" in inputs and call["probe"] != "call_replacing":  # a blame trial of another probe
            function = probes.replacing(function, inputs)
        return {"observation": probes.PROBES[call["probe"]](function, inputs)}
    except probes.MissingFunction:
        return {"error": {"kind": ErrorKind.MISSING_FUNCTION.value}}
    except BaseException as error:
        return {"error": {"kind": ErrorKind.RAISED.value, **describe_error(error)}}


def describe_error(error: BaseException) -> dict:
    """The exception as the student should see it: their own frames only."""
    try:
        message = str(error)[:600]
    except Exception:
        message = ""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if is_student_file(f.filename)]
    return {
        "type": wire.type_name(error),
        "message": message,
        "traceback": "".join(traceback.format_list(frames))[-3000:],
    }


def is_student_file(filename: str) -> bool:
    return os.sep not in filename and filename.endswith(".py")
