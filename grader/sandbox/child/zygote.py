"""The zygote: imports torch once, then forks a fresh, limited child for each job.

Run as `python -m grader.sandbox.child.zygote` (inside bubblewrap where available). It
reads jobs from stdin and writes tagged frames to stdout: b"Z" + its own events, b"C" + a
frame the child sent, b"O" + what the child printed.

A child inherits the zygote's memory, so the zygote never holds a student's data: it
never imports the solutions, holds no expected answers, reads each job's bytes into one
buffer that it wipes as soon as the child is forked (the child decodes the job, not the
zygote), and passes the child's frames and output on with splice(2), kernel to kernel,
without reading them. What the zygote reads itself is the job's limits and frame headers.
"""

import ctypes
import io
import mmap
import os
import select
import signal
import sys
import tempfile
import time
import traceback

import matplotlib

matplotlib.use("Agg")

from grader import ROOT
from grader.sandbox import frames, wire
from grader.sandbox.child import harden, host_os, worker
from grader.sandbox.child.folders import job_folder, remove
from grader.sandbox.records import CHILD_TAG, DISK_BYTES, DISK_ENTRIES, OUTPUT_TAG, ZYGOTE_TAG, ErrorKind

PR_SET_CHILD_SUBREAPER = 36
JOB_BYTES = 16 * 2**20  # the largest job: two sources of at most 1 MiB each, and the inputs
CHUNK = 1 << 16
DISK_CHECK_SECONDS = 0.25


def main() -> None:
    channel_in, channel_out = os.dup(0), os.dup(1)
    # Nothing printed by accident may corrupt the channel.
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    host_os.not_dumpable()
    # Orphans of a child (say, a grandchild that called setsid) become ours to kill.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    worker.warm_up()
    job = mmap.mmap(-1, JOB_BYTES, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    reply(channel_out, {"event": "ready", "missing": harden.missing()})
    while (order := frames.read_frame(channel_in)) is not None:
        supervise(wire.decode(order), job, channel_in, channel_out)


def reply(channel_out: int, event: dict) -> None:
    frames.write_all(channel_out, frames.frame(ZYGOTE_TAG + wire.encode(event)))


def read_job(fd: int, job: mmap.mmap) -> int | None:
    """The job frame's bytes into `job` (the kernel writes them there directly), and their
    count; None if they do not fit (then they are read and dropped, in place)."""
    header = frames.read_exactly(fd, frames.HEADER.size)
    if header is None:
        raise SystemExit  # the grader is gone
    size = frames.HEADER.unpack(header)[0]
    fits = size <= JOB_BYTES
    with memoryview(job) as view:
        done = 0
        while done < size:
            room = view[done : size] if fits else view[: min(CHUNK, size - done)]
            got = os.readv(fd, [room])
            if not got:
                raise SystemExit
            done += got
    return size if fits else None


def supervise(order: dict, job: mmap.mmap, channel_in: int, channel_out: int) -> None:
    """Run one job: `order` holds its limits and the uid its child runs as; the job's own
    bytes follow on the channel."""
    size = read_job(channel_in, job)
    if size is None:
        wipe(job, JOB_BYTES)
        reply(channel_out, {"event": "end", "reason": ErrorKind.OVERSIZED.value, "signal": "", "printed": 0})
        return
    uid = order["uid"] if harden.can_change_uid() else None
    workdir = job_folder(uid)
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        run_child(workdir, order["limits"], order["uses_cuda"], uid, job, size,
                  [channel_in, channel_out, events_r, output_r], events_w, output_w)
    wipe(job, size)
    os.close(events_w)
    os.close(output_w)
    forward = Forwarder(events_r, output_r, channel_out, order["limits"], workdir, pid)
    reason = forward.until_done()
    kill_group(pid)
    _, status = os.waitpid(pid, 0)
    kill_descendants()
    forward.close()
    remove(workdir, uid)
    reason, signal_name = (reason, "") if reason else exit_reason(status)
    reply(channel_out, {"event": "end", "reason": reason, "signal": signal_name, "printed": forward.printed})


def wipe(job: mmap.mmap, size: int) -> None:
    ctypes.memset(ctypes.addressof(ctypes.c_char.from_buffer(job)), 0, size)


def run_child(workdir: str, limits: dict, uses_cuda: bool, uid: int | None, job: mmap.mmap, size: int,
              inherited: list[int], events_w: int, output_w: int) -> None:
    try:
        os.setsid()
        for fd in inherited:
            os.close(fd)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        os.close(output_w)
        # Unbuffered: what the student printed reaches the grader even when the child is
        # stopped or leaves by os._exit, and in the order it was printed.
        sys.stdout = sys.stderr = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                                   errors="backslashreplace", write_through=True)
        os.environ["TMPDIR"] = tempfile.tempdir = workdir
        harden.set_limits(limits, uses_cuda, dropping_uid=uid is not None)
        payload = job[:size]
        if uid is not None:
            harden.drop_to(uid)
        elif os.geteuid() == 0:
            harden.drop_capabilities()
        os.chdir(workdir)  # after the drop: the folder is the child's uid's, and root keeps no DAC override
        harden.confine_files(harden.readable_paths(str(ROOT)), [workdir])
        harden.seccomp_filter()
        worker.run(wire.decode(payload), events_w)
    except BaseException:
        traceback.print_exc()  # to the output the grader shows: a child that fails here is a grader bug
    finally:
        os._exit(0)


