"""Step 3: compare each call's outcome with what the check expects, in the grader's process."""

import traceback
from typing import Any

from grader.checks import Check
from grader.judge.compare import same_value
from grader.judge.errors import error_feedback
from grader.results import Feedback, Status
from grader.sandbox.host import Limits
from grader.sandbox.observations import Observation, Repeated
from grader.sandbox.records import DISK_BYTES, DISK_ENTRIES, CallError, ErrorKind, ExceptionInfo, Outcome
from grader.sandbox.wire import to_device

OUT_OF_MEMORY = ("MemoryError", "can't allocate memory", "out of memory")
Verdict = tuple[Status, Feedback | None]


def verdict(check: Check, device: str, inputs: Any, outcome: Outcome) -> Verdict:
    if outcome.error is not None:
        return failure(check, outcome.error)
    try:
        inputs = to_device(inputs, device)
        feedback = judged(check, outcome.observation, check.expect(inputs, device), inputs)
    except Exception:  # a bug in the grader: kept for the instructor, never the student's fault
        return Status.ERROR, Feedback("grader_error", debug=traceback.format_exc())
    return (Status.FAIL, feedback) if feedback else (Status.PASS, None)


def judged(check: Check, observation: Observation | None, expected: Any, inputs: Any) -> Feedback | None:
    """The check's judgement; of a call made twice, the first answer's, then whether the second agrees."""
    if not isinstance(observation, Repeated):
        return check.judge(check, observation, expected, inputs)
    found = check.judge(check, observation.value, expected, inputs)
    if found is None and not same_value(observation.value, observation.again):
        return Feedback("answer_changed", {"first": observation.value, "again": observation.again}, "keeps_state")
    return found


def failure(check: Check, error: CallError) -> Verdict:
    if error.exception is not None:
        return raised(check, error.kind, error.exception)
    return Status.ERROR, described(check, error)


def described(check: Check, error: CallError) -> Feedback:
    """The feedback for an error that is not an exception of the student's."""
    crash = error.kind.is_crash
    match error.kind:
        case ErrorKind.IMPORT_FAILED:
            cause = described(check, error.cause) if error.cause else Feedback(ErrorKind.EXITED.value)
            return Feedback("import_failed", {"module": check.module}, cause=cause, crash=cause.crash)
        case ErrorKind.CRASHED:
            return Feedback("crashed", {"signal": error.signal}, crash=crash)
        case ErrorKind.TIMEOUT:
            return Feedback("timeout", {"seconds": error.seconds}, crash=crash)
        case ErrorKind.OUTPUT_FLOOD:
            return Feedback("output_flood", {"limit": f"{error.limit_bytes // 1024} KiB"}, crash=crash)
        case ErrorKind.MISSING_FUNCTION:
            return Feedback("missing_function", {"module": check.module, "function": check.function})
        case ErrorKind.SKIPPED_AFTER_TIMEOUT:
            return Feedback("skipped_after_timeout", {"function": check.function}, crash=crash)
        case ErrorKind.MISSING_MODULE:
            return Feedback("missing_module", {"module": check.module})
        case ErrorKind.DISK_LIMIT:
            return Feedback("disk_limit", {"limit": f"{DISK_BYTES // 2**20} MiB", "entries": DISK_ENTRIES}, crash=crash)
        case ErrorKind.UNREADABLE:
            return Feedback("unreadable", crash=crash, debug=error.reason)
    return Feedback(error.kind.value, crash=crash)


def raised(check: Check, kind: ErrorKind, error: ExceptionInfo) -> Verdict:
    name, message, detail = error.type, error.message, error.traceback
    if name == "NotImplementedError" and kind is ErrorKind.RAISED:
        return Status.NOT_ATTEMPTED, Feedback("not_implemented")
    if kind is ErrorKind.IMPORT_FAILED:
        reason = Feedback("exception", {"type": name, "message": message})
        return Status.ERROR, Feedback("import_failed", {"module": check.module}, detail=detail, cause=reason)
    if name == "SystemExit":
        return Status.ERROR, Feedback("exited", detail=detail, crash=True)
    if any(sign in f"{name}: {message}" for sign in OUT_OF_MEMORY):
        limit = f"{Limits().memory_bytes / 2**30:g} GiB"
        return Status.ERROR, Feedback("memory", {"limit": limit}, "out_of_memory", detail, crash=True)
    mistake = check.misconception_of_error(message)
    feedback = Feedback("raised", {"type": name, "message": message}, mistake, detail)
    return Status.ERROR, (None if mistake else error_feedback(name, message, detail, check.script_names)) or feedback
