"""`python -m grader dist student OUT.zip`: what a student needs, and nothing more: the
exercises, the grader with its public checks, a short README and the requirements; no
solutions, no hidden checks, and no hidden check's claim in the catalogue either.

The exercises are the stubs made from the solutions now, never the files in `exercises/`:
an instructor who tried the exercises in their checkout would hand out their answers."""

import sys
import zipfile
from fnmatch import fnmatchcase
from pathlib import Path

import grader
from grader import INSTRUCTORS_ONLY, ROOT
from grader.instructor.stubs import make_stub
from grader.lessons import Lesson, find, given
from grader.messages import fields, in_every_language

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

# the hidden checks, and the instructor's tools that need them or the solutions
LEFT_OUT = tuple(name.replace(".", "/") for name in INSTRUCTORS_ONLY)
CATALOGUE = "grader/lessons/*/catalogue/*"
# the student README's layout; its words are the catalogue's [student_readme], in every language
README = """# {title}

{install}:  pip install -r requirements.txt

{work}:     python -m grader watch          ({on_save})
{hint}:     python -m grader hint {example} --level 2
{check}:    python -m grader check --html page.html   ({plots})

{task}
{checks}
"""
SENTENCES = ("task", "checks")  # one line per language; the short texts stand side by side


def student_zip(target: Path, lesson: Lesson | None = None) -> Path:
    """For a kit lesson: its exercises where the kit keeps them, and the grader (every lesson's public part)."""
    lesson = given(lesson)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in student_files(lesson):
            archive.writestr(file, student_copy(file, lesson))
        archive.writestr("README.md", readme(lesson))
        archive.writestr("requirements.txt", "\n".join(requirements()) + "\n")
    return target


def in_kit(path: Path) -> str:
    """A kit lesson's folder (its exercises, its solutions), relative to the kit it came with."""
    return path.relative_to(grader.ROOT).as_posix()


def exercise_files(lesson: Lesson) -> list[str]:
    """The lesson's exercises as a student's copy holds them: made from its solutions."""
    folder = in_kit(lesson.exercises)
    return [f"{folder}/__init__.py", *(f"{folder}/{module}.py" for module in lesson.api)]


def student_files(lesson: Lesson | None = None) -> list[str]:
    files = sorted((ROOT / "grader").rglob("*"))
    kept = [p.relative_to(ROOT).as_posix() for p in files if p.is_file() and p.suffix in (".py", ".toml", ".json")]
    return exercise_files(given(lesson)) + [
        name for name in kept if not any(fnmatchcase(name.removesuffix(".py"), f"{out}*") for out in LEFT_OUT)]


def student_copy(file: str, lesson: Lesson | None = None) -> bytes:
    """What students get of one of the kit's files: the stub made from the solution (an empty
    package marker for the exercises' __init__.py), a catalogue without the hidden checks' claims."""
    if file in exercise_files(given(lesson)):
        return exercise_stub(Path(file).stem, lesson).encode("utf-8")
    data = (ROOT / file).read_bytes()
    if not fnmatchcase(file, CATALOGUE):
        return data
    return without_hidden_claims(data.decode("utf-8"), find(file.split("/")[2])).encode("utf-8")


def exercise_stub(module: str, lesson: Lesson | None = None) -> str:
    lesson = given(lesson)
    solution = ROOT / in_kit(lesson.solutions) / f"{module}.py"
    return make_stub(solution.read_text("utf-8"), lesson) if module in lesson.api else ""


def without_hidden_claims(catalogue: str, lesson: Lesson) -> str:
    """The catalogue's text, less each [claims] line of a check only the hidden checks make."""
    hidden, kept, section = hidden_claims(lesson), [], ""
    for line in catalogue.splitlines(keepends=True):
        section = line.strip() if line.startswith("[") else section
        if not (section == "[claims]" and key_of(line) in hidden):
            kept.append(line)
    return "".join(kept)


def hidden_claims(lesson: Lesson) -> set[str]:
    """(The checks import torch: only when packaging.)"""
    return {c.claim for c in lesson.checks(hidden=True) if c.hidden} - {c.claim for c in lesson.checks(hidden=False)}


def key_of(line: str) -> str | None:
    """The key of a `"key" = "value"` line; None for a comment, a blank or a heading."""
    try:
        return next(iter(tomllib.loads(line)), None)
    except tomllib.TOMLDecodeError:
        return None


def readme(lesson: Lesson | None = None) -> str:
    lesson = given(lesson)
    separators = {key: "\n" if key in SENTENCES else " / " for key in fields(README) - {"example"}}
    words = {key: in_every_language("student_readme", key, sep, lesson) for key, sep in separators.items()}
    return README.format(example=lesson.example_function, **words)


def requirements() -> list[str]:
    """The project's own dependencies (one source: pyproject.toml)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
