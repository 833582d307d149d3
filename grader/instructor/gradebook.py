"""`batch --nbgrader-course DIR`: put the batch scores into an nbgrader gradebook, as
autograded scores of the course's test cells, so formgrader shows them."""

from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from grader.instructor.course import grade_ids
from grader.lesson import MODULE_OF
from grader.load import UsageError
from grader.report.class_report import read_results


def record_in_gradebook(out: Path, course: Path, assignment: str) -> int:
    """Write every student's scores found under `out`; returns how many students."""
    cells = {(check.function, check.claim): grade_id for check, grade_id in grade_ids().items()}
    with Gradebook(f"sqlite:///{(course / 'gradebook.db').resolve()}") as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            message = f"{course} has no assignment {assignment!r}: run nbgrader generate_assignment first."
            raise UsageError(message) from None
        students = read_results([out])
        for student in students:
            record_student(gradebook, assignment, student, cells)
    return len(students)


def record_student(gradebook: Gradebook, assignment: str, student: dict, cells: dict) -> None:
    name = student["extra_data"]["student"]
    gradebook.update_or_create_student(name)
    try:
        gradebook.find_submission(assignment, name)
    except MissingEntry:
        gradebook.add_submission(assignment, name)
    scores: dict[tuple[str, str], float] = {}
    for test in student["tests"]:  # named "function: claim (device)"; devices share a check's points
        function, claim = test["name"].rsplit(" (", 1)[0].split(": ", 1)
        scores[(function, claim)] = scores.get((function, claim), 0.0) + test["score"]
    for (function, claim), score in scores.items():
        grade = gradebook.find_grade(cells[(function, claim)], MODULE_OF[function], assignment, name)
        grade.auto_score = score
    gradebook.db.commit()
