"""The class folder's side of batch: who the students are, and where each one's files are.

A class folder arrives from an LMS, nbgrader's exchange or a zip made on Windows or a Mac:
folder names in GBK, the files one folder down or in a zip, `autograd_basics (1).py`,
`__MACOSX` beside them. Every folder (or archive) in it is a student, and each gets an
Intake: the folder to grade, with notes on what was done to find it, or why there is none.
Files are only ever read the way grader/load.py reads them (no links, size caps).
"""

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from grader.instructor.archives import ARCHIVE_SUFFIXES, NotUnpacked, is_archive, unpack
from grader.instructor.lms import Part, part_of
from grader.lessons import Lesson, given
from grader.load import FALLBACK_ENCODING, SUFFIXES, Refused, UsageError, read_file
from grader.messages import say
from grader.results import Feedback

# what operating systems and tools leave beside the work (dot files are skipped too)
JUNK = {"__MACOSX", "__pycache__", "Thumbs.db", "desktop.ini", "$RECYCLE.BIN", "System Volume Information"}
MAX_DEPTH = 4  # folders below the student's own
MAX_FILES = 2000
MAX_ARCHIVES = 4  # unpacked per student, nested ones included
SHOWN_FILES = 5
# "autograd_basics (1).py", "Autograd-Basics - Copy.py", "autograd_basics.py.txt"...
COPY_MARK = r"(?:[ _-]*(?:\(\d+\)|\d+|copy|副本|final|v\d+))*\s*"


class Standing(str, Enum):
    GRADED = "graded"
    NO_SUBMISSION = "no submission"
    NOT_GRADABLE = "not gradable"


@dataclass(frozen=True)
class Student:
    name: str
    """readable: for pages, tables and the results folder (a GBK name decoded)"""
    folder: str
    """the name on disk, byte for byte (escaped as \\xNN where it is not UTF-8): for matching"""
    path: Path
    """the student's folder, or archive, in the class folder (with `files`, the first of those)"""
    files: tuple[tuple[str, Path], ...] = ()
    """an LMS's flat download (lms.py): each of the student's files, with the name they gave it"""


@dataclass(frozen=True)
class Intake:
    """What was found for one student: the folder to grade, or why there is none."""

    path: Path | None
    notes: tuple[Feedback, ...] = ()
    """for the student and the instructor: an archive unpacked, a file graded under its right name"""
    standing: Standing = Standing.GRADED
    reason: Feedback | None = None
    """why it is not graded"""


@dataclass
class Search:
    """What looking through one student's hand-in came across."""

    trees: list[Path] = field(default_factory=list)
    notes: list[Feedback] = field(default_factory=list)
    refusals: list[Feedback] = field(default_factory=list)


def find_students(root: Path, lang: str) -> list[Student]:
    """One folder (or archive) per student, an LMS's download (its names say whose each entry
    is: lms.py), or nbgrader's submitted/<student>/<assignment>/."""
    if not root.is_dir():
        raise UsageError(say("not_a_class_folder", lang, path=root))
    base = root / "submitted" if (root / "submitted").is_dir() else root
    students: list[Student] = []
    lms: dict[str, list[tuple[Path, Part]]] = {}
    for entry in (p for p in listing(base) if p.is_dir() or p.is_file()):
        if (part := part_of(readable(entry.name), entry.is_dir())) is not None:
            lms.setdefault(part.student, []).append((entry, part))
        elif entry.is_dir() or is_archive(entry):
            add(students, readable(archive_stem(entry.name) if entry.is_file() else entry.name), escaped(entry.name),
                entry)
    for key, parts in lms.items():
        add(students, parts[0][1].name, escaped(key), *latest(parts))
    if not students:
        raise UsageError(say("no_students", lang, path=root))
    return students


def add(students: list[Student], name: str, folder: str, path: Path, files: tuple[tuple[str, Path], ...] = ()) -> None:
    taken = any(student.name == name for student in students)  # two names on disk that read the same
    students.append(Student(folder if taken else name, folder, path, files))


