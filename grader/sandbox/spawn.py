"""Start the zygote process, inside bubblewrap where it can start, and talk to it.

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
from typing import IO, Protocol

from grader import ROOT
from grader.messages import say
from grader.results import Feedback
from grader.sandbox import frames
from grader.sandbox.child.host_os import zygote_possible
from grader.sandbox.child.kit import KIT_PACKAGES, SITE_FOLDERS, kit_copies

PROBE_SECONDS = 20
CHILD_UID_BASE = 2_000_000_000
# The sandbox's /tmp, in memory, where each job's folder is: its size is the hard cap on what
# a job can write (the zygote counts each job's files only every DISK_CHECK_SECONDS).
TMP_BYTES = 64 * 2**20
ROOT_ZYGOTE_CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL")
# What the sandbox shows, read-only, and nothing else: the system's programs and libraries;
# of /etc, the dynamic linker's cache (ctypes finds libseccomp through it), fontconfig's
# configuration (matplotlib lists fonts with fc-list) and the time zone; the interpreter and
# its packages; and of the kit only the part the zygote runs (never the reference, the
# lesson, the .git, a batch's submissions or its results).
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64")
ETC = ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime")
ZYGOTE_PART = ("grader/__init__.py", "grader/sandbox")


ISOLATION_LEVELS = ("auto", "bwrap", "process", "portable")


class IsolationError(RuntimeError):
    """A level was asked for that cannot start here, or that cannot contain what is asked of it."""


def isolation_level() -> str:
    """The level this process grades at: GRADER_ISOLATION (set by --isolation) decides, and auto
    takes bubblewrap where it is installed and a no-op run of it works (Docker, Gradescope and
    GitHub's ubuntu-latest have it installed but blocked), then the zygote with Linux's
    defences, then the portable worker (Windows, macOS)."""
    wanted = os.environ.get("GRADER_ISOLATION", "auto")
    if wanted == "portable":
        return "portable"
    if problem := zygote_possible():
        if wanted != "auto":
            raise IsolationError(f"--isolation {wanted}: {problem}; --isolation portable runs here.")
        return "portable"
    if wanted == "process":
        return "process"
    if (problem := bubblewrap_problem()) and wanted == "bwrap":
        raise IsolationError(f"--isolation bwrap: bubblewrap cannot start here ({problem}).")
    return "process" if problem else "bwrap"


def isolation_available() -> bool:
    """Whether the zygote runs under bubblewrap."""
    return isolation_level() == "bwrap"


def require_containment(lang: str) -> None:
    """Official grading (a class, a platform's run) needs a level that contains a hostile hand-in:
    the portable one is taken only when asked for by name."""
    if isolation_level() == "portable" and os.environ.get("GRADER_ISOLATION") != "portable":
        raise IsolationError(say("portable_refused", lang))


def isolation_notice() -> Feedback | None:
    """For the instructor: why there is no bubblewrap, when there is none."""
    level = isolation_level()
    if level == "bwrap":
        return None
    if level == "portable":
        return Feedback("portable_isolation", {"reason": zygote_possible() or "GRADER_ISOLATION=portable"})
    reason = "GRADER_ISOLATION=process" if os.environ.get("GRADER_ISOLATION") == "process" else bubblewrap_problem()
    return Feedback("process_isolation", {"reason": reason})


@cache
def bubblewrap_problem() -> str:
    """Why bubblewrap cannot run here, in its own words, or "" if it can."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed"
    try:
        probe = subprocess.run([*bubblewrap_command(), sys.executable, "-c", "pass"], capture_output=True,
                               text=True, timeout=PROBE_SECONDS)
    except subprocess.TimeoutExpired:
        return f"a no-op run did not end within {PROBE_SECONDS} s"
    lines = (probe.stderr or "").strip().splitlines()
    return "" if probe.returncode == 0 else (lines[0] if lines else f"a no-op run exited with {probe.returncode}")


class Worker(Protocol):
    """What the host side talks to: a zygote, or the portable level's worker (sandbox/portable.py).
    It answers each job with tagged frames (records.ZYGOTE_TAG, CHILD_TAG, OUTPUT_TAG)."""

    def start_job(self, order: dict, job: bytes) -> None:
        """Run `job` (the wire-encoded sources and calls) under `order` (its limits, whether it
        uses CUDA, and a digest of the submission's sources)."""

    def next_frame(self, deadline: float) -> bytes | None:
        """The next tagged frame, or None if the worker is lost or the deadline passed."""

    def stderr_tail(self) -> str:
        """What the worker printed of its own, for a grader error."""

    def kill(self) -> None: ...


class Zygote:
    """A running zygote: its process, what it printed on stderr, and its frames read so far."""

    def __init__(self, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
        self.process, self.log = process, log
        self.reader, self.frames = frames.FrameReader(), deque[bytes]()

    def start_job(self, order: dict, job: bytes) -> None:
        """The order, which the zygote reads, then the job, which only the child decodes. Where
        the zygote runs as root, the child runs under a uid of its own, unique on this machine
        while the zygote lives (its process id is): no other user has it."""
        from grader.sandbox import wire  # here: it imports torch, which this module leaves to the grader

        assert self.process.stdin is not None
        order = {**order, "uid": CHILD_UID_BASE + self.process.pid}
        for payload in (wire.encode(order), job):
            frames.write_all(self.process.stdin.fileno(), frames.frame(payload))

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


def spawn_worker() -> Worker:
    """The worker of this host's isolation level: the zygote, inside bubblewrap where it runs,
    or the portable worker."""
    level = isolation_level()
    if level == "portable":
        from grader.sandbox.portable import PortableWorker

        return PortableWorker()
    return spawn_zygote(bubblewrap_command() if level == "bwrap" else [])


def spawn_zygote(wrapper: list[str]) -> Zygote:
    command = [*wrapper, sys.executable, "-m", "grader.sandbox.child.zygote"]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=worker_environment(),
        start_new_session=True, cwd=ROOT,  # not the grader's folder: it would come first on sys.path
    )
    return Zygote(process, log)


# What the worker's environment keeps of the grader's, by name: the locale, and what the
# interpreter, its libraries and CUDA need to start (Windows will not start Python without
# SYSTEMROOT). Nothing else: a token or key in the instructor's environment (GITHUB_TOKEN,
# an LMS's) never reaches student code.
KEPT_VARIABLES = ("PATH", "LANG", "LANGUAGE", "TZ", "PYTHONHOME", "PYTHONPATH", "PYTHONUTF8", "LD_LIBRARY_PATH",
                  "CUDA_VISIBLE_DEVICES", "SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP", "TMPDIR")


def worker_environment() -> dict[str, str]:
    """The worker's environment, built from nothing but what KEPT_VARIABLES names."""
    environment = {key: value for key, value in os.environ.items()
                   if key.upper() in KEPT_VARIABLES or key.startswith("LC_")}
    path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)
    scratch = tempfile.gettempdir()
    environment.update(MPLBACKEND="Agg", MALLOC_ARENA_MAX="2", OMP_NUM_THREADS="1", HOME=scratch,
                       USERPROFILE=scratch, MPLCONFIGDIR=os.path.join(scratch, "grader-matplotlib"))
    return environment


def bubblewrap_command() -> list[str]:
    """A view of this machine made of what the zygote needs, read-only, without network, and
    a small private /tmp. As root, no user namespace (whose only uid would be 0) and just the
    capabilities the zygote needs to run each child under a uid of its own and clean up
    after it; the children keep none of them."""
    command = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
               "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if os.geteuid() == 0:
        command += [arg for cap in ROOT_ZYGOTE_CAPABILITIES for arg in ("--cap-add", cap)]
    else:
        command += ["--unshare-user"]
    # /tmp first: a venv under /tmp is bound on top of it.
    command += ["--dev", "/dev", "--proc", "/proc", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    command += system_view() + [arg for path in ETC for arg in ("--ro-bind-try", path, path)]
    shown = [*python_folders(), *(ROOT / part for part in ZYGOTE_PART)]
    command += searchable_parents(shown)
    command += [arg for folder in python_folders() for arg in beside_kit(folder)]
    command += [arg for part in ZYGOTE_PART for arg in ("--ro-bind", str(ROOT / part), str(ROOT / part))]
    devices = sorted(Path("/dev").glob("nvidia*"))
    for device in devices:  # CUDA needs its device files
        command += ["--dev-bind", str(device), str(device)]
    if devices:  # and the driver reads the GPUs' PCI topology
        command += ["--ro-bind", "/sys", "/sys"]
    # The kit's folder holds only the part bound above: the zygote's sys.path[0] shows nothing else.
    command += ["--chdir", str(ROOT), "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp",
                "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib"]
    return [*command, "--"]


def searchable_parents(paths: list[Path]) -> list[str]:
    """The folders on the way to what is shown, searchable by every user (bubblewrap would
    make them 0700): a child under a uid of its own must reach the interpreter."""
    parents = sorted({parent for path in paths for parent in path.parents if parent != Path("/")
                      and not any(parent.is_relative_to(name) for name in SYSTEM)}, key=lambda p: len(p.parts))
    return [arg for parent in parents for arg in ("--perms", "0755", "--dir", str(parent))]


def system_view() -> list[str]:
    """The system's programs and libraries; /lib and the like are often links into /usr."""
    command: list[str] = []
    for name in SYSTEM:
        path = Path(name)
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            command += beside_kit(path)
    return command


def python_folders() -> list[Path]:
    """The interpreter and its packages: sys.prefix, sys.base_prefix and the site-packages
    folders on sys.path (not every entry: the current folder may hold the submissions),
    but none already shown inside another (a venv's site-packages, a Python in /usr)."""
    named = [sys.prefix, sys.base_prefix, *(entry for entry in sys.path if Path(entry).name in SITE_FOLDERS)]
    folders = {Path(name).resolve(): Path(name).absolute() for name in named if Path(name).is_dir()}
    system = [Path(name) for name in SYSTEM if Path(name).is_dir() and not Path(name).is_symlink()]
    return sorted(written for real, written in folders.items()
                  if not any(real.is_relative_to(folder) for folder in system)
                  and not any(real != folder and real.is_relative_to(folder) for folder in folders))


def beside_kit(path: Path) -> list[str]:
    """bwrap's arguments that show `path` read-only, except the kit: of a folder on the way to
    it, the other entries; of the kit, nothing (a checkout) or the other packages beside it
    (installed in site-packages). A site-packages holding a copy of the kit (a venv inside the
    checkout, as tox makes) shows the other packages only."""
    real = path.resolve()
    copies = [Path(copy) for copy in kit_copies()]  # the kit installed in a site-packages (tox does)
    if not any(kit.is_relative_to(real) for kit in [ROOT, *copies]):
        return ["--ro-bind", str(path), str(path)]
    if real == ROOT and ROOT.name not in SITE_FOLDERS:
        return []
    entries = [entry for entry in sorted(path.iterdir())
               if entry.resolve() not in copies and not (real == ROOT and entry.name in KIT_PACKAGES)]
    return [arg for entry in entries
            for arg in (["--symlink", os.readlink(entry), str(entry)] if entry.is_symlink() else beside_kit(entry))]
