"""`python -m grader dist student OUT.zip`: what a student needs, and nothing more: the
exercises, the grader with its public checks, a short README and the requirements; no
solutions, no hidden checks, and no hidden check's claim in the catalogue either.

The exercises are the stubs made from the solutions now, never the files in `exercises/`:
an instructor who tried the exercises in their checkout would hand out their answers."""

import sys
import zipfile
from pathlib import Path

from grader import INSTRUCTORS_ONLY, ROOT
from grader.instructor.stubs import make_stub
from grader.lesson import API
from grader.messages import fields, in_every_language

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

# the hidden checks, and the instructor's tools that need them or the solutions
LEFT_OUT = tuple(name.replace(".", "/") for name in INSTRUCTORS_ONLY)
CATALOGUE = "grader/lesson/catalogue/"
# the student README's layout; its words are the catalogue's [student_readme], in every language
README = """# {title}

{install}:  pip install -r requirements.txt

{work}:     python -m grader watch          ({on_save})
{hint}:     python -m grader hint sgd_step --level 2
{check}:    python -m grader check --html page.html   ({plots})

{task}
{checks}
"""
SENTENCES = ("task", "checks")  # one line per language; the short texts stand side by side


def student_zip(target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in student_files():
            archive.writestr(file, student_copy(file))
        archive.writestr("README.md", readme())
        archive.writestr("requirements.txt", "\n".join(requirements()) + "\n")
    return target


EXERCISES = ["exercises/__init__.py", *(f"exercises/{module}.py" for module in API)]


def student_files() -> list[str]:
    files = sorted((ROOT / "grader").rglob("*"))
    kept = [p.relative_to(ROOT).as_posix() for p in files if p.is_file() and p.suffix in (".py", ".toml", ".json")]
    return EXERCISES + [name for name in kept if not name.removesuffix(".py").startswith(LEFT_OUT)]


def student_copy(file: str) -> bytes:
    """What students get of one of the kit's files: the stub made from the solution (an empty
    package marker for exercises/__init__.py), a catalogue without the hidden checks' claims."""
    if file in EXERCISES:
        return exercise_stub(file.removeprefix("exercises/").removesuffix(".py")).encode("utf-8")
    data = (ROOT / file).read_bytes()
    return without_hidden_claims(data.decode("utf-8")).encode("utf-8") if file.startswith(CATALOGUE) else data


def exercise_stub(module: str) -> str:
    return make_stub((ROOT / "solutions" / f"{module}.py").read_text("utf-8")) if module in API else ""


def without_hidden_claims(catalogue: str) -> str:
    """The catalogue's text, less each [claims] line of a check only the hidden checks make."""
    hidden, kept, section = hidden_claims(), [], ""
    for line in catalogue.splitlines(keepends=True):
        section = line.strip() if line.startswith("[") else section
        if not (section == "[claims]" and key_of(line) in hidden):
            kept.append(line)
    return "".join(kept)


def hidden_claims() -> set[str]:
    from grader.lesson.checks import collect  # torch: only when packaging

    return {c.claim for c in collect(hidden=True) if c.hidden} - {c.claim for c in collect(hidden=False)}


def key_of(line: str) -> str | None:
    """The key of a `"key" = "value"` line; None for a comment, a blank or a heading."""
    try:
        return next(iter(tomllib.loads(line)), None)
    except tomllib.TOMLDecodeError:
        return None


def readme() -> str:
    separators = {key: "\n" if key in SENTENCES else " / " for key in fields(README)}
    return README.format(**{key: in_every_language("student_readme", key, sep) for key, sep in separators.items()})


def requirements() -> list[str]:
    """The project's own dependencies (one source: pyproject.toml)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