def latest(parts: list[tuple[Path, Part]]) -> tuple[Path, tuple[tuple[str, Path], ...]]:
    """Of one student's entries, what to grade: the files of their latest attempt, or their
    folder of files (not their online text)."""
    best = max(part.rank for _, part in parts)
    kept = [(entry, part) for entry, part in parts if part.rank == best]
    folders = [entry for entry, _ in kept if entry.is_dir()]
    return (folders[0], ()) if folders else (kept[0][0], tuple((part.file, entry) for entry, part in kept))


def readable(name: str) -> str:
    """A folder name as people read it: UTF-8, else GBK (a zip made on a Chinese Windows), else escaped."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", FALLBACK_ENCODING):
        try:
            return unicodedata.normalize("NFC", raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    return escaped(name)


def archive_stem(name: str) -> str:
    return next(name[: -len(suffix)] for suffix in ARCHIVE_SUFFIXES if name.lower().endswith(suffix))


def escaped(name: str) -> str:
    """One text per name on disk: a byte that is not UTF-8 as \\xNN, a backslash doubled (so a
    folder literally named `\\xcd\\xf5` is not taken for the GBK bytes of 王)."""
    return os.fsencode(name).replace(b"\\", b"\\\\").decode("utf-8", errors="backslashreplace")


def listing(folder: Path) -> list[Path]:
    """A folder's entries, without the junk; none where it cannot be read."""
    try:
        return sorted(p for p in folder.iterdir() if p.name not in JUNK and not p.name.startswith((".", "~$")))
    except OSError:
        return []


def prepare(student: Student, scratch: Path, lesson: Lesson | None = None) -> Intake:
    """The folder to grade for `student`: theirs, or one in it, or an archive's unpacked into
    `scratch`; where a lesson file has a near-miss name, a copy under the right name."""
    modules = tuple(given(lesson).api)
    search = Search()
    found = None
    for tree in trees(handed_in(student, scratch, search), scratch, search):
        if (found := lesson_folder(tree, modules)) is not None:
            break
    chosen = lesson_files(found, search.trees, modules)
    if not chosen:
        return unusable(search, modules)
    if found is not None and all(path == found / name for name, path in chosen.items()):
        return Intake(found, tuple(search.notes))
    folder = staged(chosen, scratch / "staged", search.notes)
    if not any(folder.iterdir()):  # every file chosen was refused (too large, unreadable): said in the notes
        return Intake(None, tuple(search.notes[:-1]), Standing.NOT_GRADABLE, search.notes[-1])
    return Intake(folder, tuple(search.notes))


def handed_in(student: Student, scratch: Path, search: Search) -> list[Path]:
    """Where to look: the student's folder or archive; for an LMS's flat files, a folder of
    them under the names the student gave them, then their archives."""
    if not student.files:
        return [student.path]
    folder = scratch / "handed-in"
    folder.mkdir(parents=True)
    for name, file in student.files:
        if name and not is_archive(file) and Path(name).name == name not in {".", ".."}:
            copied(file, folder / name, search)
    return [folder, *(file for _, file in student.files if is_archive(file))]


def copied(file: Path, target: Path, search: Search) -> None:
    """A copy, read as load.py reads files (no link, no pipe, capped)."""
    try:
        data = read_file(file)
    except Refused as refused:
        search.notes.append(refused.note)
        return
    if data is not None:
        target.write_bytes(data)


def trees(paths: list[Path], scratch: Path, search: Search) -> Iterator[Path]:
    """The hand-in, then each archive in it unpacked (and the archives in those), each
    searched only while none before showed the lesson files."""
    pending, unpacked = list(paths), 0
    while pending:
        path = pending.pop(0)
        if path.is_dir():
            search.trees.append(path)
            yield path
            pending += [file for file in files(path) if is_archive(file)]
        elif unpacked < MAX_ARCHIVES:
            unpacked += 1
            pending += unpacked_into(path, scratch / f"archive-{unpacked}", search)


