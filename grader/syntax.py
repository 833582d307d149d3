"""Syntax errors, confined to the function that holds them. A missing `:` in one function
would otherwise stop the whole module from loading, and every function in it would lose
its points under a message about the module. Here the function holding the error is
replaced by a stub (its lines kept, so every other line keeps its number), the rest of the
module is graded, and the error is reported at that function: its line, a caret, Python's
message. An error outside every function still stops the module, and is reported at each
of its functions the same way. A module too deep for Python's compiler to hold (RecursionError
or MemoryError from `compile`: a chain of 100,000 attributes) is a sentence at each of its
functions, and an empty module runs in its place: one hand-in never stops a grading."""

import re
from dataclasses import dataclass

from grader.lessons import Lesson, given
from grader.results import Feedback

TOP_LEVEL_DEF = re.compile(r"(?:async\s+)?(?:def|class)\s+(\w+)\b")


@dataclass(frozen=True)
class Confined:
    sources: dict[str, str | None]
    """the sources to run: each function holding a syntax error replaced by a stub"""
    broken: dict[str, Feedback]
    """per function of the lesson that cannot run as written, why"""


def confine_syntax_errors(sources: dict[str, str | None], lesson: Lesson | None = None) -> Confined:
    api = given(lesson).api
    confined: dict[str, str | None] = {}
    broken: dict[str, Feedback] = {}
    for module, source in sources.items():
        confined[module] = confine(module, api[module], source, broken)
    return Confined(confined, broken)


class TooDeep(Exception):
    """The compiler ran out of recursion depth or memory on the source."""


def confine(module: str, functions: tuple[str, ...], source: str | None, broken: dict[str, Feedback]) -> str | None:
    """The module's source with each function holding a syntax error stubbed, noted in `broken`."""
    for _ in functions:  # each pass takes out one broken function
        try:
            error = syntax_error(source)
        except TooDeep:
            broken |= {name: Feedback("source_too_deep", {"module": module}) for name in functions}
            return ""
        if source is None or error is None:
            break
        feedback = syntax_feedback(module, error)
        function = holding(source, error.lineno or 0)
        if function not in functions:
            broken |= {name: feedback for name in functions if name not in broken}
            break
        broken[function] = feedback
        source = stubbed(source, function)
    return source


def syntax_error(source: str | None) -> SyntaxError | None:
    try:
        compile(source or "", "<submission>", "exec", dont_inherit=True)
    except SyntaxError as error:
        return error
    except ValueError:  # a NUL byte: the module cannot load, and the worker says so
        return None
    except (RecursionError, MemoryError) as error:
        raise TooDeep from error
    return None


def syntax_feedback(module: str, error: SyntaxError) -> Feedback:
    line = (error.text or "").rstrip("\n")
    stripped = line.lstrip()
    caret = " " * max((error.offset or 1) - 1 - (len(line) - len(stripped)), 0) + "^"
    return Feedback("syntax_error", {"module": module, "line": error.lineno or 0, "message": error.msg},
                    detail=f"    {stripped}\n    {caret}" if stripped else "")


def spans(source: str) -> dict[str, range]:
    """Each top-level function's lines (1-based), up to the next top-level statement."""
    lines = source.splitlines()
    starts = [(number, match.group(1)) for number, text in enumerate(lines, 1) if (match := TOP_LEVEL_DEF.match(text))]
    found = {}
    for number, name in starts:
        end = next((n for n in range(number + 1, len(lines) + 1) if top_level_statement(lines[n - 1])),
                   len(lines) + 1)
        found[name] = range(number, end)
    return found


def top_level_statement(text: str) -> bool:
    return bool(text) and not text[0].isspace() and not text.startswith("#")


def holding(source: str, line: int) -> str | None:
    return next((name for name, lines in spans(source).items() if line in lines), None)


def stubbed(source: str, function: str) -> str:
    """The source with `function`'s lines replaced by a stub of as many lines."""
    lines = source.splitlines()
    span = spans(source)[function]
    stub = [f"def {function}(*args, **kwargs): raise SyntaxError"] + [""] * (len(span) - 1)
    return "\n".join(lines[: span.start - 1] + stub + lines[span.stop - 1:]) + "\n"
