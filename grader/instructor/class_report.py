"""report.html: one static page for deciding what to reteach, built from the students'
records alone (so shards merge), its charts embedded, its links relative (so the folder
can move): the scores, who needs attention, and per function the misconceptions found
with the students who have them."""

import os
from collections.abc import Callable
from html import escape
from pathlib import Path
from urllib.parse import quote

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grader.instructor.intake import Standing
from grader.instructor.records import PAGE, StudentRecord
from grader.instructor.summary import class_size, score_line, seed_line
from grader.lessons import Lesson, given
from grader.messages import explain, say
from grader.report import render
from grader.report.figures import drawn, font_style
from grader.report.html import page

# where a student lost points with no misconception named (not ids of the catalogue's misconceptions)
UNTOUCHED, OTHER = "(untouched)", "(other)"
SPECIAL = {UNTOUCHED: "cause_untouched", OTHER: "cause_other"}
STYLE = "table { width: auto; } img { max-width: 48%; } td.names a { margin-right: .5em; }"


def class_report(records: list[StudentRecord], target: Path, lang: str, lesson: Lesson | None = None) -> str:
    graded = [r for r in records if r.standing is Standing.GRADED]
    lesson = given(lesson)
    sections = [
        f"<p id='count'>{escape(class_size(records, lang))}</p>",
        f"<p id='scores-summary'>{escape(score_line(records, lang))}</p>",
        f"<p id='seed'>{escape(seed_line(records, lang))}</p>",
        run_notices(records, lang),
        f"<img alt='{say('histogram_title', lang)}' src='{histogram(graded, lang)}'>",
        f"<img alt='{say('pass_rate_title', lang)}' src='{pass_rates(graded, lang, lesson.functions)}'>",
        attention(records, target, lang),
        by_function(graded, target, lang, lesson),
        listing(say("slowest", lang), sorted(graded, key=lambda r: -r.seconds)[:5], target, lang, "slowest"),
        listing(say("all_students", lang), records, target, lang, "scores"),
    ]
    return page(say("class_report", lang), lang, "".join(sections), style=STYLE)


def run_notices(records: list[StudentRecord], lang: str) -> str:
    """About the machines that graded (no bubblewrap, ...), once each: for the instructor only."""
    notices = {render(notice, lang): None for r in records for notice in r.run_notices}
    items = "".join(f"<li>{escape(notice)}</li>" for notice in notices)
    return f"<ul id='run-notices'>{items}</ul>" if items else ""


def chart(lang: str, title_key: str, draw: Callable[[Axes, str], object]) -> str:
    """A titled chart; in English where no installed font can draw `lang` (never boxes)."""
    shown = lang if font_style(lang) is not None else "en"

    def on_one_axes(figure: Figure, text: dict) -> None:
        axes = figure.subplots()
        draw(axes, shown)
        axes.set_title(say(title_key, shown))
        figure.tight_layout()

    return drawn(lang, (6, 4), on_one_axes)


def histogram(graded: list[StudentRecord], lang: str) -> str:
    scores, top = [r.score for r in graded], graded[0].max_score if graded else 1

    def draw(axes: Axes, shown: str) -> None:
        axes.hist(scores, bins=20, range=(0, top))
        axes.set(xlabel=say("points", shown), ylabel=say("students", shown))
        for axis in (axes.xaxis, axes.yaxis):  # points and students come whole
            axis.set_major_locator(MaxNLocator(integer=True))

    return chart(lang, "histogram_title", draw)


def pass_rates(graded: list[StudentRecord], lang: str, functions: tuple[str, ...]) -> str:
    """Per function, the share that passed, and the share that failed only because of a helper."""
    share = 100 / max(len(graded), 1)
    rates = [share * sum(passed(r, f) for r in graded) for f in functions]
    blamed = [share * len(blamed_for(graded, f)) for f in functions]

    def draw(axes: Axes, shown: str) -> None:
        axes.barh(functions[::-1], rates[::-1], label=say("legend_passed", shown))
        axes.barh(functions[::-1], blamed[::-1], left=rates[::-1], hatch="//", alpha=.5,
                  label=say("legend_helper", shown))
        axes.set(xlim=(0, 100), xlabel="%")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=2, fontsize="small", frameon=False)

    return chart(lang, "pass_rate_title", draw)


def blamed_for(graded: list[StudentRecord], function: str) -> list[StudentRecord]:
    """Those who fail `function` only because helpers it calls fail."""
    return [r for r in graded if not passed(r, function) and function in r.blamed_on]


def passed(record: StudentRecord, function: str) -> bool:
    got, worth = record.functions.get(function, (0, 1))
    return got == worth


def attention(records: list[StudentRecord], target: Path, lang: str) -> str:
    """Each student who needs a look beyond their score, and why."""
    rows = "".join(f"<tr><td>{link(r, target)}</td><td>{escape('; '.join(reasons))}</td></tr>"
                   for r in records if (reasons := attention_reasons(r, lang)))
    head = f"<tr><th>{say('student', lang)}</th><th>{say('why', lang)}</th></tr>"
    table = f"<table id='attention'>{head}{rows}</table>" if rows else sentence("attention", "attention_none", lang)
    return f"<h2>{say('needs_attention', lang)}</h2>{table}"


