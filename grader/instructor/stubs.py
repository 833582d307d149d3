"""The exercises are generated from the solutions: each marked region becomes a stub."""

import json
import re
import textwrap
from pathlib import Path

from grader import ROOT
from grader.lesson import API, REFERENCE_RUN
from grader.messages import LANGUAGES, hint, in_every_language

REGION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n", re.MULTILINE | re.DOTALL
)
FUNCTION = re.compile(r"^def (\w+)\(", re.MULTILINE)
COMMENT_WIDTH = 100  # within ruff's 120, with the "# " and any indent


def make_stub(solution: str) -> str:
    """The solution with every marked region replaced by a first hint in each language and
    NotImplementedError."""

    def stub(region: re.Match) -> str:
        function = FUNCTION.findall(solution, 0, region.start())[-1]
        indent = region["indent"]
        hints = "".join(comment(hint(function, 1, lang), indent) for lang in LANGUAGES)
        todo = f"{function}: {in_every_language('stubs', 'todo')}"
        return f'{hints}{indent}raise NotImplementedError("{todo}")\n'

    return REGION.sub(stub, solution)


def comment(text: str, indent: str) -> str:
    """`text` as comment lines that fit the line length (Chinese has no spaces: cut by width)."""
    width = COMMENT_WIDTH - len(indent)
    lines = textwrap.wrap(text, width) if " " in text else textwrap.wrap(text, width // 2, break_long_words=True)
    return "".join(f"{indent}# {line}\n" for line in lines)


def write_stubs(solutions: Path = ROOT / "solutions", exercises: Path = ROOT / "exercises") -> list[Path]:
    """Regenerate what derives from the solutions: the stubs, and the reference run."""
    written = []
    for module in API:
        target = exercises / f"{module}.py"
        target.write_text(make_stub((solutions / f"{module}.py").read_text("utf-8")), "utf-8")
        written.append(target)
    REFERENCE_RUN.write_text(json.dumps(reference_training(), indent=1) + "\n", "utf-8")
    return [*written, REFERENCE_RUN]


def reference_training() -> dict:
    from grader.lesson.checks import reference_module  # not imported: solutions/__pycache__ could be planted

    solution = reference_module("linear_regression")
    w, b, losses = solution.train(*solution.make_data())
    return {"w": w.item(), "b": b.item(), "losses": [round(loss, 6) for loss in losses]}
