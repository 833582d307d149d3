"""Figures for feedback pages: the student's training beside the reference's, and the
student's own plot as the grader saw it. Headless, and in Chinese only where a CJK font
is installed (otherwise English: never boxes, never font warnings), even one installed
after matplotlib's font cache was built."""

import base64
import io
import json
import math
import re
import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, TypeGuard

import matplotlib
from matplotlib.figure import Figure

from grader.lesson import reference_run
from grader.lesson.checks import lesson_data
from grader.messages import LANGUAGES, entry, figure_labels, needs_cjk_font, say
from grader.results import CheckResult, Grade
from grader.sandbox.child import fonts
from grader.sandbox.observations import FigureDrawn, Repeated, Scalar, SequenceValue, TensorValue

LABELS = {lang: figure_labels(lang) for lang in LANGUAGES}


@cache
def cjk_font() -> str | None:
    """The first CJK font installed that draws every label (sandbox/child/fonts.py)."""
    return fonts.cjk_font(label_characters())


def label_characters() -> str:
    """Every character of the labels in the languages that need a CJK font."""
    return "".join(label for lang in LANGUAGES if needs_cjk_font(lang) for label in LABELS[lang].values())


def draws_labels(file: str) -> bool:
    """Whether the font has a glyph for each character of the labels that need a CJK font."""
    return fonts.has_glyphs(file, label_characters())


def font_style(lang: str) -> dict | None:
    """The rc settings to draw `lang` in, or None where no installed font has its glyphs."""
    if not needs_cjk_font(lang):
        return {}
    font = cjk_font()
    return {"font.sans-serif": [font], "font.family": "sans-serif", "axes.unicode_minus": False} if font else None


def labels(lang: str) -> tuple[dict[str, str], dict]:
    """The labels to draw in, and the rc settings for them: English where `lang` cannot be drawn."""
    style = font_style(lang)
    return (LABELS[lang], style) if style is not None else (LABELS["en"], {})


def notebook_fonts() -> str:
    """For a notebook's plot cell, where figures are drawn after the cell ends: set the fonts
    for the whole session, and give a title in every language they can draw, English last."""
    titles = []
    for lang in LANGUAGES:
        if lang != "en" and (style := font_style(lang)) is not None:
            matplotlib.rcParams.update(style)
            titles.append(entry("notebook", "plot_title", lang))
    return " ".join([*titles, entry("notebook", "plot_title", "en")])


RENDERING = threading.Lock()  # matplotlib's rc settings are global: one figure at a time


def drawn(lang: str, figsize: tuple[float, float], draw: Callable[[Figure, dict], object]) -> str:
    """A figure drawn by `draw(figure, labels)` in the fonts `lang` needs, as a PNG data URI
    (fonts are looked up when rendering, so it renders inside the same settings)."""
    text, style = labels(lang)
    with RENDERING, matplotlib.rc_context(style):
        figure = Figure(figsize=figsize)
        draw(figure, text)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=72)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def training_image(student: dict, lang: str) -> str:
    """The student's fitted line and loss curve beside the reference's. Most students of a
    class draw the same picture, so each distinct one is rendered once."""
    return cached_training_image(json.dumps(rounded(student)), lang)


@lru_cache(maxsize=512)
def cached_training_image(student_json: str, lang: str) -> str:
    student, reference = json.loads(student_json), reference_run()
    x, y = (t.flatten().numpy() for t in lesson_data())

    def draw(figure: Figure, text: dict) -> None:
        fit_axes, loss_axes = figure.subplots(1, 2)
        fit_axes.plot(x, y, ".", color="0.6", label=text["data"])
        for run, name, dash in ((reference, "reference", "--"), (student, "yours", "-")):
            fit = f"{run['w']:.3f}x + {run['b']:.3f}" if not diverged(run) else text["diverged"]
            fit_axes.plot(x, run["w"] * x + run["b"], dash, label=f"{text[name]}: {fit}")
            loss_axes.plot(run["losses"], dash, label=text[name])
        fit_axes.set(title=text["fit"], xlabel="x", ylabel="y")
        loss_axes.set(title=text["curve"], xlabel=text["epoch"], ylabel=text["loss"], yscale="log")
        fit_axes.legend(loc="upper left")
        loss_axes.legend(loc="upper right")
        figure.tight_layout()

    return drawn(lang, (10, 4), draw)


def diverged(run: dict) -> bool:
    """Whether a training ended with w or b not a finite number (inf, or nan)."""
    return not all(math.isfinite(run[name]) for name in ("w", "b"))


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
    """The student's plot_fit figure as they drew it (rendered in the sandbox), as a data URI."""
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


def student_training(grade: Grade) -> dict | None:
    """The student's (w, b, losses) on the lesson's data, from the public train check."""
    found = first_public(grade, "train")
    observation = found.observation.value if found and isinstance(found.observation, Repeated) else None
    if not (isinstance(observation, SequenceValue) and len(observation.items) == 3):
        return None
    w, b, losses = observation.items
    if not (one_number(w) and one_number(b) and isinstance(losses, SequenceValue)):
        return None
    numbers = [float(loss.value) for loss in losses.items if isinstance(loss, Scalar) and loss.type != "str"]
    if len(numbers) != len(losses.items):
        return None
    return {"w": float(w.data), "b": float(b.data), "losses": numbers}


def one_number(value: object) -> TypeGuard[TensorValue]:
    return isinstance(value, TensorValue) and value.data.numel() == 1 and value.data.is_floating_point()


def student_plot(grade: Grade) -> bytes | None:
    found = first_public(grade, "plot_fit")
    observation = found.observation if found else None
    return observation.image if isinstance(observation, FigureDrawn) else None


def first_public(grade: Grade, function: str) -> CheckResult | None:
    return next((r for r in grade.results if r.function == function and not r.hidden and r.device == "cpu"), None)
