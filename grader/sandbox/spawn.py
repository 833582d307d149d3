"""Start the zygote process, inside bubblewrap where it is installed, and talk to it.

Kept free of torch so that the command line can start the worker first and import
torch in its own process while the worker imports it in parallel.
"""

import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from functools import cache
from pathlib import Path
from typing import IO

from grader import ROOT
from grader.results import Feedback
from grader.sandbox import wire

SOLUTIONS = ROOT / "solutions"
PROBE_SECONDS = 20
TMP_BYTES = 256 * 2**20  # the sandbox's /tmp, in memory: each job's folder is capped below this
ROOT_ZYGOTE_CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL")


ISOLATION_LEVELS = ("auto", "bwrap", "process")


class IsolationError(RuntimeError):
    """bubblewrap was asked for (GRADER_ISOLATION=bwrap) but cannot start here."""


def isolation_available() -> bool:
    """Whether the zygote runs under bubblewrap: GRADER_ISOLATION (auto, bwrap, process;
    set by --isolation) decides, and auto takes bubblewrap where it is installed and a no-op
    run of it works (Docker, Gradescope and GitHub's ubuntu-latest have it installed but blocked)."""
    wanted = os.environ.get("GRADER_ISOLATION", "auto")
    if wanted == "process":
        return False
    problem = bubblewrap_problem()
    if problem and wanted == "bwrap":
        raise IsolationError(f"--isolation bwrap: bubblewrap cannot start here ({problem}).")
    return not problem


def isolation_notice() -> Feedback | None:
    """For the instructor: why there is no bubblewrap, when there is none."""
    if isolation_available():
        return None
    reason = "GRADER_ISOLATION=process" if os.environ.get("GRADER_ISOLATION") == "process" else bubblewrap_problem()
    return Feedback("process_isolation", {"reason": reason})


@cache
def bubblewrap_problem() -> str:
    """Why bubblewrap cannot run here, in its own words, or "" if it can."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed"
    try:
        probe = subprocess.run([*bubblewrap_command([]), sys.executable, "-c", "pass"], capture_output=True,
                               text=True, timeout=PROBE_SECONDS)
    except subprocess.TimeoutExpired:
        return f"a no-op run did not end within {PROBE_SECONDS} s"
    lines = (probe.stderr or "").strip().splitlines()
    return "" if probe.returncode == 0 else (lines[0] if lines else f"a no-op run exited with {probe.returncode}")


def solution_paths() -> list[Path]:
    """Every folder that `import solutions` could load from in the worker (which shares this
    interpreter's sys.path): the checkout's, and an installed copy in site-packages."""
    found = {(Path(entry or ".") / "solutions").resolve() for entry in sys.path}
    return sorted(path for path in found | {SOLUTIONS} if path.is_dir())


class Zygote:
    """A running zygote: its process, what it printed on stderr, and its frames read so far."""

    def __init__(self, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
        self.process, self.log = process, log
        self.reader, self.frames = wire.FrameReader(), deque[bytes]()

    def send(self, payload: bytes) -> None:
        assert self.process.stdin is not None
        wire.write_all(self.process.stdin.fileno(), wire.frame(payload))

    def next_frame(self, deadline: float) -> bytes | None:
        """The next frame, or None if the zygote ended, sent an oversized frame or passed the deadline."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while not self.frames:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk or self.reader.oversized:
                return None
            self.frames.extend(self.reader.feed(chunk))
            if self.reader.oversized and not self.frames:
                return None
        return self.frames.popleft()

    def stderr_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.log):
            if stream is not None:
                stream.close()


def spawn_zygote(hidden: list[Path] | None = None) -> Zygote:
    """The worker, with `hidden` (by default, the solutions) covered up where bubblewrap runs."""
    hidden = solution_paths() if hidden is None else hidden
    zygote = [sys.executable, "-m", "grader.sandbox.child.zygote"]
    command = bubblewrap_command(hidden) + zygote if isolation_available() else zygote
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=worker_environment(),
        start_new_session=True,
    )
    return Zygote(process, log)


def worker_environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GRADER_")}
    path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)
    environment.update(MPLBACKEND="Agg", MALLOC_ARENA_MAX="2", OMP_NUM_THREADS="1")
    environment["MPLCONFIGDIR"] = tempfile.gettempdir() + "/grader-matplotlib"
    return environment


def bubblewrap_command(hidden: list[Path]) -> list[str]:
    """A read-only view of this machine without network, with `hidden` covered up and a
    small private /tmp. As root, no user namespace (whose only uid would be 0) and just the
    capabilities the zygote needs to run each child under a uid of its own and clean up
    after it; the children keep none of them."""
    command = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
               "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if os.geteuid() == 0:
        command += [arg for cap in ROOT_ZYGOTE_CAPABILITIES for arg in ("--cap-add", cap)]
    else:
        command += ["--unshare-user"]
    command += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for needed in {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), ROOT}:
        if needed.is_relative_to("/tmp"):
            command += ["--ro-bind", str(needed), str(needed)]
    for device in sorted(Path("/dev").glob("nvidia*")):  # CUDA needs its device files
        command += ["--dev-bind", str(device), str(device)]
    for path in hidden:
        if path.exists():
            command += ["--tmpfs", str(path.resolve())]
    return [*command, "--"]
