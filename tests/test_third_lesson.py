"""A lesson of an instructor's own, in a folder outside the kit: the engine grades it as it
grades the kit's. A tiny lesson (two functions, a public and a hidden check, a
misconception, hints in English and Chinese) is written to a temporary folder; its stubs
are built, a right and a wrong hand-in graded, its nbgrader course and Gradescope zip
built, and no file of the kit changes."""

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.sandbox

LESSON = {
    "__init__.py": '''
"""A tiny lesson: doubling a tensor, and the sum of its squares."""

from pathlib import Path

from grader.lessons import Lesson

HERE = Path(__file__).parent


def public_checks() -> list:
    from .checks.public import PUBLIC

    return PUBLIC


def hidden_checks() -> list:
    from .checks.hidden import HIDDEN

    return HIDDEN


LESSON = Lesson(
    name="tiny", number=3, api={"tiny_ops": ("double", "square_sum")}, folder=HERE,
    solutions=HERE / "solutions", exercises=HERE / "exercises", public=public_checks, hidden=hidden_checks,
    common_errors=(("must match the size of tensor", "shapes_differ"),), example_function="double",
)
''',
    "checks/__init__.py": "",
    "checks/public.py": '''
import torch

from grader.checks import Check, on

PUBLIC = [
    Check("double", "doubles 3 to 6", 2, inputs=lambda g: {"args": [torch.tensor(3.0)]},
          expect=lambda inputs, device: on(device, 6.0),
          wrong_answers=lambda inputs: {"squared_not_doubled": torch.tensor(9.0)}),
    Check("square_sum", "gives 14 for (1, 2, 3)", 1, inputs=lambda g: {"args": [torch.tensor([1.0, 2.0, 3.0])]},
          expect=lambda inputs, device: on(device, 14.0)),
]
''',
    "checks/hidden.py": '''
import torch

from grader.checks import Check

from .. import LESSON


def vectors(generator: torch.Generator) -> dict:
    return {"cases": [[torch.randn(n, generator=generator)] for n in (1, 5, 9)]}


HIDDEN = [
    Check("square_sum", "matches the reference on random vectors", 2, hidden=True, probe="call_each",
          inputs=vectors,
          expect=lambda inputs, device: [LESSON.reference("square_sum")(*case) for case in inputs["cases"]]),
]
''',
    "solutions/tiny_ops.py": '''
"""A tiny lesson. 一个很小的课程。"""

import torch


def double(x):
    """Return 2 * x. 返回 2 * x。"""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


def square_sum(x):
    """Return the sum of the squares of x, a 0-d tensor. 返回 x 各元素平方之和(0 维张量)。"""
    ### BEGIN SOLUTION
    return (x * x).sum()
    ### END SOLUTION
''',
}
CATALOGUE = {
    "en": '''
[messages]
page_title = "A tiny lesson: your feedback"

[misconceptions]
squared_not_doubled = "you squared x; double it instead"
shapes_differ = "the shapes differ"

[claims]
"doubles 3 to 6" = "doubles 3 to 6"
"gives 14 for (1, 2, 3)" = "gives 14 for (1, 2, 3)"
"matches the reference on random vectors" = "matches the reference on random vectors"

[hints.double]
1 = "Twice x: no torch call needed."
2 = "Multiply by 2."
3 = "return 2 * x"

[hints.square_sum]
1 = "Square each element, then add them up."
2 = "x * x, then .sum()."
3 = "return (x * x).sum()"

[labels]

[notebook]
plot_title = "A tiny lesson"

[student_readme]
title = "A tiny lesson"
''',
    "zh": '''
[messages]
page_title = "一个很小的课程:你的反馈"

[misconceptions]
squared_not_doubled = "你把 x 平方了;应该乘以 2"
shapes_differ = "形状不一致"

[claims]
"doubles 3 to 6" = "把 3 变成 6"
"gives 14 for (1, 2, 3)" = "对 (1, 2, 3) 给出 14"
"matches the reference on random vectors" = "在随机向量上与参考答案一致"

[hints.double]
1 = "x 的两倍:不需要调用 torch。"
2 = "乘以 2。"
3 = "return 2 * x"

[hints.square_sum]
1 = "把每个元素平方,再加起来。"
2 = "x * x,然后 .sum()。"
3 = "return (x * x).sum()"

[labels]

[notebook]
plot_title = "一个很小的课程"

[student_readme]
title = "一个很小的课程"
''',
}


def write_lesson(folder: Path) -> Path:
    for name, text in LESSON.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text.lstrip("\n"), "utf-8")
    for lang, text in CATALOGUE.items():
        (folder / "catalogue").mkdir(exist_ok=True)
        (folder / "catalogue" / f"{lang}.toml").write_text(text.lstrip("\n"), "utf-8")
    return folder


