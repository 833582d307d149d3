"""`python -m grader dist gradescope autograder.zip`: Gradescope's autograder, and what it
does for each submission.

The zip holds setup.sh and run_autograder at its root (Gradescope's specification), the
kit's grader and reference, its requirements and deploy.json. Gradescope unpacks it into
/autograder/source and runs setup.sh once, as root, when it builds the image (a virtual
environment with a CPU build of torch and the kit's requirements, in /autograder/venv);
then run_autograder, as root, for each submission: it grades /autograder/submission into
/autograder/results/results.json (the schema of grader/report/gradescope.py).

Before the instructor publishes, a student sees the top-level output and the visible
tests: the output says the public checks' feedback and points and only how many hidden
checks ran; each hidden check is a test with --hidden-visibility (after_published by
default), and Gradescope keeps the total from students while such a test is hidden.
"""

import stat
import time
import zipfile
from pathlib import Path

from grader import ROOT
from grader.instructor.deploy import (
    OPTIONS,
    Options,
    deployed_lesson,
    grade_hand_in,
    kit_files,
    lesson_files,
    not_graded_text,
    options_json,
    public_part,
    requirements_txt,
    student_summary,
    summary,
    template,
    torch_version,
)
from grader.instructor.intake import Intake
from grader.lessons import Lesson, given
from grader.messages import say
from grader.report.gradescope import gradescope_results
from grader.results import Grade

SCRIPTS = ("setup.sh", "run_autograder")  # executable: Gradescope runs them as they are


def gradescope_zip(target: Path, options: Options, lesson: Lesson | None = None) -> Path:
    """The autograder zip: the kit, and the lesson where it is an instructor's own (options.lesson says where)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in kit_files():
            archive.write(ROOT / file, file)
        for name, path in lesson_files(given(lesson)).items():
            archive.write(path, name)
        for name in SCRIPTS:
            executable(archive, name, template(name, torch=torch_version()))
        archive.writestr("requirements.txt", requirements_txt())
        archive.writestr(OPTIONS, options_json(options))
    return target


def executable(archive: zipfile.ZipFile, name: str, text: str) -> None:
    entry = zipfile.ZipInfo(name, time.localtime()[:6])
    entry.external_attr = (stat.S_IFREG | 0o755) << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(entry, text)


def results(outcome: Grade | Intake, options: Options) -> dict:
    """results.json; run_autograder's own output is for the instructor only."""
    written = not_graded(outcome, options) if isinstance(outcome, Intake) else graded(outcome, options)
    return written | {"stdout_visibility": "hidden", "extra_data": {"seed": options.seed}}


def graded(outcome: Grade, options: Options) -> dict:
    """Every check (the hidden ones shown as configured) and the overall output (always shown)."""
    written = gradescope_results(outcome, options.lang) | {"output": student_summary(outcome, options.lang)}
    for test, result in zip(written["tests"], outcome.results):
        if result.hidden:
            test["visibility"] = options.hidden_visibility
    return written | ({"leaderboard": leaderboard(outcome, options.lang)} if options.leaderboard else {})


def not_graded(intake: Intake, options: Options) -> dict:
    total = sum(check.points for check in deployed_lesson(options).checks(hidden=True))
    return {"score": 0, "max_score": total, "output": "\n".join(not_graded_text(intake, options.lang)), "tests": []}


def leaderboard(outcome: Grade, lang: str) -> list[dict]:
    """Students see the leaderboard at once: the public checks' points only."""
    return [{"name": say("points", lang), "value": public_part(outcome).score},
            {"name": say("time", lang), "value": round(outcome.seconds, 2), "order": "asc"}]


def grade_submission(root: Path, options: Options) -> tuple[dict, str]:
    """What to write to results.json, and what to print for the instructor."""
    outcome = grade_hand_in(root / "submission", options)
    printed = "\n".join(not_graded_text(outcome, options.lang)) if isinstance(outcome, Intake) \
        else summary(outcome, options.lang)
    return results(outcome, options), printed
