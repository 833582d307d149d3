"""The terminal report: one row per function, with points and feedback. Every cell is a
rich Text, so the student's code (`step([w, b], lr)`) is printed as it is, not read as
markup, and what came from the hand-in has its control characters made visible."""

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.messages import say
from grader.report import function_feedback, function_points, render
from grader.report.student import PRINTED_LINES, printed_output, seed_line
from grader.results import Grade
from grader.terminal import visible


def print_table(grade: Grade, lang: str, console: Console | None = None) -> None:
    console = console or Console()
    for notice in grade.notices:
        console.print(Text(visible(render(notice, lang, grade.lesson)), style="yellow"))
    console.print(results_table(grade, lang))
    if grade.output.strip():
        console.rule(Text(say("student_output", lang)))
        console.print(Text(visible(printed_output(grade.output, lang, PRINTED_LINES))))


def results_table(grade: Grade, lang: str) -> Table:
    table = Table(show_lines=True)
    for column in ("function", "points", "feedback"):
        table.add_column(Text(say(column, lang)), overflow="fold")
    for function, (got, worth) in function_points(grade).items():
        points = Text(f"{got:g}/{worth:g}", style="green" if got == worth else "red")
        table.add_row(Text(function), points, Text(visible(function_feedback(grade, function, lang))))
    table.add_row(Text(say("total", lang)), Text(f"{grade.score:g}/{grade.max_score:g}"), Text(seed_line(grade, lang)))
    return table
