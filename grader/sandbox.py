"""Run a submission's calls in the zygote's children, and decide what each call came to.

The grader side of the isolation: it starts `grader.zygote` (inside bubblewrap when it
is installed, with the hidden paths covered by empty tmpfs mounts), sends a job, reads
the events back and, when a child hangs, crashes or exits, blames the call or the
module import that was running and sends the calls left in a fresh child.
"""

import os
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import wire
from grader.spawn import spawn_zygote


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 5.0
    job_seconds: float = 120.0
    memory_bytes: int = 2**30
    output_bytes: int = 2**20
    file_bytes: int = 2**20


@dataclass(frozen=True)
class Call:
    index: int
    module: str
    function: str
    probe: str
    device: str
    inputs: Any


@dataclass(frozen=True)
class Outcome:
    """What one call came to: an observation, or an error dict (its "kind" names it)."""

    observation: Any = None
    error: dict | None = None


@dataclass
class Run:
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    output: str = ""

    def add_output(self, text: str) -> None:
        """Keep the head of what the submission printed, over all its children."""
        if len(self.output) < wire.OUTPUT_KEEP:
            self.output += text[: wire.OUTPUT_KEEP - len(self.output)]


WORKER_LOST = {"kind": "worker_lost"}
ZYGOTE, ZYGOTE_EVENTS, CHILD_EVENTS = b"Z", {"ready", "end"}, {"loading", "loaded", "result"}


class SandboxError(RuntimeError):
    """The worker could not be started at all, or the sandbox was closed while in use."""


class Sandbox:
    """One zygote; `run` grades one submission at a time through it."""

    def __init__(
        self, hidden: list[Path] | None = None, limits: Limits = Limits(), process: subprocess.Popen | None = None
    ) -> None:
        self.hidden, self.limits = hidden, limits
        self.process, self.ready, self.closed = process, False, False

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def shut(self) -> None:
        """Close for good (say, on Ctrl-C): a run in flight ends instead of starting afresh."""
        self.closed = True
        self.close()

    def start(self, attempts: int = 2) -> None:
        """Wait for the zygote to say it is ready, spawning it first if needed (and once
        more if it died while starting: killed from outside, say)."""
        if self.closed:
            raise SandboxError("the sandbox was closed")
        if self.process is None:
            self.process = spawn_zygote(self.hidden)
        self.reader, self.frames = wire.FrameReader(), []
        if self.next_event(deadline=time.monotonic() + 120) is not None:
            self.ready = True
            return
        self.process.log.seek(0)
        problem = self.process.log.read().decode(errors="replace")[-2000:]
        self.close()
        if attempts <= 1:
            raise SandboxError(f"the grading worker did not start:\n{problem}")
        self.start(attempts - 1)

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout, self.process.log):
                stream.close()
            self.process, self.ready = None, False

    def run(self, sources: dict[str, str | None], calls: list[Call]) -> Run:
        """Every call's outcome. If the worker itself was lost (killed from outside), the
        submission is graded again from the start in a fresh one, never lost."""
        result = self.run_once(sources, calls)
        if any(outcome.error == WORKER_LOST for outcome in result.outcomes.values()):
            result = self.run_once(sources, calls)
        return result

    def run_once(self, sources: dict[str, str | None], calls: list[Call]) -> Run:
        result = Run()
        deadline = time.monotonic() + self.limits.job_seconds
        pending = sorted(calls, key=on_cuda)  # CPU calls first: their child gets a memory cap
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                blame_all(pending, {"kind": "timeout", "seconds": self.limits.job_seconds}, result)
                break
            self.run_job(sources, [call for call in pending if on_cuda(call) == on_cuda(pending[0])], remaining, result)
            skip_after_timeout(calls, result)
            pending = [call for call in pending if call.index not in result.outcomes]
        return result

    def run_job(self, sources: dict, calls: list[Call], seconds: float, result: Run) -> None:
        """One child: record its results; if it died early, blame what it was doing."""
        if not self.ready:
            self.start()
        limits = {**self.limits.__dict__, "job_seconds": seconds}
        job = {"sources": sources, "calls": [call.__dict__ for call in calls], "limits": limits}
        wire.write_all(self.process.stdin.fileno(), wire.frame(wire.encode(job)))
        importing: str | None = None
        while (event := self.next_event(deadline=time.monotonic() + seconds + 30)) is not None:
            kind = event.get("event")
            if kind == "end":
                result.add_output(str(event.get("output", "")))
                break
            if kind in ("loading", "loaded"):
                importing = str(event.get("module")) if kind == "loading" else None
            elif kind == "result" and event.get("index") in {call.index for call in calls}:
                result.outcomes[event["index"]] = Outcome(event.get("observation"), event.get("error"))
        else:
            self.close()  # the zygote itself died or hung: start afresh next time
            event = {"reason": WORKER_LOST["kind"]}
        blame(importing, calls, failure(event, self.limits), result)

    def next_event(self, deadline: float) -> dict | None:
        """The next frame from the zygote, or None if it ended or passed the deadline."""
        while not self.frames:
            remaining = deadline - time.monotonic()
            fd = self.process.stdout.fileno()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            self.frames.extend(self.reader.feed(chunk))
        payload = self.frames.pop(0)
        try:
            event = wire.decode(payload[1:])
        except Exception:
            return {"event": "unreadable"}
        return event if well_formed(payload[:1], event) else {"event": "unreadable"}


def well_formed(tag: bytes, event: Any) -> bool:
    """Only the zygote may say a job ended; a child may only report its own progress."""
    if not isinstance(event, dict) or not isinstance(event.get("index", 0), int):
        return False
    own = ZYGOTE_EVENTS if tag == ZYGOTE else CHILD_EVENTS
    return event.get("event") in own

def on_cuda(call: Call) -> bool:
    """CUDA cannot start under an address-space cap, so CUDA calls run in a child of their own."""
    return call.device != "cpu"


def failure(end: dict, limits: Limits) -> dict:
    reason = end.get("reason") or "exited"
    if reason == "timeout":
        return {"kind": "timeout", "seconds": limits.call_seconds}
    if reason == "output_flood":
        return {"kind": "output_flood", "limit": f"{limits.output_bytes // 1024} KiB"}
    return {"kind": reason}


def blame(importing: str | None, calls: list[Call], error: dict, result: Run) -> None:
    """If the child ended early, the first unfinished call fails; if it ended while
    importing a module, every call of that module does."""
    unfinished = [call for call in calls if call.index not in result.outcomes]
    if importing is None:
        blame_all(unfinished[:1], error, result)
    else:
        module_calls = [call for call in unfinished if call.module == importing]
        blame_all(module_calls, {"kind": "import_failed", "during": error}, result)


def skip_after_timeout(calls: list[Call], result: Run) -> None:
    """A function that hung once would hang again: its other checks are not run."""
    hung = {c.function for c in calls if timed_out(result.outcomes.get(c.index))}
    blame_all([c for c in calls if c.function in hung], {"kind": "skipped_after_timeout"}, result)


def timed_out(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.error is not None and outcome.error.get("kind") == "timeout"


def blame_all(calls: list[Call], error: dict, result: Run) -> None:
    for call in calls:
        result.outcomes.setdefault(call.index, Outcome(error=error))
