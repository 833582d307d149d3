"""The exercises are generated from the solutions: each marked region becomes a stub."""

import json
import re
import textwrap
from pathlib import Path

from grader.lessons import Lesson, given
from grader.messages import LANGUAGES, hint, in_every_language

REGION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n", re.MULTILINE | re.DOTALL
)
FUNCTION = re.compile(r"^(?:def|class) (\w+)\b", re.MULTILINE)  # a region in a class's method: the class's hints
COMMENT_WIDTH = 100  # within ruff's 120, with the "# " and any indent


def make_stub(solution: str, lesson: Lesson | None = None) -> str:
    """The solution with every marked region replaced by a first hint in each language and
    NotImplementedError."""

    def stub(region: re.Match) -> str:
        function = FUNCTION.findall(solution, 0, region.start())[-1]
        indent = region["indent"]
        hints = "".join(comment(hint(function, 1, lang, lesson), indent) for lang in LANGUAGES)
        todo = f"{function}: {in_every_language('stubs', 'todo')}"
        return f'{hints}{indent}raise NotImplementedError("{todo}")\n'

    return REGION.sub(stub, solution)


def comment(text: str, indent: str) -> str:
    """`text` as comment lines that fit the line length (Chinese has no spaces: cut by width)."""
    width = COMMENT_WIDTH - len(indent)
    lines = textwrap.wrap(text, width) if " " in text else textwrap.wrap(text, width // 2, break_long_words=True)
    return "".join(f"{indent}# {line}\n" for line in lines)


def write_stubs(lesson: Lesson | None = None) -> list[Path]:
    """Regenerate what derives from the lesson's solutions: the stubs, and the reference run (its hook)."""
    lesson = given(lesson)
    lesson.exercises.mkdir(parents=True, exist_ok=True)
    written = []
    for module in lesson.api:
        target = lesson.exercises / f"{module}.py"
        target.write_text(make_stub((lesson.solutions / f"{module}.py").read_text("utf-8"), lesson), "utf-8")
        written.append(target)
    if lesson.reference_run is not None and lesson.reference_run_file is not None:
        lesson.reference_run_file.write_text(json.dumps(lesson.reference_run(), indent=1) + "\n", "utf-8")
        written.append(lesson.reference_run_file)
    return written