def unpacked_into(archive: Path, target: Path, search: Search) -> list[Path]:
    try:
        skipped = unpack(archive, target)
    except NotUnpacked as refused:
        search.refusals.append(Feedback("archive_refused", {"archive": archive.name}, cause=refused.reason))
        return []
    search.notes.append(Feedback("archive_unpacked", {"archive": archive.name}))
    if skipped:
        search.notes.append(Feedback("archive_entries_skipped", {"archive": archive.name, "count": skipped}))
    return [target]


def lesson_folder(tree: Path, modules: tuple[str, ...]) -> Path | None:
    """The shallowest folder in `tree` holding anything by a lesson file's name."""
    level = [tree]
    for _ in range(MAX_DEPTH + 1):
        for folder in level:
            if any(os.path.lexists(folder / f"{m}{suffix}") for m in modules for suffix in SUFFIXES):
                return folder
        level = [p for folder in level for p in listing(folder) if p.is_dir() and not p.is_symlink()]
    return None


def files(tree: Path, depth: int = MAX_DEPTH) -> list[Path]:
    """The regular files in `tree`, links and junk left out."""
    found: list[Path] = []
    for entry in listing(tree):
        if entry.is_symlink():
            continue
        if entry.is_dir() and depth:
            found += files(entry, depth - 1)
        elif entry.is_file():
            found.append(entry)
    return found[:MAX_FILES]


def lesson_files(found: Path | None, searched: list[Path], modules: tuple[str, ...]) -> dict[str, Path]:
    """By the name to grade it under: each lesson file in `found`, else its near miss."""
    exact = exact_files(found, modules)
    missing = [m for m in modules if not any(name.startswith(f"{m}.") for name in exact)]
    return {**exact, **near_misses(searched, missing)}


def exact_files(folder: Path | None, modules: tuple[str, ...]) -> dict[str, Path]:
    """What load.py will read there, by its own name (a link or a pipe too: it refuses them)."""
    names = [f"{m}{suffix}" for m in modules for suffix in SUFFIXES]
    return {} if folder is None else {name: folder / name for name in names if os.path.lexists(folder / name)}


def near_misses(searched: list[Path], modules: list[str]) -> dict[str, Path]:
    """For each of `modules`, the newest file whose name is a near miss of its own."""
    chosen: dict[str, Path] = {}
    candidates = [file for tree in searched for file in files(tree)] if modules else []
    for module in modules:
        for suffix in SUFFIXES:
            matches = [file for file in candidates if near_miss(file.name, module, suffix)]
            if matches:
                chosen[f"{module}{suffix}"] = max(matches, key=lambda file: (file.stat().st_mtime, file.name))
                break
    return chosen


def near_miss(name: str, module: str, suffix: str) -> bool:
    stem = module.replace("_", "[ _-]?")
    return re.fullmatch(rf"{stem}{COPY_MARK}{re.escape(suffix)}(?:\.txt)?", name, re.IGNORECASE) is not None


def staged(chosen: dict[str, Path], folder: Path, notes: list[Feedback]) -> Path:
    """Copies of the chosen files under their right names, read as load.py reads them."""
    folder.mkdir(parents=True)
    for name, file in chosen.items():
        if file.name != name:
            notes.append(Feedback("near_miss", {"found": file.name, "expected": name}))
        try:
            data = read_file(file)
        except Refused as refused:
            notes.append(refused.note)
            continue
        if data is not None:
            (folder / name).write_bytes(data)
    return folder


def unusable(search: Search, modules: tuple[str, ...]) -> Intake:
    notes = tuple(search.notes)
    if search.refusals:
        return Intake(None, notes, Standing.NOT_GRADABLE, search.refusals[0])
    present = [file.name for tree in search.trees for file in files(tree)]
    if not present:
        return Intake(None, notes, Standing.NO_SUBMISSION, Feedback("nothing_handed_in"))
    shown = ", ".join(present[:SHOWN_FILES]) + (", …" if len(present) > SHOWN_FILES else "")
    expected = " / ".join(f"{m}.py" for m in modules)
    return Intake(None, notes, Standing.NOT_GRADABLE, Feedback("no_lesson_files", {"expected": expected,
                                                                                   "found": shown}))
