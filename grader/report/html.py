"""A feedback page: one static HTML file with the results per function, the figures the
student's functions drew, and what the lesson draws for its page (its `page_figures` hook:
the first lesson's draws the student's training beside the reference's), embedded as PNG."""

from html import escape
from pathlib import Path

from grader.lessons import given
from grader.messages import say
from grader.report import function_feedback, function_points, render
from grader.report.figures import font_note, plot_image, student_figures
from grader.report.student import seed_line
from grader.results import Grade

STYLE = """
body { font-family: sans-serif; max-width: 70rem; margin: 2rem auto; color: #222; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: .4rem .6rem; vertical-align: top; text-align: left; }
td pre { white-space: pre-wrap; margin: 0; font-family: inherit; }
.full { color: #1a7f37; } .partial { color: #b42318; }
img { max-width: 100%; }
"""


def feedback_page(grade: Grade, lang: str, title: str) -> str:
    rows = "".join(
        f"<tr><td><code>{function}</code></td><td class='{'full' if got == worth else 'partial'}' "
        f"data-function='{function}'>{got:g}/{worth:g}</td>"
        f"<td><pre>{escape(function_feedback(grade, function, lang))}</pre></td></tr>"
        for function, (got, worth) in function_points(grade).items()
    )
    return page(title, lang, (
        f"<p id='total'>{say('total', lang)}: <b>{grade.score:g}/{grade.max_score:g}</b>{seed(grade, lang)}</p>"
        f"<ul id='notices'>{notices(grade, lang)}</ul>"
        f"<table><tr><th>{say('function', lang)}</th><th>{say('points', lang)}</th>"
        f"<th>{say('feedback', lang)}</th></tr>{rows}</table>{figures(grade, lang)}"
    ))


def notices(grade: Grade, lang: str) -> str:
    """The notices for the student: a page is a student's, never about the grading host."""
    return "".join(f"<li>{escape(render(notice, lang, grade.lesson))}</li>" for notice in grade.for_student().notices)


def seed(grade: Grade, lang: str) -> str:
    line = seed_line(grade, lang)
    return f" · {escape(line)}" if line else ""


def page(title: str, lang: str, body: str, style: str = "") -> str:
    """A static page of the kit's: one file, its styles inline, its images embedded."""
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}{style}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def figures(grade: Grade, lang: str) -> str:
    shown = [(name, uri, paragraph(name, note)) for name, uri, note in given(grade.lesson).page_figures(grade, lang)]
    shown += [(function, plot_image(png), paragraph("fonts", font_note(grade, lang)))
              for function, png in student_figures(grade).items()]
    return "".join(f"<h2><code>{name}</code></h2>{note}<img alt='{name}' src='{uri}'>" for name, uri, note in shown)


def paragraph(kind: str, text: str) -> str:
    return f"<p class='{kind}'>{escape(text)}</p>" if text else ""


def write_feedback_page(grade: Grade, lang: str, file: Path, title: str | None = None) -> None:
    """The student's page, titled with their name in a batch, else with the lesson's name."""
    file.write_text(feedback_page(grade, lang, title or say("page_title", lang, grade.lesson)), "utf-8")
