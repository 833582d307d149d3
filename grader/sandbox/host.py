"""Run a submission's calls in the zygote's children, and decide what each call came to.

The grader side of the isolation: it starts the zygote (`spawn`), sends a job, decodes
what comes back into typed events (only what that job may say), and, when a child
hangs, crashes or exits, blames the call or the module import that was running and
sends the calls left in a fresh child.
"""

import hashlib
import time
from dataclasses import asdict, dataclass, field

from grader.sandbox import events, wire
from grader.sandbox.child.host_os import CALL_SECONDS, not_dumpable
from grader.sandbox.events import End, Loading, Result
from grader.sandbox.records import Call, CallError, ErrorKind, Outcome
from grader.sandbox.spawn import Worker, spawn_worker

START_ATTEMPTS = 2  # a zygote killed from outside while it starts gets one more try
START_SECONDS = 120.0
CUT = "\n[… output truncated]"


@dataclass(frozen=True)
class Limits:
    call_seconds: float = CALL_SECONDS
    """the CPU time one call may use (sandbox/child/host_os.CallBudget)"""
    job_seconds: float = 120.0
    memory_bytes: int = 2**30
    output_bytes: int = 2**20
    file_bytes: int = 2**20


@dataclass
class Run:
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    printed: bytearray = field(default_factory=bytearray)
    """the head of what the submission printed, over all its children"""
    cut: bool = False
    """it printed more than that"""

    def add_output(self, data: bytes) -> None:
        room = wire.OUTPUT_KEEP - len(self.printed)
        self.printed += data[:room]
        self.cut = self.cut or len(data) > room

    @property
    def output(self) -> str:
        if not self.cut:
            return self.printed.decode("utf-8", "replace")
        return self.printed.decode("utf-8", "replace")[: wire.OUTPUT_KEEP - len(CUT)] + CUT

    def lost_worker(self) -> bool:
        return any(o.error is not None and o.error.kind is ErrorKind.WORKER_LOST for o in self.outcomes.values())


class SandboxError(RuntimeError):
    """The worker could not be started at all, or the sandbox was closed while in use."""


