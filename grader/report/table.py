"""The terminal report: one row per function, with points and feedback."""

from rich.console import Console
from rich.table import Table

from grader.messages import say
from grader.report import function_feedback, function_points, render
from grader.results import Grade


def print_table(grade: Grade, lang: str, console: Console | None = None) -> None:
    console = console or Console()
    for notice in grade.notices:
        console.print(render(notice, lang), style="yellow", markup=False)
    table = Table(show_lines=True)
    for column in ("function", "points", "feedback"):
        table.add_column(say(column, lang), overflow="fold")
    for function, (got, worth) in function_points(grade).items():
        style = "green" if got == worth else "red"
        table.add_row(function, f"[{style}]{got:g}/{worth:g}[/{style}]", function_feedback(grade, function, lang))
    table.add_row(say("total", lang), f"{grade.score:g}/{grade.max_score:g}", say("seed", lang, seed=grade.seed))
    console.print(table)
    if grade.output.strip():
        console.rule(say("student_output", lang))
        console.print(grade.output, markup=False, highlight=False)
