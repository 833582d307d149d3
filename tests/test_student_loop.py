"""The student's loop, as a student meets it: watch in a real terminal, hints, a feedback
page opened in a real browser, and Chinese that reads as Chinese."""

import io
import re
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console

from grader.grade import grade
from grader.lessons.autograd import page as lesson_page
from grader.lessons.autograd import reference_run
from grader.report import figures, function_points
from grader.report.html import write_feedback_page
from tests.browser import chromium_page, images_rendered, needs_chromium
from tests.conftest import ROOT, SEED, write_submission

pytestmark = pytest.mark.sandbox
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_for(session: str, text: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if text in screen(session):
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared on the screen:\n{screen(session)}")


TRICKY = "[bold]loud[/bold] sgd_step([w, b], lr) a\\b [/]"
RUN_LINE = re.compile(r"graded \d\d:\d\d:\d\d · (\d+)/10 · \d+\.\d\d s")


@contextmanager
def watcher(tmp_path: Path, lang: str = "en", pythonpath: str = "", size: tuple[int, int] = (120, 60),
            prints: str = f"print({TRICKY!r})\n") -> Iterator[tuple[str, Path]]:
    """The watcher on a copy of the stubs whose autograd_basics.py runs `prints` first (TRICKY
    by default), in a real terminal of `size` columns and rows: yields the tmux session and the
    folder. `pythonpath`: a simulated system's."""
    work = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", work)
    stubs = work / "autograd_basics.py"
    stubs.write_text(prints + stubs.read_text("utf-8"), "utf-8")
    session = f"watch-{tmp_path.name}"
    environment = f"env PYTHONPATH={pythonpath} " if pythonpath else ""
    # the shell may export the pane's size before tmux resizes it (80x24): the watcher reads the terminal's own
    command = (f"unset LINES COLUMNS; cd {ROOT} && {environment}{sys.executable} -m grader watch {work} --lang {lang}; "
               "echo EXITED $?; sleep 60")
    columns, rows = (str(n) for n in size)
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", columns, "-y", rows, command], check=True)
    try:
        yield session, work
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def keys(session: str, *pressed: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, *pressed], check=True)


@needs_tmux
def test_watch_regrades_on_save_and_stops_on_ctrl_c(tmp_path):
    with watcher(tmp_path) as (session, work):
        wait_for(session, "0/10 functions done", 120)
        assert "quadratic_grad" in screen(session) and "not implemented yet" in screen(session)
        assert [m.group(1) for m in RUN_LINE.finditer(screen(session))] == ["0"]  # when, how far, how long
        assert "seed" not in screen(session)  # public inputs are fixed: no seed to replay
        shutil.copy(ROOT / "solutions" / "autograd_basics.py", work / "autograd_basics.py")
        seconds = wait_for(session, "3/10 functions done", 30)
        assert "predict" in screen(session)  # the next function in lesson order
        assert [m.group(1) for m in RUN_LINE.finditer(screen(session))] == ["3"]
        print(f"re-graded {seconds:.2f} s after the save")
        keys(session, "C-c")
        wait_for(session, "EXITED 0", 30)
        assert "Stopped watching." in screen(session)


@needs_tmux
def test_watch_shows_the_students_output_and_answers_keys(tmp_path):
    with watcher(tmp_path) as (session, work):
        wait_for(session, "0/10 functions done", 120)
        assert TRICKY in screen(session).splitlines()  # printed as it is, on a line of its own
        assert "Keys: h the next hint" in screen(session)
        keys(session, "h")  # the feedback gives the first level already: h climbs to the second
        wait_for(session, "Hint 2/3 for quadratic_grad", 30)
        assert "\nHint: " in screen(session) and "Hint 1/3" not in screen(session)
        keys(session, "h", "h", "h")
        wait_for(session, "That was the last hint for quadratic_grad.", 30)
        assert "Hint 3/3 for quadratic_grad" in screen(session) and "Hint 4/3" not in screen(session)
        keys(session, "l")
        wait_for(session, "zero_grads", 30)  # only the list names it
        assert re.search(r"→ +quadratic_grad +0/2", screen(session))
        for module in ("autograd_basics", "linear_regression"):
            shutil.copy(ROOT / "solutions" / f"{module}.py", work / f"{module}.py")
        wait_for(session, "All functions done", 60)
        assert "10/10 functions done" in screen(session)
        assert any(line.startswith("All functions done") for line in screen(session).splitlines())
        keys(session, "q")
        wait_for(session, "EXITED 0", 30)
        assert "Stopped watching." in screen(session)


