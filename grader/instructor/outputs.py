"""The class outputs, built from the students' results alone (so shards merge): grades.csv,
report.html, and with a roster canvas.csv; and where in the same folder each student's
results go, so that no hand-in's name can take a class output's or a classmate's place."""

import hashlib
from pathlib import Path

from grader.instructor.class_report import class_report
from grader.instructor.records import StudentRecord
from grader.instructor.roster import Roster
from grader.instructor.sheets import write_canvas_csv, write_grades_csv
from grader.lessons import Lesson

CANVAS_ASSIGNMENT = "autograd"
GRADES_CSV, CANVAS_CSV, REPORT = "grades.csv", "canvas.csv", "report.html"
# every file of the class's own in the results folder (batch.json: settings.py's, the class's seed)
CLASS_OUTPUTS = (GRADES_CSV, CANVAS_CSV, REPORT, "batch.json")
MARK = "~"  # ends every results folder whose name is not the student's folder's own
LONGEST = 200  # bytes of a results folder's name: file systems allow 255, escaping can triple a name


def write_class_outputs(records: list[StudentRecord], target: Path, lang: str, roster: Roster | None = None,
                        assignment: str = CANVAS_ASSIGNMENT, lesson: Lesson | None = None) -> tuple[Path, Path]:
    """grades.csv and report.html in `target` (and canvas.csv, with a roster): their paths."""
    target.mkdir(parents=True, exist_ok=True)
    write_grades_csv(records, target / GRADES_CSV, lang, roster, lesson)
    if roster is not None:
        write_canvas_csv(records, target / CANVAS_CSV, roster, assignment)
    (target / REPORT).write_text(class_report(records, target, lang, lesson), "utf-8")
    return target / GRADES_CSV, target / REPORT


def results_folder(out: Path, folder: str) -> Path:
    """Where the student whose folder (or archive) on disk is `folder` (intake's escaped name,
    one per name on disk: the same each run) has their results in `out`. A name is kept as
    it is, except that a class output's name (a folder called grades.csv), a name ending in
    the mark and a name too long get the mark at their end: no two share a results folder."""
    if len(folder.encode("utf-8", "surrogateescape")) > LONGEST:
        return out / shortened(folder)
    if folder.casefold() in CLASS_OUTPUTS or folder.endswith(MARK):  # casefold: macOS and Windows
        return out / f"{folder}{MARK}"
    return out / folder


def shortened(folder: str) -> str:
    """A long name's head and a digest of the whole, within LONGEST bytes."""
    digest = hashlib.sha256(folder.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    head = folder.encode("utf-8", "surrogateescape")[: LONGEST - len(digest) - 2].decode("utf-8", "ignore")
    return f"{head}{MARK}{digest}{MARK}"
