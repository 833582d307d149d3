"""Hints climb: level 1 the idea (no code), level 2 the torch calls, level 3 the shape of the
code (a skeleton with blanks), in every language; none gives the literal answer."""

import ast
import re

import pytest

from grader.lessons.autograd import FUNCTIONS, MODULE_OF
from grader.messages import LANGUAGES, catalogue, hint
from tests.conftest import ROOT

CODE = re.compile(r"`([^`]+)`")


def answer_lines(function: str) -> set[str]:
    """The reference's lines that compute the answer (assignments and returns), without spaces."""
    source = (ROOT / "solutions" / f"{MODULE_OF[function]}.py").read_text("utf-8")
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function)
    statements = [s for s in ast.walk(node) if isinstance(s, (ast.Assign, ast.AugAssign, ast.Return))]
    return {re.sub(r"\s", "", ast.unparse(s)) for s in statements if s is not node.body[0] or not docstring(s)}


def docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_level_gives_more_and_none_gives_the_answer(function, lang):
    idea, calls, shape = (hint(function, level, lang) for level in (1, 2, 3))
    assert not CODE.search(idea), "level 1 is the idea, in words"
    assert any("(" in code or "." in code for code in CODE.findall(calls)), "level 2 names the torch calls"
    assert any("…" in code for code in CODE.findall(shape)), "level 3 is the code's shape, with blanks"
    assert len({idea, calls, shape}) == 3
    for level, text in enumerate((idea, calls, shape), 1):
        compact = re.sub(r"\s", "", text)
        given = [line for line in answer_lines(function) if line in compact]
        assert not given, f"level {level} gives the answer away: {given}"


def test_the_answer_check_can_fail():
    """The reference's own lines are found where a hint would quote them."""
    assert "returnw*x+b" in answer_lines("predict")
    assert "p-=lr*p.grad" in answer_lines("sgd_step")


def given_in_the_stubs() -> str:
    return re.sub(r"\s", "", "".join(path.read_text("utf-8") for path in (ROOT / "exercises").glob("*.py")))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_misconception_text_gives_the_answer_away(lang):
    """A "Likely" line explains the mistake; it quotes no line of the reference that computes an
    answer (the expression of an assignment or a return), unless the stub already shows it. A
    bare name (x.grad, w) is the lesson's vocabulary, not an answer."""
    shown = given_in_the_stubs()
    answers = {re.sub(r"^return", "", line) for function in FUNCTIONS for line in answer_lines(function)}
    answers = {answer for answer in answers if not re.fullmatch(r"[\w.]+", answer)}
    quoted = {key: [answer for answer in answers if answer not in shown and answer in re.sub(r"\s", "", text)]
              for key, text in catalogue(lang)["misconceptions"].items()}
    assert {key: found for key, found in quoted.items() if found} == {}
