"""Unpacking a student's zip or tar, safely: only regular files, each under the target
folder (no absolute paths, no `..`, no links or devices), within caps on the size and the
number of entries, so a crafted archive can neither write elsewhere nor fill the disk."""

import os
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grader.results import Feedback

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
MAX_UNPACKED_BYTES = 32 * 2**20
MAX_ENTRIES = 500
CHUNK = 2**16
# what an archive's own bookkeeping adds, never the student's work
JUNK = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini")


class NotUnpacked(Exception):
    """An archive that is not unpacked at all: the reason, for the instructor and the student."""

    def __init__(self, reason: Feedback) -> None:
        super().__init__(reason.message)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """One member of an archive, whatever its format."""

    name: str
    regular: bool
    """a plain file: links, devices and the like are left out"""
    open: Callable[[], IO[bytes] | None]
    """the member's bytes, as a binary file"""


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def unpack(archive: Path, target: Path) -> int:
    """Unpack `archive` into the new folder `target`; returns how many entries were left out.
    Raises NotUnpacked where it is damaged or over a cap."""
    target.mkdir(parents=True)
    budget, skipped = MAX_UNPACKED_BYTES, 0
    try:
        with entries(archive) as members:
            for count, entry in enumerate(members, start=1):
                if count > MAX_ENTRIES:
                    raise NotUnpacked(Feedback("archive_too_many", {"limit": MAX_ENTRIES}))
                relative = safe_name(entry.name)
                if relative == "":  # a folder, or an archiver's own files
                    continue
                if relative is None or not entry.regular:
                    skipped += 1
                    continue
                try:
                    budget -= write_member(entry, target / relative, budget)
                except (FileExistsError, NotADirectoryError):  # a name given twice, or a file and a folder
                    skipped += 1
    except (OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zipfile.BadZipFile, tarfile.TarError,
            zlib.error):
        raise NotUnpacked(Feedback("archive_damaged")) from None
    return skipped


@contextmanager
def entries(archive: Path) -> Iterator[Iterator[Entry]]:
    """The archive's members, read from a file opened without following a link."""
    fd = os.open(archive, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotUnpacked(Feedback("archive_damaged"))
        if zipfile.is_zipfile(handle):
            with zipfile.ZipFile(handle) as opened:
                yield (zip_entry(opened, info) for info in opened.infolist())
        else:
            handle.seek(0)
            with tarfile.open(fileobj=handle, mode="r:*") as opened:
                yield (tar_entry(opened, member) for member in opened)


def zip_entry(opened: zipfile.ZipFile, info: zipfile.ZipInfo) -> Entry:
    mode = info.external_attr >> 16  # the Unix mode, where a Unix zip recorded one
    regular = not info.is_dir() and stat.S_IFMT(mode) in (0, stat.S_IFREG)  # 0: a zip that records no type
    return Entry(info.filename, regular, lambda: opened.open(info))


def tar_entry(opened: tarfile.TarFile, member: tarfile.TarInfo) -> Entry:
    return Entry(member.name, member.isreg(), lambda: opened.extractfile(member))


def safe_name(name: str) -> str | None:
    """The member's path inside the target, "" for a folder or junk (left out silently), or
    None where it would lead outside (absolute, a drive, `..`)."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
    if name.startswith(("/", "\\")) or (parts and ":" in parts[0]) or ".." in parts:
        return None
    if not parts or name.endswith("/") or any(part in JUNK or part.startswith(".") for part in parts):
        return ""
    return posixpath.join(*parts)


def write_member(entry: Entry, file: Path, budget: int) -> int:
    """Copy one member, refusing the archive once the whole would unpack past the cap; the size
    it declares is not trusted. Returns the bytes written."""
    file.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    source = entry.open()
    if source is None:
        return 0
    with source, file.open("xb") as copy:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > budget:
                raise NotUnpacked(Feedback("archive_too_large", {"limit": f"{MAX_UNPACKED_BYTES // 2**20} MiB"}))
            copy.write(chunk)
    return written

