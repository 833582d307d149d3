"""What batch writes for each student: their feedback page and results.json (Gradescope's
schema; the class's data in extra_data, which students are not shown), or for a hand-in
that cannot be graded, a results.json with score 0 and the reason."""

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from pathlib import Path

from grader.instructor.fingerprint import GradedFrom
from grader.instructor.intake import Intake, Standing, Student
from grader.instructor.records import PAGE, RESULTS, encoded
from grader.lessons import Lesson, given
from grader.report import function_points, render
from grader.report.gradescope import gradescope_results
from grader.report.html import write_feedback_page
from grader.results import HOST_NOTICES, Feedback, Grade, Status

# about the machine that graded, not the student's files: for the instructor's eyes
RUN_NOTICES = {*HOST_NOTICES, "cuda_skipped", "self_check"}
# and of those, what would tell a student where the sandbox is weaker, or that this is only a self-check
KEPT_FROM_STUDENTS = {*HOST_NOTICES, "self_check"}
# what stops a module or a function from being graded at all: the class report's "needs attention"
BLOCKERS = {"missing_module", "import_failed", "syntax_error", "missing_function", "imports_grader"}


def write_student(folder: Path, result: Grade, student: Student, lang: str, source: GradedFrom) -> None:
    """The feedback page, then results.json, each atomically: results.json means done.
    `source`: what it was graded from, so a re-run knows whether it still holds."""
    folder.mkdir(parents=True, exist_ok=True)
    shown = replace(result, notices=[n for n in result.notices if n.message not in KEPT_FROM_STUDENTS])
    write_atomically(folder / PAGE, lambda file: write_feedback_page(shown, lang, file, student.name))
    results = gradescope_results(result, lang) | {"extra_data": extra_data(result, student) | {
        "graded_from": asdict(source)}}
    write_json(folder / RESULTS, results)


def write_not_graded(folder: Path, student: Student, intake: Intake, lang: str, seed: int,
                     lesson: Lesson | None = None) -> None:
    """A row all the same: score 0, and why, for the instructor and the LMS; the class's seed."""
    assert intake.reason is not None  # every hand-in that cannot be graded says why
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PAGE).unlink(missing_ok=True)  # an earlier run's page would no longer be true
    write_json(folder / RESULTS, {
        "score": 0, "max_score": sum(check.points for check in given(lesson).checks(hidden=True)),
        "output": render(intake.reason, lang), "tests": [],
        "extra_data": identity(student) | {"status": intake.standing.value, "reason": encoded(intake.reason),
                                           "notes": [n.message for n in intake.notes], "seed": seed},
    })


def write_json(file: Path, data: dict) -> None:
    write_atomically(file, lambda partial: partial.write_text(json.dumps(data, ensure_ascii=False), "utf-8"))


def write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    partial = target.with_name(f".{target.name}.partial")
    write(partial)
    os.replace(partial, target)


def identity(student: Student) -> dict:
    return {"student": student.name, "folder": student.folder}


def extra_data(result: Grade, student: Student) -> dict:
    feedbacks = [r.feedback for r in result.results if r.feedback]
    return identity(student) | {
        "status": Standing.GRADED.value,
        "seed": result.seed,
        "seconds": round(result.seconds, 4),
        "functions": {f: list(points) for f, points in function_points(result).items()},
        "misconceptions": sorted({f.misconception for f in feedbacks if f.misconception}),
        "misconceptions_by_function": per_function(result, lambda f: [f.misconception] if f.misconception else []),
        "crashes": sorted({f.message for f in feedbacks if f.crash}),
        "untouched": untouched(result),
        "blamed_on": per_function(result, lambda f: f.blamed_on),
        "blockers": list({json.dumps(e, sort_keys=True, default=str): e for e in map(encoded, feedbacks)
                          if e["message"] in BLOCKERS}.values()),
        "notes": [note.message for note in result.notices if note.message not in RUN_NOTICES],
        "run_notices": [encoded(note) for note in result.notices if note.message in RUN_NOTICES],
    }


def per_function(result: Grade, found_in: Callable[[Feedback], Iterable[str]]) -> dict[str, list[str]]:
    """Per function, what `found_in` finds in the feedback of its checks (where it finds any)."""
    found: dict[str, set[str]] = {}
    for r in result.results:
        if r.feedback is not None and (ids := set(found_in(r.feedback))):
            found.setdefault(r.function, set()).update(ids)
    return {function: sorted(ids) for function, ids in found.items()}


def untouched(result: Grade) -> list[str]:
    """The functions whose every check met the stub's NotImplementedError."""
    statuses: dict[str, set[Status]] = {}
    for r in result.results:
        statuses.setdefault(r.function, set()).add(r.status)
    return [function for function, seen in statuses.items() if seen == {Status.NOT_ATTEMPTED}]
