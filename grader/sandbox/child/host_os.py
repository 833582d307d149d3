"""What this operating system offers the sandbox, found by looking for each thing, never by
the system's name (Python's own `subprocess` picks posix_spawn, vfork or fork the same way).

The zygote's level (fork a child per job, splice its output through, harden it) needs Linux's
calls; the portable level needs only `subprocess`. Nothing here calls a Linux-only function
unless it is there, so importing this module is safe on Windows and macOS.
"""

import ctypes
import os

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
