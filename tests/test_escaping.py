"""The student's code, messages and output are shown as they are in every front end:
rich markup (`[w, b]`, `[bold]`), backslashes and HTML are text, never formatting."""

import html
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from grader.frontends.watch import Watcher
from grader.report.gradescope import gradescope_results
from grader.report.html import feedback_page
from grader.report.table import print_table
from grader.results import CheckResult, Feedback, Grade, Status

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
