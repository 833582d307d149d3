"""Lessons are data the engine is given: the engine names no lesson's function, lessons are
found (the kit's own, and a folder anywhere), and each is a complete record."""

import ast
import re
from pathlib import Path

import pytest

from grader import ROOT
from grader.lessons import KIT_LESSONS, find, first, kit_lessons
from grader.messages import LANGUAGES, catalogue

ENGINE = [p for p in sorted((ROOT / "grader").rglob("*")) if p.suffix in (".py", ".toml") and p.is_file()
          and not (p.is_relative_to(KIT_LESSONS) and p.parent != KIT_LESSONS)]


def test_the_engine_is_the_grader_less_its_lessons():
    assert ROOT / "grader" / "grade.py" in ENGINE and ROOT / "grader" / "catalogue" / "en.toml" in ENGINE
    assert not any("lessons/autograd" in p.as_posix() for p in ENGINE)


def names_in(file: Path, functions: tuple[str, ...]) -> set[str]:
    """The functions `file` names: anywhere as code (`sgd_step`, `DigitNet`, a name with an
    underscore or a capital, in code, comments and texts alike; a plain word such as `fit`
    in backticks or called, though not as another object's method); in Python also as a
    name or a string."""
    text = file.read_text("utf-8")
    named = {f for f in functions if (f != f.lower() or "_" in f) and re.search(rf"\b{re.escape(f)}\b", text)}
    named |= {f for f in functions if re.search(rf"`{re.escape(f)}\b|(?<![.\w]){re.escape(f)}\(", text)}
    if file.suffix == ".py":
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Name) and node.id in functions:
                named.add(node.id)
            if isinstance(node, ast.Constant) and node.value in functions:
                named.add(node.value)
    return named


@pytest.mark.parametrize("lesson", kit_lessons(), ids=lambda lesson: lesson.name)
def test_no_engine_file_names_a_lesson_function(lesson):
    found = {}
    for file in ENGINE:
        if named := names_in(file, lesson.functions):
            found[file.relative_to(ROOT).as_posix()] = sorted(named)
    assert found == {}


def test_the_grep_finds_what_it_looks_for(tmp_path: Path):
    engine = tmp_path / "engine.py"
    engine.write_text('"""Calls `fit` and sgd_step."""\nx = train\ny = "predict"\nevaluate(model.eval())\n', "utf-8")
    assert names_in(engine, ("fit", "sgd_step", "train", "predict", "evaluate", "eval")) == {
        "fit", "sgd_step", "train", "predict", "evaluate"}


def test_the_first_lesson_is_graded_by_default_from_exercises():
    assert first() is find(None) is find("autograd")
    assert first().exercises == ROOT / "exercises" and first().solutions == ROOT / "solutions"


@pytest.mark.parametrize("lesson", kit_lessons(), ids=lambda lesson: lesson.name)
def test_a_kit_lesson_is_complete(lesson):
    for lang in LANGUAGES:
        table = catalogue(lang, lesson)
        assert set(table["hints"]) == set(lesson.functions), lang
        assert {c.claim for c in lesson.checks(hidden=True)} <= set(table["claims"]), lang
    for module in lesson.api:
        assert (lesson.solutions / f"{module}.py").is_file() and (lesson.exercises / f"{module}.py").is_file()
    checks = lesson.checks(hidden=True)
    assert {c.function for c in checks} == set(lesson.functions)
    assert all(c.module == lesson.module_of[c.function] for c in checks)


def test_a_lesson_is_found_by_its_folder(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        find(tmp_path)
    assert find(KIT_LESSONS / first().name) is not None
