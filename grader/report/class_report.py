"""The class outputs, built from the students' results.json files alone (so shards merge):
grades.csv, and report.html, one static page with its plots embedded."""

import csv
import json
from collections import Counter
from collections.abc import Callable
from html import escape
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from grader.lesson import FUNCTIONS
from grader.messages import explain, say
from grader.report.figures import drawn
from grader.report.html import page

RESULTS = "results.json"


def read_results(folders: list[Path]) -> list[dict]:
    """Every student's results, from each folder's <student>/results.json, by student name."""
    found = {}
    for folder in folders:
        for file in sorted(folder.glob(f"*/{RESULTS}")):
            results = json.loads(file.read_text("utf-8"))
            found[results["extra_data"]["student"]] = results | {"folder": file.parent}
    return [found[name] for name in sorted(found)]


def write_class_outputs(folders: list[Path], target: Path, lang: str) -> dict:
    students = read_results(folders)
    target.mkdir(parents=True, exist_ok=True)
    write_grades_csv(students, target / "grades.csv")
    (target / "report.html").write_text(class_report(students, target, lang), "utf-8")
    scores = [s["score"] for s in students]
    return {
        "grades_csv": str(target / "grades.csv"),
        "report": str(target / "report.html"),
        "mean_score": round(sum(scores) / len(scores), 2) if scores else 0,
        "max_score": students[0]["max_score"] if students else 0,
    }


def write_grades_csv(students: list[dict], file: Path) -> None:
    with file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "score", "max_score", *FUNCTIONS])
        for s in students:
            points = s["extra_data"]["functions"]
            writer.writerow([s["extra_data"]["student"], s["score"], s["max_score"],
                             *(f"{points[f][0]:g}" if f in points else "" for f in FUNCTIONS)])


def class_report(students: list[dict], target: Path, lang: str) -> str:
    count = len(students)
    slowest = sorted(students, key=lambda s: -s["extra_data"]["seconds"])[:5]
    sections = [
        f"<p id='count'>{escape(say('class_size', lang, count=count))}</p>",
        f"<img alt='score histogram' src='{histogram(students, lang)}'>",
        f"<img alt='pass rate per function' src='{pass_rates(students, lang)}'>",
        misconception_table(students, lang),
        listing(say("slowest", lang), slowest, target, lang),
        listing(say("crashed_list", lang), [s for s in students if s["extra_data"]["crashes"]], target, lang),
        listing(say("all_students", lang), students, target, lang, table_id="scores"),
    ]
    side_by_side = "table { width: auto; } img { max-width: 48%; }"
    return page(say("class_report", lang), lang, "".join(sections), style=side_by_side)


def chart(lang: str, draw: Callable[[Axes], object]) -> str:
    def on_one_axes(figure: Figure, text: dict) -> None:
        draw(figure.subplots())
        figure.tight_layout()

    return drawn(lang, (6, 4), on_one_axes)


def histogram(students: list[dict], lang: str) -> str:
    scores, top = [s["score"] for s in students], students[0]["max_score"] if students else 1
    return chart(lang, lambda axes: (axes.hist(scores, bins=20, range=(0, top)), axes.set(xlabel=say("points", lang))))


def pass_rates(students: list[dict], lang: str) -> str:
    rates = [100 * sum(passed_function(s, f) for s in students) / max(len(students), 1) for f in FUNCTIONS]
    return chart(lang, lambda axes: (axes.barh(FUNCTIONS[::-1], rates[::-1]), axes.set(xlim=(0, 100), xlabel="%")))


def passed_function(student: dict, function: str) -> bool:
    got, worth = student["extra_data"]["functions"].get(function, (0, 1))
    return got == worth


def misconception_table(students: list[dict], lang: str) -> str:
    counts = Counter(m for s in students for m in s["extra_data"]["misconceptions"])
    rows = "".join(
        f"<tr><td>{100 * n / len(students):.0f}%</td><td>{n}</td><td>{escape(explain(m, lang))}</td></tr>"
        for m, n in counts.most_common()
    )
    head = f"<tr><th>%</th><th>{say('students', lang)}</th><th>{say('misconception', lang)}</th></tr>"
    return f"<h2>{say('frequent_misconceptions', lang)}</h2><table id='misconceptions'>{head}{rows}</table>"


def listing(title: str, students: list[dict], target: Path, lang: str, table_id: str = "") -> str:
    rows = "".join(
        f"<tr><td><a href='{escape(page_link(s, target))}'>{escape(s['extra_data']['student'])}</a></td>"
        f"<td class='score'>{s['score']:g}</td><td>{s['extra_data']['seconds']:.3f} s</td>"
        f"<td>{escape(', '.join(s['extra_data']['crashes']))}</td></tr>"
        for s in students
    )
    head = "".join(f"<th>{say(column, lang)}</th>" for column in ("student", "points", "time", "crashes"))
    return f"<h2>{escape(title)}</h2><table id='{table_id}'><tr>{head}</tr>{rows}</table>"


def page_link(student: dict, target: Path) -> str:
    page = Path(student["folder"]) / "feedback.html"
    try:
        return page.resolve().relative_to(target.resolve()).as_posix()
    except ValueError:
        return page.resolve().as_uri()
