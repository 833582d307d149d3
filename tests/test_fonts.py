"""Figures draw Chinese with a CJK font installed after matplotlib's font cache was built:
the stale cache is simulated by a font list without the CJK fonts (nothing is installed)."""

import warnings
from collections.abc import Iterator

import pytest
from matplotlib import font_manager

from grader.lesson import reference_run
from grader.report import figures

INSTALLED = figures.cjk_font()


@pytest.fixture
def stale_font_list(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """matplotlib's font list as cached before the CJK fonts were installed."""
    manager = font_manager.fontManager
    cjk_files = {font.fname for font in manager.ttflist if font.name in figures.CJK_FONTS}
    monkeypatch.setattr(manager, "ttflist", [font for font in manager.ttflist if font.fname not in cjk_files])
    forget_fonts()
    yield
    monkeypatch.undo()
    forget_fonts()


def forget_fonts() -> None:
    for cached in (figures.cjk_font, figures.cached_training_image, font_manager.fontManager._findfont_cached):
        cached.cache_clear()


@pytest.mark.skipif(INSTALLED is None, reason="no CJK font installed (apt-get install fonts-wqy-microhei)")
@pytest.mark.usefixtures("stale_font_list")
def test_a_cjk_font_missing_from_the_font_list_is_found_and_draws():
    assert figures.known_cjk_font() is None  # the stale list knows no CJK font
    assert figures.cjk_font() == INSTALLED
    text, style = figures.labels("zh")
    assert text == figures.LABELS["zh"] and style["font.sans-serif"] == [INSTALLED]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (a tofu box) would warn
        figures.training_image(reference_run(), "zh")
        figures.training_image(reference_run(), "en")


@pytest.mark.usefixtures("stale_font_list")
def test_without_a_cjk_font_anywhere_figures_are_english(monkeypatch):
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda: [])
    assert figures.cjk_font() is None
    assert figures.labels("zh") == (figures.LABELS["en"], {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.training_image(reference_run(), "zh")


def test_a_font_without_the_labels_glyphs_is_not_taken():
    latin = font_manager.findfont("DejaVu Sans")
    assert not figures.draws_labels(latin)
    if INSTALLED is not None:
        assert figures.draws_labels(font_manager.findfont(INSTALLED))
