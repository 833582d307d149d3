"""What a student's results were graded from, so a re-run knows whom to grade again: a
digest of the hand-in's files as the grader read them, and one of the kit's checks (their
points, their code, the references they compare with) and its version. Torch-free: the
command line plans a run before it imports torch."""

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from grader.lessons import Lesson, given
from grader.load import SUFFIXES, Refused, read_file


@dataclass(frozen=True)
class GradedFrom:
    """Kept in results.json's extra_data; two gradings from equal ones give equal results."""

    hand_in: str
    """sha256 of the lesson files graded (names and bytes)"""
    checks: str
    """sha256 of the checks' sources and points, the reference solutions and the kit's version"""
    kit: str
    """the kit's version, as installed"""


def graded_from(folder: Path, lesson: Lesson | None = None) -> GradedFrom:
    lesson = given(lesson)
    return GradedFrom(hand_in_digest(folder, lesson), checks_digest(lesson.folder, lesson.solutions,
                                                                    tuple(lesson.api)), kit_version())


def hand_in_digest(folder: Path, lesson: Lesson | None = None) -> str:
    """The files load.py grades in `folder`, read the way it reads them."""
    digest = hashlib.sha256()
    for name in (f"{module}{suffix}" for module in given(lesson).api for suffix in SUFFIXES):
        try:
            data = read_file(folder / name)
        except Refused as refused:  # refused the same way each time: its reason is what was graded
            data = refused.note.message.encode()
        if data is not None:
            digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


@cache
def checks_digest(folder: Path, solutions: Path, modules: tuple[str, ...]) -> str:
    """The checks as they grade: their code (points included), the references behind their
    expected answers, the lesson's other data (a reference run), and the kit's version."""
    references = [solutions / f"{module}.py" for module in modules]
    data = [*sorted((folder / "checks").glob("*.py")), *sorted(folder.glob("*.json"))]
    return files_digest([*data, *references], kit_version())


def files_digest(files: list[Path], version: str) -> str:
    digest = hashlib.sha256(version.encode())
    for file in files:
        digest.update(f"\0{file.name}\0{file.stat().st_size}\0".encode() + file.read_bytes())
    return digest.hexdigest()


@cache
def kit_version() -> str:
    try:
        return metadata.version("autograd-kit")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"
