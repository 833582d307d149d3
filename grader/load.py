"""Step 1: load a submission: read the source of each lesson module, never import it.

A submission is a folder with the lesson's modules (`<module>.py`), or with
the same names as notebooks (`.ipynb`, as nbgrader collects them): then the code cells
are joined, nbgrader's test cells and the demo cells are left out, and IPython magics and
shell escapes, which are not Python, are dropped with a note for the student.

Only regular files directly in the folder are read, up to a size cap: a link, a folder, a
pipe or a device by a lesson file's name is refused, counted as missing, and the student
is told why.
"""

import codecs
import errno
import importlib.util
import io
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.lessons import Lesson, given
from grader.results import Feedback

MAX_SOURCE_BYTES = 2**20
MAX_SOURCE_SIZE = f"{MAX_SOURCE_BYTES // 2**20} MiB"  # as the refusal says it
SUFFIXES = (".py", ".ipynb")
# what a source that is not UTF-8 most likely is: a Chinese Windows' ANSI code page (GB18030 covers GBK)
FALLBACK_ENCODING = "gb18030"


class UsageError(Exception):
    """A problem with how the grader was called: said in one sentence, exit code 2."""


class Refused(Exception):
    """A file of the lesson's name that the grader will not read: counted as missing, and
    the student is told why."""

    def __init__(self, note: Feedback) -> None:
        super().__init__(note.message)
        self.note = note


@dataclass(frozen=True)
class Submission:
    path: Path
    sources: dict[str, str | None]  # None: the file is missing or was refused
    notes: list[Feedback] = field(default_factory=list)


def load_submission(path: Path, lesson: Lesson | None = None) -> Submission:
    api = given(lesson).api
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder: give the folder that holds {' and '.join(f'{m}.py' for m in api)}.")
    if not holds_lesson(path, api):
        raise UsageError(f"{path} holds neither {' nor '.join(f'{m}.py' for m in api)} (nor the .ipynb notebooks).")
    folder = path.resolve()  # the instructor may give the folder through a link, once; the files in it may not be
    sources: dict[str, str | None] = {}
    notes: list[Feedback] = []
    for module in api:
        sources[module] = module_source(folder, module, notes)
    return Submission(path, sources, notes)


def holds_lesson(path: Path, api: Iterable[str]) -> bool:
    """Anything by a lesson file's name, even one that will be refused: it is graded, and told why."""
    return any(os.path.lexists(path / f"{module}{suffix}") for module in api for suffix in SUFFIXES)


def module_source(folder: Path, module: str, notes: list[Feedback]) -> str | None:
    """The module's code from its .py file, or else from its notebook; a refused file counts as missing."""
    for suffix in SUFFIXES:
        try:
            data = read_file(folder / f"{module}{suffix}")
        except Refused as refused:
            notes.append(refused.note)
            continue
        if data is None:
            continue
        if suffix == ".py":
            return python_source(data, f"{module}{suffix}", notes)
        source, dropped = notebook_source(data)
        if dropped:
            notes.append(Feedback("magics_dropped", {"module": module, "count": dropped}))
        return source
    return None


def read_file(file: Path) -> bytes | None:
    """The bytes of a regular file, or None where nothing has that name. Anything else is
    refused: a link could reach the solutions, another student's work or the grader's own
    secrets (/proc/self/environ), and a pipe or a device could block or never end."""
    try:
        # O_NOFOLLOW: a link fails with ELOOP; O_NONBLOCK: opening a FIFO does not wait for a writer
        fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise Refused(open_refusal(file, error)) from error
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(Feedback("file_not_regular", {"file": file.name}))
        return read_capped(fd, file)
    finally:
        os.close(fd)


def read_capped(fd: int, file: Path) -> bytes:
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)  # one byte more than the cap tells a file over it
    except OSError as error:
        raise Refused(Feedback("file_unreadable", {"file": file.name})) from error
    if len(data) > MAX_SOURCE_BYTES:
        raise Refused(Feedback("file_too_large", {"file": file.name, "limit": MAX_SOURCE_SIZE}))
    return data


def open_refusal(file: Path, error: OSError) -> Feedback:
    if error.errno == errno.ELOOP:
        return Feedback("file_is_link", {"file": file.name})
    if error.errno in (errno.ENXIO, errno.ENODEV):  # a socket, or a device with no driver behind it
        return Feedback("file_not_regular", {"file": file.name})
    return Feedback("file_unreadable", {"file": file.name})


def python_source(data: bytes, file: str, notes: list[Feedback]) -> str:
    """The text as CPython's import reads it (a BOM or a coding line, universal newlines);
    a file in another encoding, as Windows Notepad saves it, is read as that, with a note."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return with_note(data, "utf-16", file, notes)
    try:
        return importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):  # no valid UTF-8, or a bad coding line
        return with_note(data, FALLBACK_ENCODING, file, notes)


def with_note(data: bytes, encoding: str, file: str, notes: list[Feedback]) -> str:
    try:
        text = data.decode(encoding)
        notes.append(Feedback("source_decoded", {"file": file, "encoding": encoding.upper()}))
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        notes.append(Feedback("source_undecodable", {"file": file}))
    return io.IncrementalNewlineDecoder(None, translate=True).decode(text.removeprefix("\ufeff"), final=True)


def notebook_source(data: bytes) -> tuple[str, int]:
    """The notebook's code as one module, and how many magic or shell lines were dropped."""
    import nbformat  # only when there are notebooks: importing it costs over a second

    try:
        notebook = nbformat.reads(data.decode("utf-8-sig", errors="replace"), as_version=4)
    except Exception:  # nbformat raises several kinds on a damaged file
        return "raise SyntaxError('this notebook could not be read')\n", 0
    kept, dropped = [], 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or not is_code_to_grade(cell):
            continue
        lines = cell.source.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            dropped += len(lines)
            continue
        magic = [line for line in lines if line.lstrip().startswith(("%", "!"))]
        dropped += len(magic)
        kept.append("\n".join(line for line in lines if line not in magic))
    return "\n\n".join(kept) + "\n", dropped


def is_code_to_grade(cell: Any) -> bool:
    """Solutions and given code; not nbgrader's test cells, nor cells that only run a demo."""
    nbgrader = cell.metadata.get("nbgrader", {})
    if not nbgrader:
        return True
    return bool(nbgrader.get("solution")) or str(nbgrader.get("grade_id", "")).startswith("given")
