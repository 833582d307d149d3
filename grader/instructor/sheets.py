"""The class's spreadsheets: grades.csv (one row per student folder, and per roster entry
with no folder), and with a roster, canvas.csv for Canvas's gradebook import. Both are
UTF-8 with a BOM, so Excel on Windows shows 王芳 and not mojibake; LibreOffice reads it too.
Every text cell that a spreadsheet would read as a formula is written as text (`text_cell`)."""

import csv
from collections.abc import Iterator
from pathlib import Path

from grader.instructor.intake import Standing
from grader.instructor.records import StudentRecord
from grader.instructor.roster import Enrolled, Roster
from grader.lessons import Lesson, given
from grader.messages import say
from grader.report import render

ENCODING = "utf-8-sig"  # the BOM tells Excel it is UTF-8
# the seed last, in every row: a column every csv reader (Excel, the kit's own) takes, unlike a comment line
IDENTITY_COLUMNS = ("student", "folder", "status", "reason", "id", "email", "score", "max_score")
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# what starts a formula in Excel, LibreOffice or Google Sheets (OWASP's CSV injection list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def enrolled(record: StudentRecord, roster: Roster | None) -> Enrolled | None:
    return None if roster is None else roster.find(record.name, record.folder)


def absent(records: list[StudentRecord], roster: Roster | None) -> list[Enrolled]:
    """Those on the roster with no folder in the submissions."""
    found = [enrolled(record, roster) for record in records]
    return [person for person in (roster.people if roster else ()) if person not in found]


def not_on_roster(records: list[StudentRecord], roster: Roster | None) -> list[StudentRecord]:
    return [] if roster is None else [record for record in records if enrolled(record, roster) is None]


def write_grades_csv(records: list[StudentRecord], file: Path, lang: str, roster: Roster | None,
                     lesson: Lesson | None = None) -> None:
    """A row per student: who, their standing, their score, their points per function of the lesson, the seed."""
    top = records[0].max_score if records else 0
    functions = given(lesson).functions
    with file.open("w", newline="", encoding=ENCODING) as handle:
        writer = csv.writer(handle)
        writer.writerow((*IDENTITY_COLUMNS, *functions, "seed"))
        writer.writerows(grade_row(record, lang, enrolled(record, roster), functions) for record in records)
        writer.writerows(absent_row(person, lang, top, functions) for person in absent(records, roster))


def text_cell(text: str) -> str:
    """A cell a spreadsheet shows as the text it is: a leading quote where it would start a
    formula (`=HYPERLINK(...)`, `@SUM(...)`), as OWASP advises. Only for text: numbers are
    the grader's own and written as they are."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def texts(*cells: str) -> list[str]:
    return [text_cell(cell) for cell in cells]


def grade_row(record: StudentRecord, lang: str, person: Enrolled | None, functions: tuple[str, ...]) -> list[str]:
    reason = render(record.reason, lang) if record.reason else ""
    points = [f"{record.functions[f][0]:g}" if f in record.functions else "" for f in functions]
    return [*texts(record.name, record.folder, record.standing.value, reason, person.id if person else "",
                   person.email if person else ""), f"{record.score:g}", f"{record.max_score:g}", *points,
            "" if record.seed is None else str(record.seed)]


def absent_row(person: Enrolled, lang: str, top: float, functions: tuple[str, ...]) -> list[str]:
    return [*texts(person.name or person.folder, person.folder, Standing.NO_SUBMISSION.value, say("no_folder", lang),
                   person.id, person.email), "0", f"{top:g}", *("" for _ in functions), ""]


def write_canvas_csv(records: list[StudentRecord], file: Path, roster: Roster, assignment: str) -> None:
    """Canvas's gradebook import: its identity columns, then one column for the assignment,
    after a Points Possible row; every roster entry, 0 where nothing was graded."""
    top = records[0].max_score if records else 0
    with file.open("w", newline="", encoding=ENCODING) as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_HEADER, text_cell(assignment)])
        writer.writerow(["Points Possible", "", "", "", "", f"{top:g}"])
        writer.writerows(canvas_rows(records, roster))


def canvas_rows(records: list[StudentRecord], roster: Roster) -> Iterator[list[str]]:
    scores = {enrolled(record, roster): record.score for record in records}
    for person in roster.people:
        score = scores.get(person, 0.0)
        yield [*texts(person.name or person.folder, person.id, person.sis_id, person.email, person.section),
               f"{score:g}"]
