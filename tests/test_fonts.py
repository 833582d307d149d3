"""Figures draw Chinese with a CJK font installed after matplotlib's font cache was built:
the stale cache is simulated by a font list without the CJK fonts (nothing is installed)."""

import warnings
from collections.abc import Iterator

import pytest
from matplotlib import font_manager

from grader.lessons.autograd import page as lesson_page
from grader.lessons.autograd import reference_run
from grader.report import figures
from grader.sandbox.child import fonts

INSTALLED = figures.cjk_font()


@pytest.fixture
def stale_font_list(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """matplotlib's font list as cached before the CJK fonts were installed."""
    manager = font_manager.fontManager
    cjk_files = {font.fname for font in manager.ttflist if font.name in fonts.CJK_FONTS}
    monkeypatch.setattr(manager, "ttflist", [font for font in manager.ttflist if font.fname not in cjk_files])
    forget_fonts()
    yield
    monkeypatch.undo()
    forget_fonts()


def forget_fonts() -> None:
    for cached in (figures.cjk_font, fonts.student_fallback, lesson_page.cached_training_image,
                   font_manager.fontManager._findfont_cached):
        cached.cache_clear()


@pytest.mark.skipif(INSTALLED is None, reason="no CJK font installed (apt-get install fonts-wqy-microhei)")
@pytest.mark.usefixtures("stale_font_list")
def test_a_cjk_font_missing_from_the_font_list_is_found_and_draws():
    assert fonts.known_cjk_font() is None  # the stale list knows no CJK font
    assert figures.cjk_font() == INSTALLED
    text, style = figures.labels("zh")
    assert text == figures.LABELS["zh"] and style["font.sans-serif"] == [INSTALLED]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (a tofu box) would warn
        lesson_page.training_image(reference_run(), "zh")
        lesson_page.training_image(reference_run(), "en")


@pytest.mark.usefixtures("stale_font_list")
def test_without_a_cjk_font_anywhere_figures_are_english(monkeypatch):
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda: [])
    assert figures.cjk_font() is None
    assert figures.labels("zh") == (figures.LABELS["en"], {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lesson_page.training_image(reference_run(), "zh")


def test_a_font_without_the_labels_glyphs_is_not_taken():
    latin = font_manager.findfont("DejaVu Sans")
    assert not figures.draws_labels(latin)
    if INSTALLED is not None:
        assert figures.draws_labels(font_manager.findfont(INSTALLED))


def draw_chinese_title() -> None:
    import io

    from matplotlib.figure import Figure

    figure = Figure()
    figure.subplots().set_title("损失曲线")
    figure.savefig(io.BytesIO(), format="png")


@pytest.mark.skipif(INSTALLED is None, reason="no CJK font installed (apt-get install fonts-wqy-microhei)")
def test_a_missing_font_the_student_asks_for_falls_back_to_an_installed_cjk_font(monkeypatch):
    import matplotlib

    monkeypatch.setitem(matplotlib.rcParams, "font.sans-serif", ["SimHei"])  # the tutorial's line
    with pytest.warns(UserWarning, match="missing from font"):  # boxes without the fallback
        draw_chinese_title()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fonts.with_cjk_fallback():
            draw_chinese_title()
    assert matplotlib.rcParams["font.sans-serif"] == ["SimHei"]  # the student's settings, as they were


SIMHEI_PLOT = """
    import matplotlib.pyplot as plt
    plt.rcParams["font.sans-serif"] = ["SimHei"]
    x, y = x.detach().cpu().flatten(), y.detach().cpu().flatten()
    figure, (left, right) = plt.subplots(1, 2)
    left.scatter(x, y)
    left.plot(x, (w * x + b).detach())
    left.set_title("拟合直线")
    right.plot(losses)
    right.set_title("损失曲线")
    return figure
"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_says_which_font_was_missing_and_what_drew_the_labels(graded, tmp_path, lang):
    from grader.report.html import write_feedback_page

    result = graded({"plot_fit": SIMHEI_PLOT})
    assert "Glyph" not in result.output  # no character drawn as a box
    assert figures.missing_fonts(result.output) == ["SimHei"]
    write_feedback_page(result.for_student(), lang, tmp_path / "page.html")
    page = (tmp_path / "page.html").read_text("utf-8")
    if INSTALLED is not None:
        assert {"en": f"drawn in {INSTALLED}", "zh": f"改用 {INSTALLED} 绘制"}[lang] in page
    else:
        assert {"en": "show as boxes", "zh": "显示为方框"}[lang] in page


def test_without_any_cjk_font_the_page_says_why_the_labels_are_boxes(monkeypatch):
    from grader.results import Grade

    monkeypatch.setattr(fonts, "student_fallback", lambda: None)
    grade = Grade([], "findfont: Font family 'SimHei' not found.\n", 1, ["cpu"], 0.1)
    assert "SimHei" in figures.font_note(grade, "en") and "show as boxes" in figures.font_note(grade, "en")
    assert figures.font_note(Grade([], "hello\n", 1, ["cpu"], 0.1), "en") == ""
