"""Fonts with Chinese characters, found among those installed: for the kit's own figures
(report/figures.py) and for the student's figure, rendered in the child. The tutorial sets
`plt.rcParams["font.sans-serif"] = ["SimHei"]`, a Windows font: where it is missing,
matplotlib falls back to a Latin font and the labels come out as boxes. Rendered with an
installed CJK font after the student's own choices, they read as written.

matplotlib's font list is cached on disk, so it lacks the fonts installed after it was
built: where it knows none, the system's fonts it lacks are added to it, and the first
that has the characters wanted is taken.
"""

import contextlib
import itertools
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, cast

import matplotlib
from matplotlib import font_manager, ft2font

CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN",
)
SAMPLE = "数据损失拟合直线你的图"  # the characters a Chinese label of this lesson most likely has
FAMILIES = ("font.sans-serif", "font.serif", "font.monospace", "font.cursive", "font.fantasy")


def cjk_font(text: str) -> str | None:
    """The first CJK font matplotlib knows, or else the first of the system's fonts it did
    not know (added to it now) that has a glyph for each character of `text`."""
    return known_cjk_font() or added_cjk_font(text)


def added_cjk_font(text: str) -> str | None:
    added = add_system_fonts()
    return known_cjk_font() or next((font.name for font in added if has_glyphs(font.fname, text)), None)


def known_cjk_font() -> str | None:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def add_system_fonts() -> list[font_manager.FontEntry]:
    manager = font_manager.fontManager
    listed = {font.fname for font in manager.ttflist}
    new = {file for file in font_manager.findSystemFonts() if file not in listed}
    for file in sorted(new):
        with contextlib.suppress(RuntimeError, OSError):  # a file FreeType cannot read
            manager.addfont(file)
    return [font for font in manager.ttflist if font.fname in new]


def has_glyphs(file: str, text: str) -> bool:
    try:
        font = ft2font.FT2Font(file)
    except (RuntimeError, OSError):
        return False
    return all(font.get_char_index(ord(char)) for char in text if not char.isspace())


@cache
def student_fallback() -> str | None:
    return cjk_font(SAMPLE)


@contextlib.contextmanager
def with_cjk_fallback() -> Iterator[None]:
    """While a figure renders: an installed CJK font after each family list the student set
    (matplotlib takes a glyph from the next font of the list where one lacks it). matplotlib
    then finds a font and says nothing: the fonts asked for that are missing are said here, in
    its words, so that the student's page can say what drew the labels instead."""
    font, params = student_fallback(), settings()
    if font:
        for name in asked_but_missing():
            print(f"findfont: Font family {name!r} not found.", file=sys.stderr)
    fallback = {key: [*params[key], font] for key in FAMILIES if font and font not in params[key]}
    with matplotlib.rc_context(cast(Any, fallback)):
        yield


def settings() -> Mapping[str, Any]:
    """matplotlib's rc settings, read by names made at run time (its stubs list the literal keys)."""
    return cast(Mapping[str, Any], matplotlib.rcParams)


def asked_but_missing() -> list[str]:
    """The font names the settings ask for, in order, before the first one installed."""
    params, installed = settings(), {font.name for font in font_manager.fontManager.ttflist}
    asked = [name for family in params["font.family"]
             for name in (params[f"font.{family}"] if f"font.{family}" in FAMILIES else [family])]
    return list(itertools.takewhile(lambda name: name not in installed, asked))
