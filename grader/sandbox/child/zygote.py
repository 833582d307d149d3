"""The zygote: imports torch once, then forks a fresh, limited child for each job.

Run as `python -m grader.sandbox.child.zygote` (inside bubblewrap where available). It reads jobs from
stdin and writes tagged frames to stdout: b"C" + a frame the child sent (passed on
unread, so the child cannot confuse the zygote), b"Z" + the zygote's own events.
It never imports the solutions and holds no expected answers: a child inherits its memory.
"""

import ctypes
import os
import resource
import select
import signal
import time

import matplotlib

matplotlib.use("Agg")

from grader.sandbox import wire
from grader.sandbox.child import worker
from grader.sandbox.records import CHILD_TAG, ZYGOTE_TAG, ErrorKind

PR_SET_CHILD_SUBREAPER = 36


def main() -> None:
    channel_in, channel_out = os.dup(0), os.dup(1)
    # Nothing printed by accident may corrupt the channel.
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    # Orphans of a child (say, a grandchild that called setsid) become ours to kill.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    warm_up()
    reply(channel_out, {"event": "ready", "pid": os.getpid()})
    reader = wire.FrameReader()
    while chunk := os.read(channel_in, 1 << 20):
        for payload in reader.feed(chunk):
            supervise(wire.decode(payload), channel_in, channel_out)


def warm_up() -> None:
    """Pay once, here, the first-use costs every child would otherwise pay: autograd's
    first backward, matplotlib's first figure and fonts (single-threaded, no CUDA)."""
    import torch
    from matplotlib.figure import Figure

    leaf = torch.ones(3, requires_grad=True)
    ((leaf * 2) ** 2).mean().backward()
    figure = Figure()
    axes = figure.subplots(1, 2)[0]
    axes.scatter([0, 1], [0, 1], label="x")
    axes.plot([0, 1], [1, 0])
    axes.legend()
    figure.canvas.draw()


def reply(channel_out: int, event: dict) -> None:
    wire.write_all(channel_out, wire.frame(ZYGOTE_TAG + wire.encode(event)))


def supervise(job: dict, channel_in: int, channel_out: int) -> None:
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        run_child(job, [channel_in, channel_out, events_r, output_r], events_w, output_w)
    os.close(events_w)
    os.close(output_w)
    reason, output = watch(job["limits"], events_r, output_r, channel_out)
    kill_group(pid)
    _, status = os.waitpid(pid, 0)
    kill_descendants()
    os.close(events_r)
    os.close(output_r)
    reason, signal_name = (reason, "") if reason else exit_reason(status)
    reply(channel_out, {"event": "end", "reason": reason, "signal": signal_name, "output": output})


def run_child(job: dict, inherited: list[int], events_w: int, output_w: int) -> None:
    try:
        os.setsid()
        for fd in inherited:
            os.close(fd)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        os.close(output_w)
        set_limits(job["limits"], uses_cuda=any(c["device"] != "cpu" for c in job["calls"]))
        worker.run(job, events_w)
    finally:
        os._exit(0)


def set_limits(limits: dict, uses_cuda: bool) -> None:
    seconds = int(limits["job_seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not uses_cuda:
        # CUDA reserves a large virtual address space, so an address-space cap would
        # stop it from starting; on CUDA only the wall-clock and CPU limits apply.
        address_space = current_address_space() + limits["memory_bytes"]
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def current_address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def watch(limits: dict, events_r: int, output_r: int, channel_out: int) -> tuple[str | None, str]:
    """Pass the child's frames on until it ends; None as the reason means it ended itself."""
    reader, output = wire.FrameReader(), CappedOutput(limits["output_bytes"])
    now = time.monotonic()
    job_deadline = now + limits["job_seconds"]
    call_deadline = now + limits["call_seconds"]
    open_fds = {events_r, output_r}
    while events_r in open_fds:
        remaining = min(job_deadline, call_deadline) - time.monotonic()
        if remaining <= 0:
            return ErrorKind.TIMEOUT.value, output.text()
        for fd in select.select(list(open_fds), [], [], remaining)[0]:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                open_fds.discard(fd)
            elif fd == output_r:
                output.add(chunk)
                if output.flooded:
                    return ErrorKind.OUTPUT_FLOOD.value, output.text()
            else:
                for payload in reader.feed(chunk):
                    wire.write_all(channel_out, wire.frame(CHILD_TAG + payload))
                call_deadline = time.monotonic() + limits["call_seconds"]
                if reader.oversized:
                    return ErrorKind.OVERSIZED.value, output.text()
    return None, output.text()


class CappedOutput:
    """Keeps the head of what the child printed; past `limit` bytes in all, it is a flood."""


    def __init__(self, limit: int) -> None:
        self.limit, self.head, self.total = limit, b"", 0

    def add(self, chunk: bytes) -> None:
        self.head += chunk[: max(0, wire.OUTPUT_KEEP - len(self.head))]
        self.total += len(chunk)

    @property
    def flooded(self) -> bool:
        return self.total > self.limit

    def text(self) -> str:
        cut = "\n[… output truncated]" if self.total > len(self.head) else ""
        return self.head.decode("utf-8", "replace") + cut


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_descendants() -> None:
    """Kill whatever the child left behind: as subreaper, its orphans are our children."""
    for _ in range(1000):
        children = [pid for pid in all_pids() if parent_of(pid) == os.getpid()]
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def exit_reason(status: int) -> tuple[str | None, str]:
    """How a child that ended by itself ended: None if it exited, else a kind and the signal."""
    if not os.WIFSIGNALED(status):
        return None, ""
    signal_number = os.WTERMSIG(status)
    if signal_number == signal.SIGXCPU:
        return ErrorKind.CPU_LIMIT.value, ""
    if signal_number == signal.SIGKILL:
        return ErrorKind.KILLED.value, ""
    return ErrorKind.CRASHED.value, signal.Signals(signal_number).name


if __name__ == "__main__":
    main()
