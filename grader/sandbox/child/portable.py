"""The portable level's worker: `python -m grader.sandbox.child.portable`, spawned (never
forked) where the zygote cannot run (Windows, macOS) or where it is asked for.

It imports torch once, says it is ready, then runs jobs in its own process, one after another,
and the grader gives it the jobs of one submission only (sandbox/portable.py). It reads frames
on stdin (a job's order, then the job) and writes tagged frames on stdout, as the zygote does:
b"Z" + its own events (ready, a job done), b"C" + an event of the job, b"O" + what the job
printed. The grader decides how a job ended (time, output, a crash) from what it sees of this
process, not from what this process says: student code runs here, beside these frames.
"""

import contextlib
import io
import os
import shutil
import sys
import tempfile
import threading

import matplotlib

matplotlib.use("Agg")

from grader.sandbox import frames, wire
from grader.sandbox.child import worker
from grader.sandbox.records import CHILD_TAG, OUTPUT_TAG, ZYGOTE_TAG

CHUNK = 1 << 16


def main() -> None:
    channel_in, channel_out = os.dup(0), os.dup(1)
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # nothing printed by accident may corrupt the channel
        os.dup2(quiet, fd)
    # Unbuffered: what a job prints reaches the grader in the order it was printed, even
    # when the worker is stopped or leaves by os._exit.
    sys.stdout = sys.stderr = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                               errors="backslashreplace", write_through=True)
    worker.warm_up()
    worker.write_frame(channel_out, ZYGOTE_TAG + wire.encode({"event": "ready", "missing": []}))
    while (order := frames.read_frame(channel_in)) is not None and (job := frames.read_frame(channel_in)) is not None:
        run_job(wire.decode(order)["limits"], job, channel_out, quiet)
        worker.write_frame(channel_out, ZYGOTE_TAG + wire.encode({"event": "done"}))


def run_job(limits: dict, job: bytes, channel_out: int, quiet: int) -> None:
    """The job in a folder of its own, what it prints passed on as it comes."""
    home = tempfile.gettempdir()
    folder = tempfile.mkdtemp(prefix="job-")
    output_r, output_w = os.pipe()
    forwarder = threading.Thread(target=forward_output, args=(output_r, channel_out), daemon=True)
    forwarder.start()
    for fd in (1, 2):
        os.dup2(output_w, fd)
    os.close(output_w)
    try:
        os.chdir(folder)
        os.environ["TMPDIR"] = tempfile.tempdir = folder
        limit_memory(limits)
        worker.run(wire.decode(job), channel_out, CHILD_TAG)
    finally:
        for fd in (1, 2):  # the last writers of the pipe: the forwarder then reads to its end
            os.dup2(quiet, fd)
        forwarder.join()
        os.chdir(home)
        os.environ["TMPDIR"] = tempfile.tempdir = home
        remove(folder)


def forward_output(output_r: int, channel_out: int) -> None:
    while chunk := os.read(output_r, CHUNK):
        worker.write_frame(channel_out, OUTPUT_TAG + chunk)
    os.close(output_r)


def limit_memory(limits: dict) -> None:
    """Where the system has `resource` and enforces an address-space cap (Linux), the job's
    memory is capped as the zygote's children are; not where CUDA may start in this process
    (it reserves a large address space). macOS accepts the cap and does not enforce it; Windows
    has no `resource`: there, a memory bomb meets the system's own limits and is reported as a crash."""
    try:
        import resource

        from grader.sandbox.child import harden  # imports resource too: never on Windows
    except ImportError:
        return
    import torch

    if torch.cuda.is_available():
        return
    file_bytes = limits["file_bytes"]
    try:
        cap = harden.current_address_space() + limits["memory_bytes"]
        if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:  # once: it only goes down
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    except (OSError, ValueError):  # no /proc (macOS), or a cap the system refuses
        return


def remove(folder: str) -> None:
    """The job's folder, whatever the job left in it (folders it made unreadable included);
    a failure leaves it behind, never stops the worker."""
    for root, folders, _ in os.walk(folder):  # top-down: each folder is opened after this loop reaches it
        for name in folders:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
