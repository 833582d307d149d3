"""Slips the source shows, which name the cause of a failure that the values alone cannot:

- a tensor method named without its call, as a statement of its own (`p.grad.zero_`,
  `loss.backward`): Python looks it up and drops it, so nothing happens, and the check sees
  only that the gradients were not cleared, or never filled;
- full-width punctuation (`：`, `（`, `，`) typed with a Chinese input method: Python's
  SyntaxError names the character, not why it is wrong.

They explain a failure; they never make one. The verdict stays the checks' own, on values.
"""

import ast
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from functools import cache

import torch

from grader.judge.reading import live_walk
from grader.judge.verdict import Verdict
from grader.lessons import Lesson, given
from grader.plan import Planned
from grader.results import Feedback, Status

CODE_POINT = re.compile(r"U\+([0-9A-Fa-f]{4,6})")
CURLY_QUOTES = "\u2018\u2019\u201c\u201d"


def explained(verdicts: list[Verdict], plan: list[Planned], sources: dict[str, str | None],
              lesson: Lesson | None = None) -> list[Verdict]:
    """The verdicts, each failure given the slip its function's source shows, if one does."""
    api = given(lesson).api
    slips = {function: slip for module, source in sources.items() for function, slip in uncalled(api[module], source)}
    return [explain(found, slips.get(step.check.function)) for found, step in zip(verdicts, plan)]


def explain(found: Verdict, slip: dict | None) -> Verdict:
    status, feedback = found
    if status in (Status.PASS, Status.NOT_ATTEMPTED) or feedback is None or feedback.crash:
        return found
    if feedback.message == "syntax_error":
        return status, replace(feedback, misconception=full_width(feedback.params["message"]))
    if slip is None or not (status is Status.FAIL or feedback.message == "raised"):
        return found  # the slip explains a wrong answer or the student's exception, not a module that did not load
    # what the check saw follows from the slip: its own guess at a cause goes, its traceback stays, after the slip's
    seen = replace(feedback, misconception=None, detail="")
    return status, Feedback("method_not_called", slip, "method_not_called", feedback.detail, cause=seen)


def full_width(message: str) -> str | None:
    """The misconception of a SyntaxError whose character is full-width punctuation or a curly quote."""
    point = CODE_POINT.search(message)
    if point is None:
        return None
    character = chr(int(point[1], 16))
    wide = unicodedata.east_asian_width(character) in ("F", "W") and not character.isalnum()
    return "full_width_punctuation" if wide or character in CURLY_QUOTES else None


def uncalled(functions: tuple[str, ...], source: str | None) -> list[tuple[str, dict]]:
    """(function, where) for each of the lesson's functions in which a tensor method stands as a statement, uncalled."""
    try:
        tree = ast.parse(source or "")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in functions:
            statement = next(uncalled_methods(node), None)
            if statement is not None:
                found.append((node.name, {"name": ast.unparse(statement.value), "line": statement.lineno}))
    return found


def uncalled_methods(function: ast.FunctionDef) -> Iterator[ast.Expr]:
    return (node for node in live_walk(function) if isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Attribute) and node.value.attr in tensor_methods())


@cache
def tensor_methods() -> set[str]:
    return {name for name in dir(torch.Tensor) if not name.startswith("_") and callable(getattr(torch.Tensor, name))}
