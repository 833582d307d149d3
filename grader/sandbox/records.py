"""What a call is and what it came to: the records on both sides of the process boundary.

The child and the zygote name what went wrong with an `ErrorKind` (its value is what
travels); the grader decodes every frame into a `CallError` or an observation
(`observations.py`), once, at the boundary.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any

from grader.sandbox.frames import CHILD_TAG, OUTPUT_TAG, ZYGOTE_TAG  # noqa: F401  (the protocol's names, here too)
from grader.sandbox.observations import Observation

# What a job may leave in its folder, in bytes and in files and folders: RLIMIT_FSIZE caps
# one file, this caps them all, on a disk as on a tmpfs.
DISK_BYTES, DISK_ENTRIES = 64 * 2**20, 10_000


class ErrorKind(str, Enum):
    """What a call came to when it did not give an observation."""

    RAISED = "raised"
    """the student's function raised an exception"""
    IMPORT_FAILED = "import_failed"
    """the module could not be imported (an exception, or the child died while importing)"""
    MISSING_FUNCTION = "missing_function"
    MISSING_MODULE = "missing_module"
    UNSENDABLE = "unsendable"
    """the child could not encode what the function returned"""
    TIMEOUT = "timeout"
    """the call, or the whole job, passed its wall-clock deadline"""
    SKIPPED_AFTER_TIMEOUT = "skipped_after_timeout"
    """not run: the same function hung in an earlier call"""
    EXITED = "exited"
    """the child ended before answering (sys.exit, os._exit)"""
    KILLED = "killed"
    CPU_LIMIT = "cpu_limit"
    OUTPUT_FLOOD = "output_flood"
    DISK_LIMIT = "disk_limit"
    """the job's folder grew past its cap"""
    OVERSIZED = "oversized"
    """a frame larger than the grader accepts"""
    UNREADABLE = "unreadable"
    """a frame, or an observation in it, that is not what this call may say"""
    CRASHED = "crashed"
    """the child died of a signal"""
    WORKER_LOST = "worker_lost"
    """the zygote itself died or stopped answering"""

    @property
    def is_crash(self) -> bool:
        """The process misbehaved, as opposed to the student's code raising or missing."""
        return self not in {ErrorKind.RAISED, ErrorKind.IMPORT_FAILED, ErrorKind.MISSING_FUNCTION,
                            ErrorKind.MISSING_MODULE}


@dataclass(frozen=True)
class ExceptionInfo:
    """An exception raised by student code, as the student should see it."""

    type: str
    """the exception's class name"""
    message: str
    traceback: str
    """the student's own frames only"""


@dataclass(frozen=True)
class CallError:
    kind: ErrorKind
    exception: ExceptionInfo | None = None
    """for RAISED, and IMPORT_FAILED by an exception"""
    cause: "CallError | None" = None
    """for IMPORT_FAILED when the child died while importing: how it died"""
    signal: str = ""
    """for CRASHED: the signal's name"""
    seconds: float = 0.0
    """for TIMEOUT: the deadline that passed"""
    limit_bytes: int = 0
    """for OUTPUT_FLOOD: the output limit"""
    reason: str = ""
    """for UNREADABLE: what was wrong with the frame (for the instructor)"""


@dataclass(frozen=True)
class Call:
    """One probe run on one student function, on one device."""

    index: int
    module: str
    function: str
    probe: str
    device: str
    inputs: Any


@dataclass(frozen=True)
class Outcome:
    """What one call came to: an observation, or an error."""

    observation: Observation | None = None
    error: CallError | None = None
