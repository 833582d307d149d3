"""What the student's front ends share: which functions are done, the seed line (only where
random inputs were drawn), and the student's printed output, cut at a line with a note, its
runs of warnings folded into one line each."""

import re

from grader.messages import default_language, say
from grader.report import function_points
from grader.results import Grade
from grader.sandbox.host import CUT


def done_functions(grade: Grade) -> list[str]:
    return [function for function, (got, worth) in function_points(grade).items() if got == worth]


def first_unfinished(grade: Grade) -> str | None:
    """The one to work on now: a function whose code is not valid Python (it stops the others
    that call it), else the first in lesson order that lacks points."""
    broken = (r.function for r in grade.results if r.feedback and r.feedback.message == "syntax_error")
    unfinished = (function for function, (got, worth) in function_points(grade).items() if got < worth)
    return next(broken, None) or next(unfinished, None)


def all_done(lang: str) -> str:
    """The success message, and the command for the page with the plots, in the same language
    (`--lang` only where the locale would choose another one)."""
    option = "" if lang == default_language() else f" --lang {lang}"
    return f"{say('all_done', lang)} {say('html_page_hint', lang, lang=option)}"


def seed_line(grade: Grade, lang: str) -> str:
    """`seed N (replay with --seed N)` where hidden checks drew random inputs; public inputs
    are fixed, so there it says nothing."""
    return say("seed", lang, seed=grade.seed) if any(r.hidden for r in grade.results) else ""


PRINTED_LINES = 200  # of a submission's output, in a report (the watcher shows fewer)


def printed_output(output: str, lang: str, max_lines: int) -> str:
    """What the submission printed: whole lines, at most `max_lines`, and a note where it was cut."""
    cut = output.endswith(CUT)  # the sandbox kept only its head, cut by bytes
    lines = output.removesuffix(CUT).splitlines()
    if cut and len(lines) > 1:
        lines.pop()  # a partial line
    lines = folded_warnings(lines, lang)
    if len(lines) > max_lines:
        lines, cut = lines[:max_lines], True
    return "\n".join([*lines, say("output_cut", lang, lines=len(lines))] if cut else lines)


# a warning as Python's warnings module prints it (file:line: Category: message, then the
# source line, indented), or as matplotlib logs a font it cannot find
WARNING = re.compile(r"^(?:.*?:\d+: )?(?P<text>(?:\w*Warning: |findfont: ).*)$")


def folded_warnings(lines: list[str], lang: str) -> list[str]:
    """Each run of warnings as its first one, without the file it came from (a path of the
    machine), and how many more there were: the tutorial's SimHei alone gives dozens."""
    kept: list[str] = []
    count = 0
    for line in lines:
        if count and line.startswith("  ") and not WARNING.match(line):
            continue  # the source line the warning above quotes
        if found := WARNING.match(line):
            kept += [] if count else [found["text"]]
            count += 1
            continue
        kept, count = [*with_count(kept, count, lang), line], 0
    return with_count(kept, count, lang)


def with_count(kept: list[str], count: int, lang: str) -> list[str]:
    if count < 2:
        return kept
    return [*kept[:-1], f"{kept[-1]} {say('warnings_folded', lang, count=count - 1)}"]