def kit_digest() -> str:
    """Every file of the kit that a lesson could touch."""
    digest = hashlib.sha256()
    for folder in ("grader", "solutions", "exercises"):
        for file in sorted((ROOT / folder).rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def kit_command(cwd: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "150", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def lesson(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_lesson(tmp_path_factory.mktemp("instructor") / "tiny")
    before = kit_digest()
    stubs = kit_command(folder.parent, "stubs", "--lesson", str(folder))
    assert stubs.returncode == 0, stubs.stderr
    assert kit_digest() == before
    return folder


def graded(lesson: Path, hand_in: Path) -> tuple[int, dict]:
    run = kit_command(lesson.parent, "check", str(hand_in), "--lesson", str(lesson), "--hidden", "--seed", "3",
                      "--lang", "zh", "--json", "r.json")
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, json.loads((lesson.parent / "r.json").read_text("utf-8"))


def test_the_stubs_are_built_from_the_lessons_solutions_with_its_hints(lesson):
    stub = (lesson / "exercises" / "tiny_ops.py").read_text("utf-8")
    assert "def double(x):" in stub and "Twice x" in stub and "x 的两倍" in stub
    assert "return 2 * x" not in stub.replace("# 3", "")  # only the hint's words, never the solution's line
    assert "raise NotImplementedError" in stub


def test_a_right_hand_in_gets_full_marks_and_a_wrong_one_its_misconception(lesson, tmp_path):
    before = kit_digest()
    code, results = graded(lesson, lesson / "solutions")
    assert code == 0 and results["score"] == results["max_score"] == 5
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    source = (lesson / "solutions" / "tiny_ops.py").read_text("utf-8")
    (wrong / "tiny_ops.py").write_text(source.replace("return 2 * x", "return x * x"), "utf-8")
    code, results = graded(lesson, wrong)
    assert code == 1 and results["score"] == 3
    failed = [t for t in results["tests"] if t["score"] < t["max_score"]]
    assert {t["name"].split(":")[0] for t in failed} == {"double"}
    assert all("你把 x 平方了" in t["output"] and "把 3 变成 6" in t["name"] for t in failed)
    assert kit_digest() == before


def test_its_nbgrader_course_and_gradescope_zip_are_built(lesson, tmp_path):
    before = kit_digest()
    course = kit_command(tmp_path, "nbgrader", "build", "course", "--assignment", "tiny", "--lesson", str(lesson))
    assert course.returncode == 0, course.stderr
    notebook = json.loads((tmp_path / "course" / "source" / "tiny" / "tiny_ops.ipynb").read_text("utf-8"))
    cells = ["".join(cell["source"]) for cell in notebook["cells"]]
    assert any(f"check('double', 'doubles 3 to 6', globals(), lesson={str(lesson)!r})" in c for c in cells)
    assert any("BEGIN HIDDEN TESTS" in c and "square_sum" in c for c in cells)
    zipped = kit_command(tmp_path, "dist", "gradescope", "tiny.zip", "--lesson", str(lesson), "--seed", "1")
    assert zipped.returncode == 0, zipped.stderr
    with zipfile.ZipFile(tmp_path / "tiny.zip") as archive:
        names = set(archive.namelist())
        options = json.loads(archive.read("deploy.json"))
    assert {"lessons/tiny/__init__.py", "lessons/tiny/checks/hidden.py", "lessons/tiny/solutions/tiny_ops.py",
            "lessons/tiny/catalogue/zh.toml", "grader/grade.py"} <= names
    assert options["lesson"] == "lessons/tiny"
    assert kit_digest() == before


def test_the_deployed_zip_grades_a_hand_in_with_the_lesson(lesson, tmp_path):
    """What Gradescope's run_autograder does, with the zip unpacked: the lesson is found in it."""
    zipped = kit_command(tmp_path, "dist", "gradescope", "tiny.zip", "--lesson", str(lesson), "--seed", "1")
    assert zipped.returncode == 0, zipped.stderr
    source = tmp_path / "source"
    with zipfile.ZipFile(tmp_path / "tiny.zip") as archive:
        archive.extractall(source)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "tiny_ops.py").write_bytes((lesson / "solutions" / "tiny_ops.py").read_bytes())
    code = ("import sys; from pathlib import Path; from grader.instructor.deploy import read_options;"
            "from grader.instructor.deploy.gradescope import grade_submission;"
            "results, _ = grade_submission(Path(sys.argv[1]), read_options());"
            "print(results['score'], results['tests'][0]['name'])")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=source, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(source)}, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[0] == "5.0"
