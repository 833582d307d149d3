"""`batch --nbgrader-course DIR`: put the batch scores into an nbgrader gradebook, as
autograded scores of the course's test cells, so formgrader shows them, and write the
autograded notebooks `nbgrader generate_feedback` reads (autograded.py)."""

from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from grader.instructor.intake import Standing
from grader.instructor.records import StudentRecord, read_folder
from grader.lesson import MODULE_OF
from grader.load import UsageError
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


def record_in_gradebook(out: Path, course: Path, assignment: str, lang: str) -> int:
    """Write every graded student's scores found under `out`; returns how many students."""
    from grader.instructor.autograded import write_autograded  # torch: not for check_course, a usage check

    students = [r for r in read_folder(out) if r.standing is Standing.GRADED]
    with opened(course) as gradebook:
        for student in students:
            record_student(gradebook, assignment, student)
    for student in students:
        write_autograded(course, assignment, student, lang)
    return len(students)


def check_scores(student: StudentRecord) -> dict[str, float]:
    """Each check's test cell and its score (devices share a check's points)."""
    from grader.instructor.course import test_cell_of

    scores: dict[str, float] = {}
    for test in student.tests:
        cell = test_cell_of(test.name)
        scores[cell] = scores.get(cell, 0.0) + test.score
    return scores


def record_student(gradebook: Gradebook, assignment: str, student: StudentRecord) -> None:
    name = student.folder  # nbgrader knows the student by the folder's name
    gradebook.update_or_create_student(name)
    try:
        gradebook.find_submission(assignment, name)
    except MissingEntry:
        gradebook.add_submission(assignment, name)
    for cell, score in check_scores(student).items():
        function = cell.removeprefix("test-").rsplit("-", 1)[0]
        gradebook.find_grade(cell, MODULE_OF[function], assignment, name).auto_score = score
    gradebook.db.commit()
