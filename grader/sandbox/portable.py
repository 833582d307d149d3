"""The portable level, host side: what the zygote does for a job, done from the grader's
process with `subprocess` and threads alone, so that it runs on Windows, macOS and Linux.

Student code runs in a spawned worker process (child/portable.py), never in the grader's. A
worker runs the jobs of one submission only: a job of another submission (the watcher's next
save) goes to a fresh worker, kept warm ahead once a sandbox has graded more than one. The
time limits, the output cap and how a job ended are decided here, from the worker's frames,
its output and its exit: a call that passes its time is stopped by killing the worker, which
is then replaced. What this level does not give, the README's threat model lists: student code
shares its process with the probes and the channel (so this is a self-check, not a grade), and
where `resource` is missing (Windows) or not enforced (macOS) memory is not capped.
"""

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING

from grader import ROOT
from grader.sandbox import frames
from grader.sandbox.child.host_os import CallBudget
from grader.sandbox.frames import CHILD_TAG, OUTPUT_TAG, ZYGOTE_TAG
from grader.sandbox.spawn import worker_environment

# wire and records import torch: this module starts the worker before the grader imports it
# (the two imports then overlap), so they are imported where a job needs them.
if TYPE_CHECKING:
    from grader.sandbox.records import ErrorKind

START_SECONDS = 120.0
# What ends a worker's frames: it closed its channel (it died), or sent more than a frame may hold.
CLOSED = b""


class Spawned:
    """One worker process, a thread reading its frames into a queue, and its own stderr in a file."""

    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.child.portable"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log, env=worker_environment(), cwd=ROOT, **own_process_group(),
        )
        self.frames: queue.Queue[bytes] = queue.Queue()
        self.submission: str | None = None
        """the digest of the only submission this worker runs"""
        self.ready = False
        threading.Thread(target=self.read_frames, daemon=True).start()

    def read_frames(self) -> None:
        assert self.process.stdout is not None
        reader, fd = frames.FrameReader(), self.process.stdout.fileno()
        try:
            while (chunk := os.read(fd, 1 << 20)) and not reader.oversized:
                for payload in reader.feed(chunk):
                    self.frames.put(payload)
        except OSError:  # the pipe was closed under the thread: the worker was killed
            pass
        self.frames.put(CLOSED)

    def next_frame(self, deadline: float) -> bytes | None:
        """The next frame (CLOSED once there are no more), or None at the deadline."""
        try:
            return self.frames.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def wait_ready(self) -> bool:
        frame = self.next_frame(time.monotonic() + START_SECONDS)
        self.ready = frame is not None and frame.startswith(ZYGOTE_TAG)
        return self.ready

    def start_job(self, order: dict, job: bytes) -> None:
        from grader.sandbox import wire

        assert self.process.stdin is not None
        for payload in (wire.encode(order), job):
            frames.write_all(self.process.stdin.fileno(), frames.frame(payload))

    def ended(self, deadline: float) -> "tuple[ErrorKind | None, str]":
        """How the worker ended, once its channel closed: waited for until `deadline`, then killed."""
        from grader.sandbox.records import ErrorKind

        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            return ErrorKind.KILLED, ""
        return exit_reason(self.process.returncode)

    def stderr_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            kill_tree(self.process)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.log):
            if stream is not None:
                stream.close()


class Job:
    """The job in flight: its limits, and what it printed so far."""

    def __init__(self, limits: dict, pid: int) -> None:
        self.output_limit = limits["output_bytes"]
        self.job_deadline = time.monotonic() + limits["job_seconds"]
        self.call = CallBudget(pid, limits["call_seconds"])
        self.printed = 0
        self.kept = 0

    @property
    def next_look(self) -> float:
        return min(self.job_deadline, self.call.next_look())

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.job_deadline or self.call.spent()

    def output(self, frame: bytes) -> bytes | None:
        """The output frame to pass on (its head only, past wire.OUTPUT_KEEP nothing), counted."""
        from grader.sandbox import wire

        data = frame[len(OUTPUT_TAG):]
        self.printed += len(data)
        kept, self.kept = self.kept, min(wire.OUTPUT_KEEP, self.kept + len(data))
        return OUTPUT_TAG + data[: self.kept - kept] if self.kept > kept else None


