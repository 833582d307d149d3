"""The README's "Adding an exercise", followed to the letter in a copy of the kit: a new
function with its reference, hints, a public and a hidden check and a misconception,
touching only the lesson's own files (its solutions and its folder, grader/lessons/autograd/:
API, catalogue, checks), never the engine's, then graded end to end."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.sandbox

REFERENCE = '''

def cube_grad(x):
    """Return dy/dx of y = x**3 at the point x, computed by autograd.

    用 autograd 计算 y = x**3 在 x 处的导数 dy/dx。
    """
    ### BEGIN SOLUTION
    x = torch.as_tensor(x, dtype=torch.float32).detach().requires_grad_(True)
    (x**3).backward()
    return x.grad
    ### END SOLUTION
'''
HINTS = {
    "en": ("Like quadratic_grad, with y = x**3.", "torch.as_tensor, requires_grad_, backward, .grad.",
           "leaf from x; y from the leaf; y.backward(); return the leaf's grad."),
    "zh": ("和 quadratic_grad 一样,只是 y = x**3。", "torch.as_tensor、requires_grad_、backward、.grad。",
           "由 x 得到叶子;由叶子算 y;y.backward();返回叶子的 grad。"),
}
CLAIMS = {"en": ("gives dy/dx = 12 at x = 2", "matches autograd at random points of x**3"),
          "zh": ("在 x = 2 处给出 dy/dx = 12", "在随机点上与 x**3 的 autograd 一致")}
MISCONCEPTION = {"en": "you returned x**3 itself: its derivative is 3x**2",
                 "zh": "你返回的是 x**3 本身:它的导数是 3x**2"}
PUBLIC_CHECK = '''
PUBLIC.append(Check(
    "cube_grad", "gives dy/dx = 12 at x = 2", 2,
    inputs=lambda g: {"args": [torch.tensor(2.0)]},
    expect=lambda inputs, device: on(device, 12.0),
    wrong_answers=lambda inputs: {"cube_itself": torch.tensor(8.0)},
))
'''
HIDDEN_CHECK = '''
HIDDEN.append(Check(
    "cube_grad", "matches autograd at random points of x**3", 2, hidden=True, probe="call_each",
    inputs=lambda g: {"cases": [[uniform(g)] for _ in range(4)]},
    expect=lambda inputs, device: [autograd_grads(lambda x: x**3, *case)[0] for case in inputs["cases"]],
))
'''


def add_exercise(kit: Path) -> None:
    """Steps 1, 2 and 4 of the README (step 3 is a command)."""
    append(kit / "solutions" / "autograd_basics.py", REFERENCE)
    lesson = kit / "grader" / "lessons" / "autograd"
    replace(lesson / "__init__.py", '"quadratic_grad_by_hand"),', '"quadratic_grad_by_hand", "cube_grad"),')
    for lang in ("en", "zh"):
        catalogue = lesson / "catalogue" / f"{lang}.toml"
        claims = "".join(f"{json.dumps(en)} = {json.dumps(text)}\n" for en, text in zip(CLAIMS["en"], CLAIMS[lang]))
        replace(catalogue, "[claims]\n", f"[claims]\n{claims}")
        replace(catalogue, "[misconceptions]\n", f"[misconceptions]\ncube_itself = {json.dumps(MISCONCEPTION[lang])}\n")
        levels = "".join(f"{level} = {json.dumps(text)}\n" for level, text in enumerate(HINTS[lang], 1))
        append(catalogue, f"\n[hints.cube_grad]\n{levels}")
    append(lesson / "checks" / "public.py", PUBLIC_CHECK)
    append(lesson / "checks" / "hidden.py", HIDDEN_CHECK)


def engine_files(kit: Path) -> dict[str, bytes]:
    """The engine's files: the grader less its lessons' folders."""
    lessons = kit / "grader" / "lessons"
    return {p.relative_to(kit).as_posix(): p.read_bytes() for p in sorted((kit / "grader").rglob("*.py"))
            if p.is_file() and not (p.is_relative_to(lessons) and p.parent != lessons)}


def append(file: Path, text: str) -> None:
    file.write_text(file.read_text("utf-8") + text, "utf-8")


def replace(file: Path, old: str, new: str) -> None:
    source = file.read_text("utf-8")
    assert old in source, f"{file} has changed: update this test's edit of it"
    file.write_text(source.replace(old, new, 1), "utf-8")


def kit_command(kit: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(kit), "COLUMNS": "150", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=kit, env=environment,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("kit")
    for folder in ("grader", "solutions", "exercises"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    engine = engine_files(copy)
    add_exercise(copy)
    assert engine_files(copy) == engine  # the lesson's files only
    stubs = kit_command(copy, "stubs")
    assert stubs.returncode == 0, stubs.stderr
    return copy


def graded(kit: Path, folder: Path) -> tuple[int, dict]:
    run = kit_command(kit, "check", str(folder), "--hidden", "--seed", "7", "--lang", "en", "--json", "r.json")
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, json.loads((kit / "r.json").read_text("utf-8"))


def cube_tests(results: dict) -> dict[str, dict]:
    return {test["name"]: test for test in results["tests"] if test["name"].startswith("cube_grad:")}


def test_the_stub_of_the_new_exercise_is_generated_with_its_hints(kit):
    stub = (kit / "exercises" / "autograd_basics.py").read_text("utf-8")
    assert "def cube_grad(x):" in stub and HINTS["en"][0] in stub and HINTS["zh"][0] in stub
    assert "(x**3).backward()" not in stub


def test_the_reference_gets_full_marks_on_the_new_checks(kit):
    code, results = graded(kit, kit / "solutions")
    assert code == 0
    tests = cube_tests(results)
    assert len(tests) == 2 and all(t["score"] == t["max_score"] > 0 for t in tests.values())
    assert {t["visibility"] for t in tests.values()} == {"visible", "after_published"}


def test_a_wrong_answer_fails_them_and_names_the_misconception(kit, tmp_path):
    wrong = tmp_path / "wrong"
    shutil.copytree(kit / "solutions", wrong, ignore=shutil.ignore_patterns("__pycache__"))
    replace(wrong / "autograd_basics.py", "    (x**3).backward()\n    return x.grad\n", "    return x**3\n")
    code, results = graded(kit, wrong)
    assert code == 1
    tests = cube_tests(results)
    assert all(t["score"] == 0 for t in tests.values())
    assert MISCONCEPTION["en"] in tests["cube_grad: gives dy/dx = 12 at x = 2 (cpu)"]["output"]
    assert results["score"] == results["max_score"] - 4  # nothing else changed
