"""`batch --nbgrader-course DIR`: put the batch scores into an nbgrader gradebook, as
autograded scores of the course's test cells, so formgrader shows them, and write the
autograded notebooks `nbgrader generate_feedback` reads (autograded.py)."""

from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc

from grader.instructor.intake import Standing
from grader.instructor.records import StudentRecord, read_folder
from grader.lessons import Lesson, given
from grader.load import Refused, UsageError, read_file
from grader.messages import say


def opened(course: Path) -> Gradebook:
    return Gradebook(f"sqlite:///{(course / 'gradebook.db').resolve()}")


def check_course(course: Path, assignment: str, lang: str) -> None:
    """Before any grading: the course has a gradebook that knows the assignment."""
    if not (course / "gradebook.db").is_file():
        raise UsageError(say("no_gradebook", lang, course=course))
    with opened(course) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise UsageError(say("no_assignment", lang, course=course, assignment=assignment)) from None


def record_in_gradebook(out: Path, course: Path, assignment: str, lang: str, lesson: Lesson | None = None) -> int:
    """Write every graded student's scores found under `out`; returns how many students."""
    from grader.instructor.autograded import write_autograded  # torch: not for check_course, a usage check

    students = [r for r in read_folder(out) if r.standing is Standing.GRADED]
    with opened(course) as gradebook:
        for student in students:
            record_student(gradebook, course, assignment, student, given(lesson))
    for student in students:
        write_autograded(course, assignment, student, lang, lesson)
    return len(students)


def check_scores(student: StudentRecord, lesson: Lesson | None = None) -> dict[str, float]:
    """Each check's test cell and its score (devices share a check's points)."""
    from grader.instructor.course import test_cell_of

    scores: dict[str, float] = {}
    for test in student.tests:
        cell = test_cell_of(test.name, lesson)
        scores[cell] = scores.get(cell, 0.0) + test.score
    return scores


def record_student(gradebook: Gradebook, course: Path, assignment: str, student: StudentRecord, lesson: Lesson,
                   ) -> None:
    """As `nbgrader autograde` records a submission: its time handed in (formgrader shows it
    autograded when that matches timestamp.txt; late penalties need it) and each test cell's
    score, a manual grade asked for only where a grader already gave one."""
    name = student.folder  # nbgrader knows the student by the folder's name
    gradebook.update_or_create_student(name)
    gradebook.update_or_create_submission(assignment, name, timestamp=handed_in_at(course, assignment, name))
    for cell, score in check_scores(student, lesson).items():
        function = cell.removeprefix("test-").rsplit("-", 1)[0]
        grade = gradebook.find_grade(cell, lesson.module_of[function], assignment, name)
        grade.auto_score = score
        grade.needs_manual_grade = grade.manual_score is not None
    gradebook.db.commit()


def handed_in_at(course: Path, assignment: str, student: str) -> datetime | None:
    """submitted/<student>/<assignment>/timestamp.txt, as nbgrader reads it; None where there is none."""
    try:
        data = read_file(course / "submitted" / student / assignment / "timestamp.txt")
        return None if not data or not data.strip() else parse_utc(data.decode("utf-8", "replace").strip())
    except (Refused, ValueError, OverflowError):
        return None
