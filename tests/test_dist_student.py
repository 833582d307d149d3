"""`dist student` hands out the stubs made from the solutions, whatever the instructor left
in their own `exercises/` folder."""

import shutil
import zipfile

from grader.instructor import dist
from grader.instructor.stubs import make_stub
from grader.lessons.autograd import API
from tests.conftest import ROOT


def test_the_student_zip_holds_stubs_even_where_exercises_holds_answers(tmp_path, monkeypatch):
    kit = tmp_path / "kit"
    shutil.copytree(ROOT / "grader", kit / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions", kit / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions", kit / "exercises", ignore=shutil.ignore_patterns("__pycache__"))  # tried
    shutil.copy(ROOT / "pyproject.toml", kit / "pyproject.toml")
    monkeypatch.setattr(dist, "ROOT", kit)
    with zipfile.ZipFile(dist.student_zip(tmp_path / "student.zip")) as archive:
        for module in API:
            handed_out = archive.read(f"exercises/{module}.py").decode("utf-8")
            assert handed_out == make_stub((kit / "solutions" / f"{module}.py").read_text("utf-8"))
            assert handed_out.count("raise NotImplementedError") == len(API[module])
            assert "BEGIN SOLUTION" not in handed_out
        assert archive.read("exercises/__init__.py") == b""
        assert not any(name.startswith("solutions/") for name in archive.namelist())


def test_the_stubs_handed_out_are_those_in_the_checkout():
    for module in API:
        assert dist.exercise_stub(module) == (ROOT / "exercises" / f"{module}.py").read_text("utf-8")

