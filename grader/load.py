"""Step 1: load a submission: read the source of each lesson module, never import it.

A submission is a folder with `autograd_basics.py` and `linear_regression.py`, or with
the same names as notebooks (`.ipynb`, as nbgrader collects them): then the code cells
are joined, nbgrader's test cells and the demo cells are left out, and IPython magics and
shell escapes, which are not Python, are dropped with a note for the student.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.lesson import API
from grader.results import Feedback

MAX_SOURCE_BYTES = 2**20


class UsageError(Exception):
    """A problem with how the grader was called: said in one sentence, exit code 2."""


@dataclass(frozen=True)
class Submission:
    path: Path
    sources: dict[str, str | None]  # None: the file is missing
    notes: list[Feedback] = field(default_factory=list)


def load_submission(path: Path) -> Submission:
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder: give the folder that holds {' and '.join(f'{m}.py' for m in API)}.")
    sources, notes = {}, []
    for module in API:
        sources[module] = read_source(path / f"{module}.py")
        if sources[module] is None and (path / f"{module}.ipynb").is_file():
            sources[module], dropped = notebook_source(path / f"{module}.ipynb")
            if dropped:
                notes.append(Feedback("magics_dropped", {"module": module, "count": dropped}))
    if all(source is None for source in sources.values()):
        raise UsageError(f"{path} holds neither {' nor '.join(f'{m}.py' for m in API)} (nor the .ipynb notebooks).")
    return Submission(path, sources, notes)


def holds_lesson(path: Path) -> bool:
    return any((path / f"{module}{suffix}").is_file() for module in API for suffix in (".py", ".ipynb"))


def read_source(file: Path) -> str | None:
    if not file.is_file():
        return None
    with file.open("rb") as handle:
        return handle.read(MAX_SOURCE_BYTES).decode("utf-8", errors="replace")


def notebook_source(file: Path) -> tuple[str | None, int]:
    """The notebook's code as one module, and how many magic or shell lines were dropped."""
    import nbformat  # only when there are notebooks: importing it costs over a second

    try:
        notebook = nbformat.reads(read_source(file), as_version=4)
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