class PortableWorker:
    """A spawn.Worker for the portable level: spawned worker processes, one submission each."""

    def __init__(self) -> None:
        self.current = Spawned()
        self.spare: Spawned | None = None
        self.job: Job | None = None
        self.switched = False
        """this sandbox has graded more than one submission: keep a worker warm ahead"""

    def start_job(self, order: dict, job: bytes) -> None:
        if self.current.submission not in (None, order["submission"]) or self.current.process.poll() is not None:
            self.switched = self.switched or self.current.submission is not None
            self.current.kill()
            self.current, self.spare = self.spare or Spawned(), None
        if not self.current.ready and not self.current.wait_ready():
            raise BrokenPipeError("the portable worker did not start")  # the host starts afresh
        self.current.submission = order["submission"]
        self.job = Job(order["limits"], self.current.process.pid)
        self.current.start_job(order, job)

    def next_frame(self, deadline: float) -> bytes | None:
        from grader.sandbox.records import ErrorKind

        while True:
            if self.job is None:  # before any job: the first worker's ready
                frame = self.current.next_frame(deadline)
                self.current.ready = frame is not None and frame.startswith(ZYGOTE_TAG)
                return frame or None
            frame = self.current.next_frame(min(deadline, self.job.next_look))
            if frame is None:
                if time.monotonic() >= deadline:
                    return None
                if self.job.out_of_time():
                    return self.end(ErrorKind.TIMEOUT)
                continue
            if frame == CLOSED:
                return self.end(*self.current.ended(self.job.job_deadline))
            if frame.startswith(ZYGOTE_TAG):  # the job is done: only its timing is taken from the worker
                return self.end(None)
            if frame.startswith(OUTPUT_TAG):
                if self.job.printed + len(frame) - 1 > self.job.output_limit:
                    return self.end(ErrorKind.OUTPUT_FLOOD)
                if (passed := self.job.output(frame)) is not None:
                    return passed
                continue
            if frame.startswith(CHILD_TAG):
                self.job.call.restart()
            return frame

    def end(self, reason: "ErrorKind | None", signal_name: str = "") -> bytes:
        """The end-of-job frame; a worker stopped by a limit, or ended, is replaced."""
        from grader.sandbox import wire

        assert self.job is not None
        printed, self.job = self.job.printed, None
        if reason is not None or self.current.process.poll() is not None:
            self.current.kill()
            self.current, self.spare = self.spare or Spawned(), None
        elif self.switched and self.spare is None:
            self.spare = Spawned()
        event = {"event": "end", "reason": reason.value if reason else None, "signal": signal_name,
                 "printed": printed}
        return ZYGOTE_TAG + wire.encode(event)

    def stderr_tail(self) -> str:
        return self.current.stderr_tail()

    def kill(self) -> None:
        for worker in (self.current, self.spare):
            if worker is not None:
                worker.kill()


def own_process_group() -> dict:
    """Ctrl-C in the student's terminal reaches the grader, which ends the workers itself."""
    if hasattr(os, "setsid"):
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """The worker and, where the system has process groups, whatever it started."""
    if hasattr(os, "killpg") and hasattr(signal, "SIGKILL"):
        try:
            os.killpg(process.pid, signal.SIGKILL)
            return
        except OSError:
            pass
    process.kill()


def exit_reason(returncode: int) -> "tuple[ErrorKind | None, str]":
    """How a worker that ended by itself ended: None if it exited, else a kind and the signal
    (a negative code on POSIX; on Windows, an NTSTATUS code such as 0xC0000005, an access violation)."""
    from grader.sandbox.records import ErrorKind

    if returncode < 0:
        number = -returncode
        if number == getattr(signal, "SIGKILL", None):
            return ErrorKind.KILLED, ""
        if number == getattr(signal, "SIGXCPU", None):
            return ErrorKind.CPU_LIMIT, ""
        return ErrorKind.CRASHED, signal_name(number)
    if returncode >= 0xC0000000:
        return ErrorKind.CRASHED, f"0x{returncode:08X}"
    return None, ""


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
