"""`python -m grader dist prairielearn DIR`: a PrairieLearn question, and what its external
grader does for each submission.

DIR is the question's folder: info.json (external grading in the image the instructor
builds from image/Dockerfile), question.html (an editor per module, started from the
stubs), the stubs, and tests/, which PrairieLearn copies to /grade/tests for each job:
run.sh, the entry point, and kit/, the grader with its reference and deploy.json. The
grader reads /grade/student and writes /grade/results/results.json in PrairieLearn's
format: score 0..1, gradable, message, output, and a test per public check.

PrairieLearn shows a student the whole of results.json at once: it has no "after
publication". So the hidden checks count in the score, and results.json says only how
many ran: no hidden check's name, feedback or points, there or in what run.sh prints. The
instructor reads a hidden check's feedback by grading the downloaded hand-in with the
question's seed: `python -m grader check FOLDER --hidden --seed SEED` (deploy.json).
"""

import html
import json
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

from grader import ROOT
from grader.instructor.deploy import (
    OPTIONS,
    Options,
    grade_hand_in,
    hidden_checks,
    kit_files,
    lesson_files,
    not_graded_text,
    options_json,
    requirements_txt,
    student_summary,
    template,
    torch_version,
)
from grader.instructor.intake import Intake
from grader.lessons import Lesson, given
from grader.messages import claim, in_every_language, say
from grader.report import render
from grader.results import CheckResult, Grade

EDITOR = '  <pl-file-editor file-name="{file}" source-file-name="{file}" ace-mode="ace/mode/python"></pl-file-editor>'
STARTUP_SECONDS = 60  # the grader's own start (torch, twice) before the kit's limit counts


def prairielearn_question(folder: Path, options: Options, image: str, lesson: Lesson | None = None) -> list[Path]:
    """The question's files, written into `folder` (the lesson where it is an instructor's own: options.lesson
    says where)."""
    kit = folder / "tests" / "kit"
    lesson = given(lesson)
    for file, path in {**{file: ROOT / file for file in kit_files()}, **lesson_files(lesson)}.items():
        (kit / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, kit / file)
    (kit / OPTIONS).write_text(options_json(options), "utf-8")
    written = [write(folder / "tests" / "run.sh", template("run.sh")), kit]
    written[0].chmod(0o755)
    for module in lesson.api:
        shutil.copyfile(lesson.exercises / f"{module}.py", folder / f"{module}.py")
    written.append(write(folder / "info.json", json.dumps(info(folder.name, image, options, lesson), indent=2) + "\n"))
    written.append(write(folder / "question.html", question_html(lesson)))
    written.append(write(folder / "image" / "Dockerfile", template("Dockerfile", torch=torch_version())))
    written.append(write(folder / "image" / "requirements.txt", requirements_txt()))
    return written


def write(file: Path, text: str) -> Path:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, "utf-8")
    return file


def info(name: str, image: str, options: Options, lesson: Lesson) -> dict:
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"autograd-kit/{name}")),  # the same each time it is rebuilt
        "title": in_every_language("student_readme", "title", lesson=lesson),
        "topic": "Autograd",
        "tags": ["code", "pytorch"],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": "/grade/tests/run.sh",
            "timeout": timeout(options),
        },
    }


def timeout(options: Options) -> int:
    """PrairieLearn's limit on a job: two runs of the kit's limit (the second finds which
    helper broke a function that calls it) and the start."""
    return int(2 * options.time_limit + STARTUP_SECONDS)


def question_html(lesson: Lesson) -> str:
    editors = "\n".join(EDITOR.format(file=f"{module}.py") for module in lesson.api)
    task = html.escape(in_every_language("messages", "pl_task", "\n")).replace("\n", "<br>")
    return template("question.html", task=task, editors=editors)


def results(outcome: Grade | Intake, lang: str) -> dict:
    """PrairieLearn's results.json; a hand-in without the lesson's files is not gradable
    (the student keeps the attempt)."""
    if isinstance(outcome, Intake):
        reasons = not_graded_text(outcome, lang)
        return {"gradable": False, "format_errors": reasons, "message": reasons[0]}
    return {
        "gradable": True,
        "score": round(outcome.score / outcome.max_score, 6) if outcome.max_score else 0.0,
        "message": message(outcome, lang),
        "output": student_summary(outcome, lang),
        "tests": [test(result, lang, outcome.lesson) for result in outcome.results if not result.hidden],
    }


def message(outcome: Grade, lang: str) -> str:
    """The score in points, and how many hidden checks it counts."""
    count = hidden_checks(outcome)
    return " ".join([say("pl_message", lang, score=outcome.score, max_score=outcome.max_score),
                     *([say("hidden_checks_ran", lang, count=count)] if count else [])])


def test(result: CheckResult, lang: str, lesson: "Lesson | None" = None) -> dict:
    feedback = result.feedback
    return {
        "name": result.name,
        "description": f"{result.function}: {claim(result.claim, lang, lesson)} ({result.device})",
        "points": round(result.score, 6),
        "max_points": round(result.max_score, 6),
        "message": render(replace(feedback, detail=""), lang, lesson) if feedback else say("check_passed", lang),
        "output": feedback.detail if feedback else "",
    }


def grade_submission(root: Path, options: Options) -> tuple[dict, str]:
    """What to write to results.json, and what to print (PrairieLearn may show it to students)."""
    outcome = grade_hand_in(root / "student", options)
    printed = "\n".join(not_graded_text(outcome, options.lang)) if isinstance(outcome, Intake) \
        else student_summary(outcome, options.lang)
    return results(outcome, options.lang), printed
