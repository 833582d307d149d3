"""The zygote's frames, decoded into typed events and checked against what the job may say.

Every frame is tagged by the zygote: b"Z" for its own events (ready, end of a job), b"C"
for a frame its child sent, passed on unread. A child may only say that it is loading or
has loaded a module of its job, or give the result of one of its job's calls; anything
else it sends (another kind of event, an index of another call, an error the child
cannot have, data its probe would not give) becomes an UNREADABLE result for that call,
or is ignored, and never raises.
"""

from dataclasses import dataclass
from typing import Any

from grader.sandbox import wire
from grader.sandbox.observations import Malformed
from grader.sandbox.observations import decode as decode_observation
from grader.sandbox.records import CHILD_TAG, OUTPUT_TAG, ZYGOTE_TAG, Call, CallError, ErrorKind, ExceptionInfo, Outcome

# what the worker itself reports; the rest are decided by the zygote or here
CHILD_ERRORS = {ErrorKind.RAISED, ErrorKind.IMPORT_FAILED, ErrorKind.MISSING_FUNCTION, ErrorKind.MISSING_MODULE,
                ErrorKind.UNSENDABLE}
ZYGOTE_REASONS = {ErrorKind.TIMEOUT, ErrorKind.OUTPUT_FLOOD, ErrorKind.DISK_LIMIT, ErrorKind.OVERSIZED,
                  ErrorKind.KILLED, ErrorKind.CPU_LIMIT, ErrorKind.CRASHED}


@dataclass(frozen=True)
class Ready:
    """The zygote has imported torch and waits for jobs."""

    missing: tuple[str, ...]
    """the defences its children go without here ("own_uid", "landlock", "seccomp")"""


@dataclass(frozen=True)
class End:
    """The zygote ended a job: its child is gone."""

    reason: ErrorKind | None
    """None: the child ended by itself"""
    signal: str
    printed: int
    """how many bytes the child printed in all"""


@dataclass(frozen=True)
class Printed:
    """Bytes the child printed, as they came (the head of its output only)."""

    data: bytes


@dataclass(frozen=True)
class Loading:
    module: str


@dataclass(frozen=True)
class Loaded:
    module: str


@dataclass(frozen=True)
class Result:
    index: int
    outcome: Outcome


@dataclass(frozen=True)
class Ignored:
    """A frame that says nothing this job may say (forged, or from a broken child)."""


Event = Ready | End | Printed | Loading | Loaded | Result | Ignored


def decode(payload: bytes, calls: list[Call]) -> Event:
    tag, body = payload[:1], payload[1:]
    if tag == OUTPUT_TAG:
        return Printed(body)
    try:
        data = wire.decode(body)
    except wire.WireError:
        data = None
    if not isinstance(data, dict):
        return Ignored()
    if tag == ZYGOTE_TAG:
        return zygote_event(data)
    return child_event(data, calls) if tag == CHILD_TAG else Ignored()


def zygote_event(data: dict) -> Event:
    kind = data.get("event")
    if kind == "ready":
        missing = data.get("missing")
        return Ready(tuple(str(item)[:20] for item in missing[:10]) if isinstance(missing, list) else ())
    if kind == "end":
        reason = data.get("reason")
        known = reason in {k.value for k in ZYGOTE_REASONS}
        printed = data.get("printed")
        count = printed if type(printed) is int else 0
        return End(ErrorKind(reason) if known else None, text(data.get("signal"), 20), count)
    return Ignored()


def child_event(data: dict, calls: list[Call]) -> Event:
    kind, modules = data.get("event"), {call.module for call in calls}
    if kind in ("loading", "loaded") and data.get("module") in modules:
        return Loading(data["module"]) if kind == "loading" else Loaded(data["module"])
    by_index = {call.index: call for call in calls}
    index = data.get("index")
    if kind != "result" or type(index) is not int or index not in by_index:
        return Ignored()
    return Result(index, outcome(data, by_index[index]))


def outcome(data: dict, call: Call) -> Outcome:
    try:
        if data.get("error") is not None:
            return Outcome(error=call_error(data["error"]))
        return Outcome(observation=decode_observation(call.probe, data.get("observation")))
    except Malformed as problem:
        return Outcome(error=CallError(ErrorKind.UNREADABLE, reason=str(problem)[:200]))


def call_error(data: Any) -> CallError:
    kinds = {kind.value: kind for kind in CHILD_ERRORS}
    if not isinstance(data, dict) or data.get("kind") not in kinds:
        raise Malformed("an error the child cannot report")
    exception = None
    if isinstance(data.get("type"), str):
        exception = ExceptionInfo(data["type"][:80], text(data.get("message"), 600), text(data.get("traceback"), 3000))
    return CallError(kinds[data["kind"]], exception)


def text(value: Any, limit: int = wire.OUTPUT_KEEP + 100) -> str:
    return value[:limit] if isinstance(value, str) else ""
