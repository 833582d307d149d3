"""Stands in for macOS on Linux: on this test's PYTHONPATH, it takes away what only Linux has
(os.splice, libc's prctl, seccomp), before anything else is imported. macOS starts
multiprocessing's children with spawn."""

import ctypes
import importlib.abc
import multiprocessing
import os
import sys

LINUX_ONLY_CALLS = ("splice", "pidfd_open", "memfd_create")
LINUX_ONLY_MODULES = ("pyseccomp",)
LINUX_ONLY_LIBC = ("prctl",)


class Refused(importlib.abc.MetaPathFinder):
    """Imports of modules the simulated system does not have fail as they would there."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r} (simulated system)", name=name)
        return None


def take_away(calls: tuple[str, ...], modules: tuple[str, ...], libc: tuple[str, ...]) -> None:
    for name in calls:
        if hasattr(os, name):
            delattr(os, name)
    for name in modules:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, Refused(modules))
    lookup = ctypes.CDLL.__getitem__

    def without(self, name):  # type: ignore[no-untyped-def]
        if name in libc:
            raise AttributeError(f"{name}: not in this system's C library (simulated)")
        return lookup(self, name)

    ctypes.CDLL.__getitem__ = without  # type: ignore[method-assign]


take_away(LINUX_ONLY_CALLS, LINUX_ONLY_MODULES, LINUX_ONLY_LIBC)
if __name__ == "sitecustomize":
    multiprocessing.set_start_method("spawn", force=True)
