"""`python -m grader watch`: grade, then grade again each time a lesson module is saved.

The sandbox stays warm between gradings (its zygote has torch imported already), so a
re-grade after a save costs the checks alone, not a fresh Python and torch. Where stdin is
a terminal, keys work as in rustlings: h the next hint for the current function, l the
list of functions, q quit; they are read between waits for saves, never blocking them.
What comes from the student's code is printed as rich Text, never read as markup.
"""

import os
import random
import select
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.progress_bar import ProgressBar
from rich.rule import Rule
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from watchfiles import watch as changes

from grader.grade import grade
from grader.lessons import Lesson, given
from grader.messages import hint, say
from grader.report import function_feedback, function_points, render
from grader.report.student import all_done, done_functions, first_unfinished, printed_output
from grader.results import Grade
from grader.sandbox.host import Sandbox
from grader.terminal import visible

KEY_POLL_MS = 200  # how long a wait for saves lasts before the keys typed are read
OUTPUT_LINES = 15  # of the student's output, at most, however tall the screen
FEEDBACK_ROWS = 8  # of the current function's feedback, at least, where the list of functions is shown too
Lines = list[Segment]  # one row of the screen, rendered
HINT_LEVELS = 3


def watch(path: Path, lang: str, sandbox: Sandbox, console: Console | None = None, lesson: Lesson | None = None,
          ) -> None:
    """Grade `path`, then again after each save, until q is pressed (or Ctrl-C)."""
    modules = {str((path / f"{module}.py").resolve()) for module in given(lesson).api}
    with key_presses() as typed:
        watcher = Watcher(path, lang, sandbox, console or Console(), keys=typed is not None, lesson=lesson)
        watcher.regrade()
        saves = changes(path, watch_filter=lambda change, name: name in modules,
                        rust_timeout=KEY_POLL_MS if typed else 0, yield_on_timeout=True)
        for changed in saves:
            if changed:
                watcher.regrade()
            if typed is not None and not all(map(watcher.press, typed())):
                return