class Sandbox:
    """One zygote; `run` grades one submission at a time through it."""

    def __init__(self, limits: Limits = Limits(), zygote: Worker | None = None) -> None:
        self.limits = limits
        self.zygote = zygote  # spawned but maybe not ready yet; None: not spawned
        self.ready = False
        self.missing: tuple[str, ...] = ()  # defences the children go without on this machine
        self.closed = False  # for good: a run in flight ends instead of starting afresh

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def shut(self) -> None:
        """Close for good (say, on Ctrl-C)."""
        self.closed = True
        self.close()

    def start(self) -> None:
        """Wait for the zygote to say it is ready, spawning it first if needed."""
        not_dumpable()  # the children run beside this process: they may not read or trace it
        problem = ""
        for _ in range(START_ATTEMPTS):
            if self.closed:
                raise SandboxError("the sandbox was closed")
            zygote = self.zygote = self.zygote or spawn_worker()
            if isinstance(ready := self.next_event(time.monotonic() + START_SECONDS, []), events.Ready):
                self.ready, self.missing = True, ready.missing
                return
            problem = zygote.stderr_tail()
            self.close()
        raise SandboxError(f"the grading worker did not start:\n{problem}")

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.kill()
            self.zygote, self.ready = None, False

    def run(self, sources: dict[str, str | None], calls: list[Call]) -> Run:
        """Every call's outcome. If the worker itself was lost (killed from outside), the
        submission is graded again from the start in a fresh one, never lost."""
        result = self.run_once(sources, calls)
        return self.run_once(sources, calls) if result.lost_worker() else result

    def run_once(self, sources: dict[str, str | None], calls: list[Call]) -> Run:
        result = Run()
        deadline = time.monotonic() + self.limits.job_seconds
        pending = sorted(calls, key=on_cuda)  # CPU calls first: their child gets a memory cap
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                blame_all(pending, CallError(ErrorKind.TIMEOUT, seconds=self.limits.job_seconds), result)
                break
            self.run_job(sources, [call for call in pending if on_cuda(call) == on_cuda(pending[0])], remaining, result)
            skip_after_timeout(calls, result)
            pending = [call for call in pending if call.index not in result.outcomes]
        return result

    def run_job(self, sources: dict[str, str | None], calls: list[Call], seconds: float, result: Run) -> None:
        """One child: send it the calls, record their results, blame what it was doing if it died early."""
        if not self.ready:
            self.start()
        try:
            self.send_job(sources, calls, seconds)
        except BrokenPipeError:  # the zygote died since its last job (killed from outside): start afresh
            self.close()
            blame(None, calls, CallError(ErrorKind.WORKER_LOST), result)
            return
        importing, error = self.collect(calls, seconds, result)
        blame(importing, calls, error, result)

    def send_job(self, sources: dict[str, str | None], calls: list[Call], seconds: float) -> None:
        """The order, which the worker reads, then the job, which only the child decodes."""
        assert self.zygote is not None
        order = {"limits": asdict(self.limits) | {"job_seconds": seconds}, "uses_cuda": any(map(on_cuda, calls)),
                 "submission": digest(sources)}
        self.zygote.start_job(order, wire.encode({"sources": sources, "calls": [vars(call) for call in calls]}))

    def collect(self, calls: list[Call], seconds: float, result: Run) -> tuple[str | None, CallError]:
        """Record results until the job ends; the module being imported then, and how the job ended."""
        importing: str | None = None
        # The zygote ends every job by itself within `seconds`; the margin covers a loaded machine.
        deadline = time.monotonic() + seconds + 30
        while (event := self.next_event(deadline, calls)) is not None:
            if isinstance(event, End):
                result.cut = result.cut or event.printed > wire.OUTPUT_KEEP
                return importing, end_error(event, self.limits)
            if isinstance(event, events.Printed):
                result.add_output(event.data)
            if isinstance(event, Loading):
                importing = event.module
            elif isinstance(event, events.Loaded):
                importing = None
            elif isinstance(event, Result):
                result.outcomes.setdefault(event.index, event.outcome)
        self.close()  # the zygote itself died or hung: start afresh next time
        return importing, CallError(ErrorKind.WORKER_LOST)

    def next_event(self, deadline: float, calls: list[Call]) -> events.Event | None:
        """The next event of the job of `calls`, or None if the zygote ended or passed the deadline."""
        assert self.zygote is not None
        payload = self.zygote.next_frame(deadline)
        return None if payload is None else events.decode(payload, calls)


def digest(sources: dict[str, str | None]) -> str:
    """Which submission a job grades: a worker that keeps its process between jobs (the
    portable one) runs one submission's code only."""
    return hashlib.sha256(wire.encode(sources)).hexdigest()


def on_cuda(call: Call) -> bool:
    """CUDA cannot start under an address-space cap, so CUDA calls run in a child of their own."""
    return call.device != "cpu"


def end_error(end: End, limits: Limits) -> CallError:
    """What the unfinished call came to, from how the child ended."""
    if end.reason is ErrorKind.TIMEOUT:
        return CallError(ErrorKind.TIMEOUT, seconds=limits.call_seconds)
    if end.reason is ErrorKind.OUTPUT_FLOOD:
        return CallError(ErrorKind.OUTPUT_FLOOD, limit_bytes=limits.output_bytes)
    return CallError(end.reason or ErrorKind.EXITED, signal=end.signal)


def blame(importing: str | None, calls: list[Call], error: CallError, result: Run) -> None:
    """If the child ended early, the first unfinished call fails; if it ended while
    importing a module, every call of that module does."""
    unfinished = [call for call in calls if call.index not in result.outcomes]
    if importing is None:
        blame_all(unfinished[:1], error, result)
    else:
        module_calls = [call for call in unfinished if call.module == importing]
        blame_all(module_calls, CallError(ErrorKind.IMPORT_FAILED, cause=error), result)


def skip_after_timeout(calls: list[Call], result: Run) -> None:
    """A function that hung once would hang again: its other checks are not run."""
    hung = {c.function for c in calls if timed_out(result.outcomes.get(c.index))}
    blame_all([c for c in calls if c.function in hung], CallError(ErrorKind.SKIPPED_AFTER_TIMEOUT), result)


def timed_out(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.error is not None and outcome.error.kind is ErrorKind.TIMEOUT


def blame_all(calls: list[Call], error: CallError, result: Run) -> None:
    for call in calls:
        result.outcomes.setdefault(call.index, Outcome(error=error))
