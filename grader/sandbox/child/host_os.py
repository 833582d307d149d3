"""What this operating system offers the sandbox, found by looking for each thing, never by
the system's name (Python's own `subprocess` picks posix_spawn, vfork or fork the same way).

The zygote's level (fork a child per job, splice its output through, harden it) needs Linux's
calls; the portable level needs only `subprocess`. Nothing here calls a Linux-only function
unless it is there, so importing this module is safe on Windows and macOS.
"""

import ctypes
import os
import time
from typing import Any

PR_SET_DUMPABLE = 4
# What the zygote and its children call: os.splice and prctl exist on Linux alone, fork,
# setsid and killpg on every POSIX system, `resource` on every POSIX system.
ZYGOTE_NEEDS = ("fork", "setsid", "killpg", "splice", "readv", "WIFSIGNALED")


def zygote_possible() -> str:
    """Why this system cannot run the zygote, or "" if it can."""
    absent = [f"os.{name}" for name in ZYGOTE_NEEDS if not hasattr(os, name)]
    try:
        import resource  # noqa: F401
    except ImportError:
        absent.append("the resource module")
    if not absent and libc_function("prctl") is None:
        absent.append("libc's prctl")
    return f"this system has no {', '.join(absent)}" if absent else ""


def libc_function(name: str) -> "ctypes._NamedFuncPointer | None":
    """The C library's function `name`, where this system's C library has it."""
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, TypeError, AttributeError):  # TypeError: Windows has no CDLL(None)
        return None


def not_dumpable() -> None:
    """No process of the same uid may ptrace this one or open its /proc/<pid>/fd and mem
    (children inherit this; the zygote and the grader call it for themselves). Linux only:
    elsewhere there is no such switch, and the portable level says what it does not guard."""
    prctl = libc_function("prctl") if hasattr(os, "splice") else None
    if prctl is not None:
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


CALL_SECONDS = 5.0  # the CPU time one call may use, unless --call-seconds says otherwise
# A call may wait (sleep, block) this many times its CPU allowance in wall-clock time.
WALL_FACTOR = 6
POLL_SECONDS = 0.25  # how often the CPU time is read while a call runs


def watched(pid: int) -> Any:
    """A psutil.Process for `pid` (psutil reads /proc on Linux and asks the system elsewhere);
    None where it is gone, or where psutil cannot load (under tests/platforms' Windows stand-in,
    Linux's psutil misses the resource module: there, the wall clock alone)."""
    try:
        import psutil
    except ImportError:
        return None
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def cpu_seconds(process: Any) -> float | None:
    """The CPU time `process` has used, user and system, all its threads; None once it is gone."""
    import psutil

    try:
        used = process.cpu_times()
    except psutil.Error:
        return None
    return used.user + used.system


class CallBudget:
    """What the call in flight may still use: `seconds` of its process's CPU time, so that how
    busy the machine is changes no grade; and WALL_FACTOR times that in wall-clock time, for
    code that sleeps or blocks. Where CPU time cannot be read, `seconds` of wall-clock time."""

    def __init__(self, pid: int, seconds: float) -> None:
        self.seconds = seconds
        self.process = watched(pid)
        self.restart()

    def restart(self) -> None:
        """A call began (the last one answered)."""
        self.cpu_start = None if self.process is None else cpu_seconds(self.process)
        wall = self.seconds * (WALL_FACTOR if self.cpu_start is not None else 1)
        self.wall_deadline = time.monotonic() + wall

    def spent(self) -> bool:
        if time.monotonic() >= self.wall_deadline:
            return True
        if self.process is None or self.cpu_start is None:
            return False
        used = cpu_seconds(self.process)
        return used is not None and used - self.cpu_start > self.seconds

    def next_look(self) -> float:
        """When to look again: the wall-clock deadline, or sooner while CPU time is counted."""
        return min(self.wall_deadline, time.monotonic() + POLL_SECONDS)