@needs_tmux
def test_watch_speaks_chinese_in_its_run_line_and_keys(tmp_path):
    with watcher(tmp_path, "zh") as (session, _):
        wait_for(session, "已完成 0/10 个函数", 120)
        assert re.search(r"评分于 \d\d:\d\d:\d\d · 0/10 · 用时 \d+\.\d\d 秒", screen(session))
        assert "按键:h 下一条提示" in screen(session) and TRICKY in screen(session)
        keys(session, "q")
        wait_for(session, "EXITED 0", 30)


FLOOD = """
import warnings
for epoch in range(30):
    print(f"epoch {epoch}: " + "loss " * 60)
for _ in range(40):
    warnings.warn("findfont: Font family 'SimHei' not found.")
"""


@needs_tmux
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_watch_at_80_by_24_keeps_its_status_and_feedback_on_screen(tmp_path, lang):
    with watcher(tmp_path, lang, size=(80, 24), prints=FLOOD) as (session, _):
        wait_for(session, {"en": "0/10 functions done", "zh": "已完成 0/10 个函数"}[lang], 120)
        shown = screen(session)
        assert re.search({"en": r"graded \d\d:\d\d:\d\d", "zh": r"评分于 \d\d:\d\d:\d\d"}[lang], shown)
        assert "quadratic_grad" in shown and {"en": "not implemented yet", "zh": "尚未实现"}[lang] in shown
        assert {"en": "Watching for saves", "zh": "正在等待保存"}[lang] in shown
        assert shown.count("epoch") < 30  # the output was cut by the screen's rows
        keys(session, "l")
        wait_for(session, "zero_grads" if lang == "en" else "→", 30)
        assert re.search({"en": r"graded \d\d:\d\d:\d\d", "zh": r"评分于 \d\d:\d\d:\d\d"}[lang], screen(session))
        keys(session, "q")
        wait_for(session, "EXITED 0", 30)


def test_hint_without_a_function_gives_the_first_unfinished_ones(tmp_path):
    def hint(path: Path) -> str:
        command = [sys.executable, "-m", "grader", "hint", "--path", str(path), "--lang", "en"]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    assert hint(ROOT / "exercises").startswith("Hint 1/3 for quadratic_grad:")
    assert hint(write_submission(tmp_path / "s", {"sgd_step": "pass"})).startswith("Hint 1/3 for sgd_step:")
    assert hint(write_submission(tmp_path / "done")).startswith("All functions done")


def test_hints_give_away_more_at_each_level():
    def hint(level: str, lang: str) -> list[str]:
        command = [sys.executable, "-m", "grader", "hint", "mse_grads", "--level", level, "--lang", lang]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()

    assert len(hint("1", "en")) == 1 and len(hint("3", "en")) == 3
    assert hint("3", "en")[:1] == hint("1", "en")
    assert "提示" in hint("2", "zh")[0]


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_feedback_page_shows_the_students_plots(tmp_path, sandbox, lang):
    submission = write_submission(tmp_path / "s", {"mse_loss": "return ((y_pred - y_true) ** 2).sum()"})
    result = grade(submission, hidden=False, seed=SEED, sandbox=sandbox)
    page_file = tmp_path / "page.html"
    write_feedback_page(result, lang, page_file)
    with chromium_page() as page:
        page.goto(page_file.as_uri())
        assert images_rendered(page)
        assert page.locator("img").count() == 2  # train beside the reference, and plot_fit
        assert page.locator("#total b").inner_text() == f"{result.score:g}/{result.max_score:g}"
        got, worth = function_points(result)["mse_loss"]
        assert got < worth and page.locator("[data-function='mse_loss']").inner_text() == f"{got:g}/{worth:g}"


def test_chinese_plots_fall_back_to_english_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    text, style = figures.labels("zh")
    assert text == figures.LABELS["en"] and style == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        lesson_page.training_image(reference_run(), "zh")


@pytest.mark.skipif(figures.cjk_font() is None, reason="no CJK font installed (apt-get install fonts-wqy-microhei)")
def test_chinese_plots_use_the_installed_cjk_font():
    text, style = figures.labels("zh")
    assert text == figures.LABELS["zh"] and style["font.sans-serif"] == [figures.cjk_font()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lesson_page.training_image(reference_run(), "zh")


def test_the_terminal_table_reads_in_chinese(sandbox, tmp_path):
    from grader.report.table import print_table

    result = grade(Path(ROOT / "exercises"), hidden=False, seed=SEED, sandbox=sandbox)
    console = Console(file=io.StringIO(), width=160)
    print_table(result, "zh", console)
    table = console.file.getvalue()
    assert "尚未实现" in table and "提示" in table and "总分" in table
    assert "not implemented" not in table
