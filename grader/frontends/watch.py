"""`python -m grader watch`: grade, then grade again each time a lesson module is saved.

The sandbox stays warm between gradings (its zygote has torch imported already), so a
re-grade after a save costs the checks alone, not a fresh Python and torch.
"""

import random
from pathlib import Path

from rich.console import Console
from rich.progress_bar import ProgressBar
from watchfiles import watch as changes

from grader.grade import grade
from grader.lesson import API, FUNCTIONS
from grader.messages import say
from grader.report import function_feedback, function_points
from grader.results import Grade
from grader.sandbox.host import Sandbox


def watch(path: Path, lang: str, sandbox: Sandbox, console: Console | None = None) -> None:
    console = console or Console()
    modules = {str((path / f"{module}.py").resolve()) for module in API}
    while True:
        show_progress(grade(path, hidden=False, seed=random.randrange(2**31), sandbox=sandbox), lang, console)
        for changed in changes(path, watch_filter=lambda change, name: name in modules, rust_timeout=0):
            if changed:
                break


def show_progress(result: Grade, lang: str, console: Console) -> None:
    points = function_points(result)
    done = [function for function, (got, worth) in points.items() if got == worth]
    console.clear()
    console.print(say("progress", lang, done=len(done), total=len(FUNCTIONS)))
    console.print(ProgressBar(total=len(FUNCTIONS), completed=len(done), width=40))
    unfinished = next((f for f in points if f not in done), None)
    if unfinished is None:
        console.print(f"[green]{say('all_done', lang)}[/green]")
    else:
        console.print(f"\n[bold]{unfinished}[/bold]")
        console.print(function_feedback(result, unfinished, lang), markup=False, highlight=False)
        console.print(f"\n{say('more_hints', lang, function=unfinished)}")
    console.print(f"\n[dim]{say('watching', lang)}[/dim]")

