"""The watcher's screen and keys, drawn from made-up gradings (no sandbox; the real
terminal is tests/test_student_loop.py), and the student's output cut at a line."""

import io
from pathlib import Path

import pytest
from rich.console import Console

from grader.frontends import watch
from grader.frontends.watch import Watcher
from grader.report.student import PRINTED_LINES, printed_output
from grader.report.table import print_table
from grader.results import CheckResult, Feedback, Grade, Status
from grader.sandbox.host import CUT

CLAIM = "updates w and b in place (w = 1, b = 2, grads 0.5 and -1, lr = 0.1)"


def graded(status: Status = Status.NOT_ATTEMPTED, output: str = "") -> Grade:
    feedback = None if status is Status.PASS else Feedback("not_implemented")
    score = 3.0 if status is Status.PASS else 0.0
    return Grade([CheckResult("sgd_step", CLAIM, "cpu", False, 3.0, score, status, feedback)], output, 1, ["cpu"], 0.2)


def watcher(result: Grade, lang: str = "en", width: int = 200, height: int = 60) -> Watcher:
    console = Console(file=io.StringIO(), width=width, height=height)
    return Watcher(Path("exercises"), lang, sandbox=None, console=console, keys=True, result=result)  # type: ignore[arg-type]


def screen(shown: Watcher) -> list[str]:
    shown.show()
    assert isinstance(shown.console.file, io.StringIO)
    lines = shown.console.file.getvalue().splitlines()
    shown.console.file.seek(0)
    shown.console.file.truncate()
    return [line.rstrip() for line in lines]


def test_the_success_message_has_a_line_of_its_own():
    lines = screen(watcher(graded(Status.PASS)))
    assert any(line.startswith("All functions done") for line in lines)
    assert "graded" in lines[0] and "1/10" in lines[0] and "0.20 s" in lines[0]


def test_h_climbs_the_hint_levels_to_the_last():
    shown = watcher(graded())
    assert "Hint 2/3" not in "\n".join(screen(shown))
    assert shown.press("h")
    assert any(line.startswith("Hint 2/3 for sgd_step") for line in screen(shown))
    shown.press("h")
    shown.press("h")
    lines = screen(shown)
    assert "Hint 3/3 for sgd_step" in "\n".join(lines) and "That was the last hint for sgd_step." in lines


def test_l_shows_the_list_and_hides_it_again_and_q_quits():
    shown = watcher(graded(Status.ERROR))
    shown.press("l")
    assert any(line.split() == ["→", "sgd_step", "0/3"] for line in screen(shown))
    shown.press("l")
    assert not any("→" in line for line in screen(shown))
    assert shown.press("x") and not shown.press("q")


@pytest.mark.parametrize(("lang", "note"), [("en", "… cut after line 15"), ("zh", "……第 15 行之后的输出已省略")])
def test_the_watcher_shows_the_head_of_the_output_and_says_where_it_cut(lang, note):
    lines = screen(watcher(graded(output="".join(f"line {n}\n" for n in range(1, 41))), lang))
    assert "line 15" in lines and "line 16" not in lines and note in lines


def test_check_cuts_the_output_at_a_line_and_says_so():
    console = Console(file=io.StringIO(), width=200)
    print_table(graded(output="".join(f"line {n}\n" for n in range(1, 500))), "en", console)
    shown = console.file.getvalue().splitlines()
    assert f"line {PRINTED_LINES}" in shown and f"line {PRINTED_LINES + 1}" not in shown
    assert f"… cut after line {PRINTED_LINES}" in shown


def test_output_the_sandbox_cut_mid_line_loses_the_partial_line():
    output = "first line\nsecond line\nthird li" + CUT
    assert printed_output(output, "en", 100) == "first line\nsecond line\n… cut after line 2"
    assert printed_output("one\ntwo\n", "en", 100) == "one\ntwo"


def test_keys_are_read_only_from_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with watch.key_presses() as typed:
        assert typed is None


def feedback_for_every_function(output: str = "", notices: list[Feedback] | None = None) -> Grade:
    """Each function's first public check failed (a long feedback for sgd_step), as a student's
    first grading with their code printing `output`."""
    from grader.lessons.autograd.checks import collect

    firsts = {c.function: c for c in reversed(collect(hidden=False))}
    long = Feedback("raised", {"type": "RuntimeError", "message": "a long message " * 12})
    results = [CheckResult(f, c.claim, "cpu", False, 1.0, 0.0, Status.ERROR, long) for f, c in firsts.items()]
    return Grade(results, output, 1, ["cpu"], 0.2, notices or [])


GBK = Feedback("source_decoded", {"file": "linear_regression.py", "encoding": "GB18030"})
LONG_OUTPUT = "".join(f"epoch {n}: " + "loss " * 70 + "\n" for n in range(40))


@pytest.mark.parametrize(("width", "height"), [(80, 24), (160, 50)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_status_feedback_and_notices_fit_the_screen_whatever_the_output(width, height, lang):
    shown = watcher(feedback_for_every_function(LONG_OUTPUT, [GBK]), lang, width, height)
    lines = screen(shown)
    assert len(lines) <= height - 1  # nothing scrolled off the top
    assert RUN_LINE[lang] in lines[0]
    assert any(line.startswith("quadratic_grad") for line in lines)  # the current function, with its feedback
    assert any("RuntimeError" in line for line in lines)
    assert any("linear_regression.py" in line and "GB18030" in line for line in lines)  # the encoding notice
    assert any(CUT_NOTE[lang] in line for line in lines)  # the output was cut by rows, and says so
    assert all(len(line) <= width for line in lines)


RUN_LINE = {"en": "graded", "zh": "评分于"}
CUT_NOTE = {"en": "cut after line", "zh": "行之后的输出已省略"}


def test_l_at_80_by_24_keeps_the_header_and_the_feedback():
    shown = watcher(feedback_for_every_function(LONG_OUTPUT), "en", 80, 24)
    assert shown.press("l")  # it draws the screen once; the test draws it again, alone
    shown.console.file = io.StringIO()
    lines = screen(shown)
    assert len(lines) <= 23 and "graded" in lines[0] and "0/10 functions done" in lines[1]
    assert any(line.startswith("quadratic_grad") for line in lines) and any("RuntimeError" in line for line in lines)
    assert any(line.split()[:2] == ["→", "quadratic_grad"] for line in lines)  # the list, its current row first
    assert "Watching for saves… (Ctrl-C to stop)" in lines


def test_warnings_from_the_students_code_are_folded_into_one_line():
    simhei = "findfont: Font family 'SimHei' not found.\n" * 40
    glyph = "/home/student/x.py:9: UserWarning: Glyph 25439 missing from font(s) DejaVu Sans.\n  plt.title('损失')\n"
    lines = screen(watcher(graded(output="before\n" + simhei + glyph * 5 + "after\n")))
    output = lines[lines.index("before") : lines.index("after") + 1]
    assert output == ["before", "findfont: Font family 'SimHei' not found. (and 44 more warnings from your code)",
                      "after"]


def test_the_page_command_keeps_the_watchers_language(monkeypatch):
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert "check --html page.html --lang zh" in "\n".join(screen(watcher(graded(Status.PASS), "zh")))
    assert "check --html page.html\n" in "\n".join(screen(watcher(graded(Status.PASS), "en"))) + "\n"
