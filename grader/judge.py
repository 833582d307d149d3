"""Step 3: compare each call's outcome with what the check expects, in the grader's process."""

from typing import Any

from grader.checks import Check
from grader.results import Feedback, Status
from grader.sandbox import Limits, Outcome
from grader.wire import to_device

OUT_OF_MEMORY = ("MemoryError", "can't allocate memory", "out of memory")


def verdict(check: Check, device: str, inputs: Any, outcome: Outcome) -> tuple[Status, Feedback | None]:
    if outcome.error is not None:
        return failure(check, outcome.error)
    try:
        inputs = to_device(inputs, device)
        feedback = check.judge(check, outcome.observation, check.expect(inputs, device), inputs)
    except Exception:
        # An observation that does not have the shape a probe gives (forged, or a bug):
        # never a pass.
        return Status.ERROR, Feedback("unreadable")
    return (Status.FAIL, feedback) if feedback else (Status.PASS, None)


def failure(check: Check, error: dict) -> tuple[Status, Feedback]:
    kind = error.get("kind", "unreadable")
    if kind in ("raised", "import_failed") and "type" in error:
        return raised(check, kind, error)
    if kind == "import_failed":
        cause = error.get("during", {})
        return Status.ERROR, Feedback(kind, {"module": check.module, "cause": cause.get("kind"), **cause})
    if kind.startswith("signal:"):
        return Status.ERROR, Feedback("crashed", {"signal": kind.removeprefix("signal:")})
    params = {key: value for key, value in error.items() if key != "kind"}
    return Status.ERROR, Feedback(kind, {"module": check.module, "function": check.function, **params})


def raised(check: Check, kind: str, error: dict) -> tuple[Status, Feedback]:
    name, message = str(error["type"]), str(error.get("message", ""))
    detail = str(error.get("traceback", ""))
    if name == "NotImplementedError" and kind == "raised":
        return Status.NOT_ATTEMPTED, Feedback("not_implemented")
    if kind == "import_failed":
        reason = f"{name}: {message}"
        return Status.ERROR, Feedback(kind, {"module": check.module, "reason": reason}, detail=detail)
    if name == "SystemExit":
        return Status.ERROR, Feedback("exited", detail=detail)
    if any(sign in f"{name}: {message}" for sign in OUT_OF_MEMORY):
        limit = f"{Limits().memory_bytes / 2**30:g} GiB"
        return Status.ERROR, Feedback("memory", {"limit": limit}, "out_of_memory", detail)
    feedback = Feedback("raised", {"type": name, "message": message}, check.misconception_of_error(message), detail)
    return Status.ERROR, feedback
