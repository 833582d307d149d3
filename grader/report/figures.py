"""Figures for feedback pages: the student's own plots as the grader saw them, and what a
lesson draws for its page (its `page_figures` hook) in the right fonts. Headless, and in Chinese only where a CJK font
is installed (otherwise English: never boxes, never font warnings), even one installed
after matplotlib's font cache was built."""

import base64
import io
import re
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.figure import Figure

from grader.messages import LANGUAGES, entry, figure_labels, needs_cjk_font, say
from grader.results import CheckResult, Grade
from grader.sandbox.child import fonts
from grader.sandbox.observations import FigureDrawn

if TYPE_CHECKING:
    from grader.lessons import Lesson

LABELS = {lang: figure_labels(lang) for lang in LANGUAGES}  # the first lesson's; labels(lang, lesson) for another


@cache
def cjk_font() -> str | None:
    """The first CJK font installed that draws every label (sandbox/child/fonts.py)."""
    return fonts.cjk_font(label_characters())


def label_characters() -> str:
    """Every character of the kit's lessons' labels in the languages that need a CJK font."""
    from grader.lessons import kit_lessons

    tables = [figure_labels(lang, lesson) for lesson in kit_lessons() for lang in LANGUAGES if needs_cjk_font(lang)]
    return "".join(label for table in tables for label in table.values())


def draws_labels(file: str) -> bool:
    """Whether the font has a glyph for each character of the labels that need a CJK font."""
    return fonts.has_glyphs(file, label_characters())


def font_style(lang: str) -> dict | None:
    """The rc settings to draw `lang` in, or None where no installed font has its glyphs."""
    if not needs_cjk_font(lang):
        return {}
    font = cjk_font()
    return {"font.sans-serif": [font], "font.family": "sans-serif", "axes.unicode_minus": False} if font else None


def labels(lang: str, lesson: "Lesson | None" = None) -> tuple[dict[str, str], dict]:
    """The labels to draw in, and the rc settings for them: English where `lang` cannot be drawn."""
    style = font_style(lang)
    table = LABELS if lesson is None else {code: figure_labels(code, lesson) for code in LANGUAGES}
    return (table[lang], style) if style is not None else (table["en"], {})


def notebook_fonts(lesson: "Lesson | str | None" = None) -> str:
    """For a notebook's plot cell, where figures are drawn after the cell ends: set the fonts
    for the whole session, and give a title in every language they can draw, English last."""
    if isinstance(lesson, str):
        from grader.lessons import find

        lesson = find(lesson)
    titles = []
    for lang in LANGUAGES:
        if lang != "en" and (style := font_style(lang)) is not None:
            matplotlib.rcParams.update(style)
            titles.append(entry("notebook", "plot_title", lang, lesson))
    return " ".join([*titles, entry("notebook", "plot_title", "en", lesson)])


RENDERING = threading.Lock()  # matplotlib's rc settings are global: one figure at a time


def drawn(lang: str, figsize: tuple[float, float], draw: Callable[[Figure, dict], object],
          lesson: "Lesson | None" = None) -> str:
    """A figure drawn by `draw(figure, labels)` in the fonts `lang` needs, as a PNG data URI
    (fonts are looked up when rendering, so it renders inside the same settings)."""
    text, style = labels(lang, lesson)
    with RENDERING, matplotlib.rc_context(style):
        figure = Figure(figsize=figsize)
        draw(figure, text)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=72)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# how matplotlib logs a font family it cannot find (the tutorial's SimHei, off Windows)
FONT_NOT_FOUND = re.compile(r"findfont: (?:Font family \[?'?(?P<font>[^'\]]+)'?\]? not found"
                            r"|Generic family .*? none of the following families were found: (?P<fonts>.+))")


def missing_fonts(output: str) -> list[str]:
    """The font families the student's code asked for that matplotlib did not find, in order."""
    found = (match.group("font") or match.group("fonts") for match in FONT_NOT_FOUND.finditer(output))
    names = (name.strip(" '.") for names in found for name in names.split(","))
    return list(dict.fromkeys(name for name in names if name))


def font_note(grade: Grade, lang: str) -> str:
    """Why the labels of the student's figure do not look as they asked, where a font was missing."""
    missing = missing_fonts(grade.output)
    if not missing:
        return ""
    fallback = fonts.student_fallback()
    if fallback is None:
        return say("font_missing_none", lang, fonts=", ".join(missing))
    return say("font_missing", lang, fonts=", ".join(missing), fallback=fallback)


def plot_image(png: bytes) -> str:
    """A figure the student drew (rendered in the sandbox), as a data URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def rounded(value: Any) -> Any:
    """Numbers to 5 significant digits: the same picture gets the same cache key."""
    if isinstance(value, float):
        return float(f"{value:.5g}")
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def student_figures(grade: Grade) -> dict[str, bytes]:
    """Per function, the figure the student drew on a public check (rendered in the sandbox), as a PNG."""
    return {r.function: r.observation.image for r in grade.results
            if not r.hidden and r.device == "cpu" and isinstance(r.observation, FigureDrawn) and r.observation.image}


def student_plot(grade: Grade) -> bytes | None:
    """The first figure the student drew, if any."""
    return next(iter(student_figures(grade).values()), None)


def first_public(grade: Grade, function: str) -> CheckResult | None:
    return next((r for r in grade.results if r.function == function and not r.hidden and r.device == "cpu"), None)