class Forwarder:
    """Passes a child's frames and output on to the grader until the child ends or a limit
    is reached, splicing the bytes through without reading them."""

    def __init__(self, events_r: int, output_r: int, channel_out: int, limits: dict, workdir: str, pid: int) -> None:
        self.events_r, self.output_r, self.channel_out, self.workdir = events_r, output_r, channel_out, workdir
        self.output_limit = limits["output_bytes"]
        self.job_deadline = time.monotonic() + limits["job_seconds"]
        self.call = host_os.CallBudget(pid, limits["call_seconds"])
        self.header, self.pending = b"", 0  # of the child's frame being passed on
        self.printed = 0
        self.disk_checked = 0.0
        self.kept = 0  # bytes of output passed on: the grader keeps only the head
        self.middle_r, self.middle_w = os.pipe()  # output goes through it to learn its length first
        self.devnull = os.open(os.devnull, os.O_WRONLY)

    def until_done(self) -> str | None:
        """None if the child closed its events pipe itself, else why it was stopped."""
        open_fds = {self.events_r, self.output_r}
        while self.events_r in open_fds:
            remaining = min(self.job_deadline, self.call.next_look()) - time.monotonic()
            if time.monotonic() >= self.job_deadline or self.call.spent():
                return self.stop(ErrorKind.TIMEOUT)
            if time.monotonic() >= self.disk_checked + DISK_CHECK_SECONDS:
                self.disk_checked = time.monotonic()
                if over_disk_limit(self.workdir):
                    return self.stop(ErrorKind.DISK_LIMIT)
            remaining = max(0.0, min(remaining, DISK_CHECK_SECONDS))
            # Output goes in frames of its own: never in the middle of a frame being passed on.
            watched = [self.events_r] if self.pending else list(open_fds)
            for fd in select.select(watched, [], [], remaining)[0]:
                try:
                    reason = self.output() if fd == self.output_r else self.frames()
                except EOFError:
                    open_fds.discard(fd)
                    continue
                if reason is not None:
                    return self.stop(reason)
        return self.stop(None)

    def frames(self) -> ErrorKind | None:
        """Move what the events pipe holds: a frame header (read), or frame bytes (spliced)."""
        if self.pending == 0:
            chunk = os.read(self.events_r, frames.HEADER.size - len(self.header))
            if not chunk:
                raise EOFError
            self.header += chunk
            if len(self.header) < frames.HEADER.size:
                return None
            (size,), self.header = frames.HEADER.unpack(self.header), b""
            if size + 1 > frames.MAX_FRAME:  # with the tag byte, the grader's own cap
                return ErrorKind.OVERSIZED
            frames.write_all(self.channel_out, frames.HEADER.pack(size + 1) + CHILD_TAG)
            self.pending = size
        else:
            moved = os.splice(self.events_r, self.channel_out, self.pending)
            if moved == 0:
                raise EOFError
            self.pending -= moved
        if self.pending == 0:  # a whole frame: the call is making progress
            self.call.restart()
        return None

    def output(self) -> ErrorKind | None:
        moved = os.splice(self.output_r, self.middle_w, CHUNK)
        if moved == 0:
            raise EOFError
        self.printed += moved
        if self.kept < wire.OUTPUT_KEEP:
            frames.write_all(self.channel_out, frames.HEADER.pack(moved + 1) + OUTPUT_TAG)
            self.splice_all(self.middle_r, self.channel_out, moved)
            self.kept += moved
        else:
            self.splice_all(self.middle_r, self.devnull, moved)
        return ErrorKind.OUTPUT_FLOOD if self.printed > self.output_limit else None

    @staticmethod
    def splice_all(source: int, target: int, count: int) -> None:
        while count:
            count -= os.splice(source, target, count)

    def stop(self, reason: ErrorKind | None) -> str | None:
        """Finish the frame in flight with zeros, so the grader's framing holds (it cannot
        decode that frame, and ignores it)."""
        while self.pending:
            zeros = min(self.pending, CHUNK)
            frames.write_all(self.channel_out, bytes(zeros))
            self.pending -= zeros
        return None if reason is None else reason.value

    def close(self) -> None:
        for fd in (self.events_r, self.output_r, self.middle_r, self.middle_w, self.devnull):
            os.close(fd)


def over_disk_limit(folder: str) -> bool:
    """The job's folder holds more than DISK_BYTES, or more than DISK_ENTRIES files and folders
    (RLIMIT_FSIZE caps one file; this caps them all, on a disk or a tmpfs alike)."""
    used, count, todo = 0, 0, [folder]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            count += 1
            if entry.is_dir(follow_symlinks=False):
                todo.append(entry.path)
            else:
                used += entry.stat(follow_symlinks=False).st_size
            if used > DISK_BYTES or count > DISK_ENTRIES:
                return True
    return False


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
