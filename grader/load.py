"""Step 1: load a submission, i.e. read the source of each lesson module (never import it)."""

from dataclasses import dataclass
from pathlib import Path

from grader.lesson import API

MAX_SOURCE_BYTES = 2**20


class UsageError(Exception):
    """A problem with how the grader was called: said in one sentence, exit code 2."""


@dataclass(frozen=True)
class Submission:
    path: Path
    sources: dict[str, str | None]  # None: the file is missing


def load_submission(path: Path) -> Submission:
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder: give the folder that holds {' and '.join(f'{m}.py' for m in API)}.")
    sources = {module: read_source(path / f"{module}.py") for module in API}
    if all(source is None for source in sources.values()):
        raise UsageError(f"{path} holds neither {' nor '.join(f'{m}.py' for m in API)}.")
    return Submission(path, sources)


def read_source(file: Path) -> str | None:
    if not file.is_file():
        return None
    with file.open("rb") as handle:
        return handle.read(MAX_SOURCE_BYTES).decode("utf-8", errors="replace")
