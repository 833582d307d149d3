"""`python -m grader dist student-wheel OUTDIR`: what students pip-install (on a JupyterHub,
on a laptop): the files of the student zip (dist.py, the one list of what students get)
as the distribution autograd-kit-student, with no `solutions` package and no hidden
checks. The instructor installs the kit itself, from its checkout (`pip install -e .`).

The wheel is built by pip from a folder holding those files and a pyproject.toml derived
from the kit's own: its packages, those that the student files make up.
"""

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from grader import ROOT
from grader.instructor.dist import readme, student_copy, student_files
from grader.lessons import kit_lessons
from grader.load import UsageError
from grader.messages import say

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

NAME = "autograd-kit-student"


def student_wheel(out: Path, lang: str) -> Path:
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as staging:
        folder = Path(staging)
        # every lesson the kit holds: a student installs the wheel once for the whole course
        files = {file: lesson for lesson in kit_lessons() for file in student_files(lesson)}
        for file, lesson in files.items():
            (folder / file).parent.mkdir(parents=True, exist_ok=True)
            (folder / file).write_bytes(student_copy(file, lesson))
        (folder / "README.md").write_text(readme(), "utf-8")
        (folder / "pyproject.toml").write_text(pyproject(folder), "utf-8")
        build(folder, out, lang)
    return out / f"{NAME.replace('-', '_')}-{kit_pyproject()['project']['version']}-py3-none-any.whl"


def kit_pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def pyproject(folder: Path) -> str:
    """The kit's pyproject.toml for the packages present in `folder`."""
    kit = kit_pyproject()
    project = {key: kit["project"][key] for key in ("version", "requires-python", "dependencies")}
    packages = [p for p in kit["tool"]["setuptools"]["packages"] if (folder / p.replace(".", "/")).is_dir()]
    data = {name: files for name, files in kit["tool"]["setuptools"]["package-data"].items() if name in packages}
    return "\n".join([
        "[build-system]", toml("requires", kit["build-system"]["requires"]),
        toml("build-backend", kit["build-system"]["build-backend"]),
        "[project]", toml("name", NAME), toml("description", "The kit's lessons: their exercises and public checks"),
        toml("readme", "README.md"), *(toml(key, value) for key, value in project.items()),
        "[project.entry-points.pytest11]",
        *(toml(key, value) for key, value in kit["project"]["entry-points"]["pytest11"].items()),
        "[tool.setuptools]", toml("packages", packages),
        "[tool.setuptools.package-data]", *(toml(name, files) for name, files in data.items()), "",
    ])


def toml(key: str, value: object) -> str:
    """One key = value line: a JSON string or array of strings is a TOML one too."""
    return f"{json.dumps(key)} = {json.dumps(value)}"


def build(folder: Path, out: Path, lang: str) -> None:
    # without build isolation where setuptools is at hand: no download, and offline too
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation, "--wheel-dir", str(out),
               str(folder)]
    built = subprocess.run(command, capture_output=True, text=True)
    if built.returncode != 0:
        lines = (built.stderr or built.stdout).strip().splitlines()
        raise UsageError(say("wheel_failed", lang, reason=lines[-1] if lines else f"pip exited {built.returncode}"))
