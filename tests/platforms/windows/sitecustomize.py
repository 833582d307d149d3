"""Stands in for Windows on Linux, as far as Linux lets that be simulated: on this test's
PYTHONPATH, it takes away what macOS lacks too (../macos), and what only POSIX systems have:
fork and sessions, uids, the resource, fcntl, termios, pwd and grp modules, a C library
reachable as CDLL(None), and select on anything but sockets. Not taken away, because
Linux's own subprocess and multiprocessing need them here, signal.SIGKILL and os.WIF*, nor
os.getuid and os.sysconf, which libraries built for Linux (platformdirs, psutil) use by name."""

import ctypes
import importlib.util
import os
import select
import socket
from pathlib import Path

# the macOS stand-in, one folder over (loaded under a name of its own: this module is sitecustomize)
MACOS = Path(__file__).parent.parent / "macos" / "sitecustomize.py"
spec = importlib.util.spec_from_file_location("simulated_macos", MACOS)
assert spec is not None and spec.loader is not None
macos = importlib.util.module_from_spec(spec)
spec.loader.exec_module(macos)

POSIX_ONLY_CALLS = ("fork", "forkpty", "setsid", "killpg", "getpgid", "setpgid", "setresuid", "setresgid", "setgroups",
                    "readv")
POSIX_ONLY_MODULES = ("resource", "fcntl", "termios", "tty", "pty", "pwd", "grp")

macos.take_away(POSIX_ONLY_CALLS, POSIX_ONLY_MODULES, ())
shared_library = ctypes.CDLL.__init__


def no_process_library(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
    if name is None:  # Windows has no handle on "this process"
        raise TypeError("expected str, bytes or os.PathLike object, not NoneType (simulated Windows)")
    shared_library(self, name, *args, **kwargs)


ctypes.CDLL.__init__ = no_process_library  # type: ignore[method-assign]
select_anything = select.select


def select_sockets(readable, writable, errors, *timeout):  # type: ignore[no-untyped-def]
    for item in [*readable, *writable, *errors]:
        copy = os.dup(item if isinstance(item, int) else item.fileno())
        try:
            socket.socket(fileno=copy).detach()
        except OSError as error:
            raise OSError(10038, "An operation was attempted on something that is not a socket (simulated)") from error
        finally:
            os.close(copy)
    return select_anything(readable, writable, errors, *timeout)


select.select = select_sockets
