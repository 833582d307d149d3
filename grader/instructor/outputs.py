"""The class outputs, built from the students' results alone (so shards merge): grades.csv,
report.html, and with a roster canvas.csv."""

from pathlib import Path

from grader.instructor.records import StudentRecord
from grader.instructor.roster import Roster
from grader.instructor.sheets import write_canvas_csv, write_grades_csv
from grader.report.class_report import class_report

CANVAS_ASSIGNMENT = "autograd"


def write_class_outputs(records: list[StudentRecord], target: Path, lang: str, roster: Roster | None = None,
                        assignment: str = CANVAS_ASSIGNMENT) -> tuple[Path, Path]:
    """grades.csv and report.html in `target` (and canvas.csv, with a roster): their paths."""
    target.mkdir(parents=True, exist_ok=True)
    write_grades_csv(records, target / "grades.csv", lang, roster)
    if roster is not None:
        write_canvas_csv(records, target / "canvas.csv", roster, assignment)
    (target / "report.html").write_text(class_report(records, target, lang), "utf-8")
    return target / "grades.csv", target / "report.html"