@dataclass
class Watcher:
    """The watcher's screen: the last grading, and what the student asked to see of it."""

    path: Path
    lang: str
    sandbox: Sandbox
    console: Console
    keys: bool
    """whether key presses reach the watcher (stdin is a terminal)"""
    result: Grade | None = None
    graded_at: datetime = field(default_factory=datetime.now)
    hint_levels: dict[str, int] = field(default_factory=dict)
    """per function, how many hint levels the student asked for"""
    listing: bool = False
    lesson: Lesson | None = None
    """the lesson graded (None: the first)"""

    def regrade(self) -> None:
        self.console.print(Text(say("grading", self.lang), style="dim"))
        self.result = grade(self.path, hidden=False, seed=random.randrange(2**31), sandbox=self.sandbox,
                            lesson=self.lesson)
        self.graded_at = datetime.now()
        self.show()

    def press(self, key: str) -> bool:
        """Act on one key; False where it asks to quit."""
        if key == "q":
            return False
        if key == "h" and self.result is not None and (function := first_unfinished(self.result)):
            level = hint_level(self.result, function, self.lang, self.hint_levels)
            self.hint_levels[function] = min(HINT_LEVELS, level + 1)
            self.show()
        elif key == "l":
            self.listing = not self.listing
            self.show()
        return True

    def show(self) -> None:
        assert self.result is not None  # shown only after a grading
        result, lang = self.result, self.lang
        self.console.clear()
        screen = Screen(self.console)
        top = screen.rows(Group(*header(result, lang, self.graded_at)))
        bottom = screen.rows(Group(*footer(result, lang, self.keys)))
        now = screen.rows(Group(*current(result, lang, self.hint_levels, self.keys)))
        listing = screen.rows(Padding(function_list(result, lang), (1, 0, 0, 0))) if self.listing else []
        room = screen.height - len(top) - len(bottom)
        now = now[: max(room - len(listing), min(len(now), FEEDBACK_ROWS), room // 2)]
        middle = listing[: room - len(now)] if self.listing else student_output(result, lang, screen, room - len(now))
        self.console.print(Rows(top + now + middle + bottom))  # one write: the screen never shows half of it


def header(result: Grade, lang: str, graded_at: datetime) -> list[RenderableType]:
    """When it graded, how far the student is, and the progress bar on a line of its own."""
    done, total = len(done_functions(result)), len(given(result.lesson).functions)
    run = say("graded_run", lang, time=f"{graded_at:%H:%M:%S}", done=done, total=total, seconds=result.seconds)
    bar = Padding(ProgressBar(total=total, completed=done, width=40), 0)  # padded: it ends its line
    return [Text(run, style="dim"), Text(say("progress", lang, done=done, total=total)), bar]


def current(result: Grade, lang: str, hint_levels: dict[str, int], keys: bool) -> list[RenderableType]:
    """The function to work on now, its feedback and the hints asked for; or the success message."""
    function = first_unfinished(result)
    if function is None:
        return [Text(all_done(lang), style="green")]
    level, shown = hint_level(result, function, lang, hint_levels), hint_in_feedback(result, function, lang)
    feedback = Text(visible(function_feedback(result, function, lang)))
    parts: list[RenderableType] = [Text(f"\n{function}", style="bold"), feedback]
    parts += [Text(say("hint_level", lang, level=n, function=function, hint=hint(function, n, lang, result.lesson)),
                   style="cyan") for n in range(shown + 1, level + 1)]
    if level == HINT_LEVELS:
        parts.append(Text(say("no_more_hints", lang, function=function), style="dim"))
    if not keys:
        parts.append(Text(f"\n{say('more_hints', lang, function=function)}"))
    return parts


def hint_level(result: Grade, function: str, lang: str, hint_levels: dict[str, int]) -> int:
    """How many hint levels the screen shows for `function`: those asked for, at least the feedback's."""
    return max(hint_levels.get(function, 0), hint_in_feedback(result, function, lang))


def hint_in_feedback(result: Grade, function: str, lang: str) -> int:
    """1 where the function's feedback already gives the first hint, else 0."""
    hinted = say("hint", lang, hint=hint(function, 1, lang, result.lesson))
    return int(hinted in function_feedback(result, function, lang))


def function_list(result: Grade, lang: str) -> Table:
    """Every function with its points, the current one marked."""
    table = Table(box=None)
    for column in ("", say("function", lang), say("points", lang)):
        table.add_column(Text(column))
    now = first_unfinished(result)
    for function, (got, worth) in function_points(result).items():
        mark = "✓" if got == worth else "→" if function == now else "✗"
        style = "green" if got == worth else "red"
        table.add_row(Text(mark, style=style), Text(function), Text(f"{got:g}/{worth:g}", style=style))
    return table


def student_output(result: Grade, lang: str, screen: "Screen", room: int) -> list[Lines]:
    """The head of what the student's code printed, cut to `room` rows of the screen (a long
    line wraps to several), under a rule; nothing where it printed nothing or there is no room."""
    lines = printed_output(result.output, lang, OUTPUT_LINES).splitlines() if result.output.strip() else []
    if room < 3 or not lines:
        return []
    shown = screen.rows(Rule(Text(say("student_output", lang))))
    for number, line in enumerate(lines):
        rows = screen.rows(Text(visible(line)))
        if len(shown) + len(rows) > room - (number < len(lines) - 1):
            note = Text(say("output_cut", lang, lines=number), style="dim")
            return (shown + rows)[: room - 1] + screen.rows(note) if number == 0 else shown + screen.rows(note)
        shown += rows
    return shown


def footer(result: Grade, lang: str, keys: bool) -> list[RenderableType]:
    """What the watcher waits for, its keys, and the notices for the student (a self-check, a
    file's encoding), never those about the grading host."""
    notices = [visible(render(notice, lang, result.lesson)) for notice in result.for_student().notices]
    lines = [f"\n{say('watching', lang)}", *([say("watch_keys", lang)] if keys else []), *notices]
    return [Text(line, style="dim") for line in lines]


class Screen:
    """The terminal the watcher draws on: its rows, and what a renderable takes of them."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.height = console.size.height - 1  # the last row holds the cursor: a line there would scroll

    def rows(self, renderable: RenderableType) -> list[Lines]:
        return self.console.render_lines(renderable, self.console.options, pad=False)


@dataclass(frozen=True)
class Rows:
    """Rows rendered already, printed as they are."""

    lines: list[Lines]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line
            yield Segment.line()


@contextmanager
def key_presses() -> Iterator[Callable[[], str] | None]:
    """A function that returns what was typed since its last call, without waiting for it;
    None where stdin is not a terminal, or the system offers no way to read keys one by one.
    Windows' console gives them through msvcrt; a POSIX terminal is put in cbreak mode meanwhile
    (each key arrives at once, unechoed; Ctrl-C still interrupts) and restored after."""
    if not sys.stdin.isatty():
        yield None
        return
    try:
        import msvcrt
    except ImportError:
        with terminal_keys() as typed:
            yield typed
        return
    yield lambda: console_typed(msvcrt)


@contextmanager
def terminal_keys() -> Iterator[Callable[[], str] | None]:
    try:
        import termios
        import tty
    except ImportError:
        yield None
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield lambda: typed(fd)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def console_typed(msvcrt: ModuleType) -> str:
    text = ""
    while msvcrt.kbhit():
        text += msvcrt.getwch()
    return text


def typed(fd: int) -> str:
    text = b""
    while select.select([fd], [], [], 0)[0] and (chunk := os.read(fd, 64)):
        text += chunk
    return text.decode(errors="ignore")