def attention_reasons(record: StudentRecord, lang: str) -> list[str]:
    if record.standing is not Standing.GRADED:
        status = say(f"status_{record.standing.name.lower()}", lang)
        return [f"{status}: {render(record.reason, lang)}" if record.reason else status]
    reasons = list({render(blocker, lang): None for blocker in record.blockers})
    if "timeout" in record.crashes:
        reasons.append(say("attention_timed_out", lang))
    if set(record.crashes) - {"timeout"}:
        reasons.append(say("attention_crashed", lang))
    if record.untouched:
        reasons.append(say("attention_untouched", lang, functions=", ".join(record.untouched)))
    return reasons


def by_function(graded: list[StudentRecord], target: Path, lang: str, lesson: Lesson) -> str:
    """Per function in lesson order: how many passed, and each misconception with its students."""
    parts = [f"<h2>{say('misconceptions_by_function', lang)}</h2>"]
    for function in lesson.functions:
        count = sum(passed(r, function) for r in graded)
        parts.append(f"<h3 id='function-{function}'><code>{function}</code> · "
                     f"{escape(say('passed_count', lang, count=count, total=len(graded)))}</h3>")
        parts.append(failure_split(graded, function, target, lang))
        parts.append(misconception_rows(graded, function, target, lang, lesson))
    return f"<section id='by-function'>{''.join(parts)}</section>"


def failure_split(graded: list[StudentRecord], function: str, target: Path, lang: str) -> str:
    """Of those who fail a function that calls helpers: their own mistake, or a helper's."""
    blamed = blamed_for(graded, function)
    if not blamed:
        return ""
    own = sum(not passed(r, function) for r in graded) - len(blamed)
    names = " ".join(link(r, target) for r in blamed)
    return (f"<p class='split' data-function='{function}'>{escape(say('own_mistake', lang, count=own))} · "
            f"{escape(say('helper_caused', lang, count=len(blamed)))} <span class='names'>{names}</span></p>")


def misconception_rows(graded: list[StudentRecord], function: str, target: Path, lang: str, lesson: Lesson) -> str:
    """Every student who lost points on `function`, under what they lost them on: each
    misconception found, the stub left untouched, or other (those who failed only through a
    helper are named in the split above)."""
    found: dict[str, list[StudentRecord]] = {}
    for record in graded:
        for cause in causes(record, function):
            found.setdefault(cause, []).append(record)
    rows = "".join(
        f"<tr><td>{escape(cause_text(cause, lang, lesson))}</td><td class='count'>{len(who)}</td>"
        f"<td class='names'>{' '.join(link(r, target) for r in who)}</td></tr>"
        for cause, who in sorted(found.items(), key=lambda item: (item[0] in SPECIAL, item[0] == OTHER,
                                                                  -len(item[1]), item[0])))
    head = "".join(f"<th>{say(column, lang)}</th>" for column in ("misconception", "students", "names"))
    return f"<table class='misconceptions' data-function='{function}'><tr>{head}</tr>{rows}</table>" if rows else ""


def causes(record: StudentRecord, function: str) -> tuple[str, ...]:
    if passed(record, function) or function in record.blamed_on:
        return ()
    if function in record.untouched:
        return (UNTOUCHED,)
    return record.misconceptions.get(function) or (OTHER,)


def cause_text(cause: str, lang: str, lesson: Lesson) -> str:
    return say(SPECIAL[cause], lang) if cause in SPECIAL else explain(cause, lang, lesson)


def sentence(block_id: str, key: str, lang: str) -> str:
    """What an empty section says instead of a table's bare head."""
    return f"<p id='{block_id}'>{escape(say(key, lang))}</p>"


def listing(title: str, records: list[StudentRecord], target: Path, lang: str, table_id: str) -> str:
    rows = "".join(
        f"<tr><td>{link(r, target)}</td><td class='score'>{r.score:g}</td><td>{r.seconds:.3f} s</td>"
        f"<td>{escape(say(f'status_{r.standing.name.lower()}', lang))}</td></tr>"
        for r in records
    )
    head = "".join(f"<th>{say(column, lang)}</th>" for column in ("student", "points", "time", "status"))
    table = f"<table id='{table_id}'><tr>{head}</tr>{rows}</table>"
    return f"<h2>{escape(title)}</h2>" + (table if rows else sentence(table_id, "none_graded", lang))


def link(record: StudentRecord, target: Path) -> str:
    """The student's name, linked to their page where they have one, relative to the report."""
    page = record.place / PAGE
    if not page.is_file():
        return escape(record.name)
    href = quote(Path(os.path.relpath(page.resolve(), target.resolve())).as_posix())
    return f"<a href='{escape(href)}'>{escape(record.name)}</a>"
