"""Gradescope's results.json: one test per check and device."""

import json
from pathlib import Path

from grader.messages import claim
from grader.report import render
from grader.report.student import PRINTED_LINES, printed_output
from grader.results import CheckResult, Grade


def gradescope_results(grade: Grade, lang: str) -> dict:
    return {
        "score": grade.score,
        "max_score": grade.max_score,
        "execution_time": round(grade.seconds, 3),
        "output": printed_output(grade.output, lang, PRINTED_LINES),
        "tests": [
            {
                "name": f"{result.function}: {claim(result.claim, lang, grade.lesson)} ({result.device})",
                "score": round(result.score, 6),
                "max_score": round(result.max_score, 6),
                "status": "passed" if result.score == result.max_score else "failed",
                "output": render(result.feedback, lang, grade.lesson) if result.feedback else "",
                "visibility": "after_published" if result.hidden else "visible",
                **instructor_only(result),
            }
            for result in grade.results
        ],
    }


def instructor_only(result: CheckResult) -> dict:
    """The check's stable name (the English one: "name" is in the report's language), and a
    grader error's traceback or what was wrong with a frame: for the instructor's eyes."""
    debug = result.feedback.debug if result.feedback else ""
    return {"extra_data": {"check": result.name, **({"debug": debug} if debug else {})}}


def write_gradescope(grade: Grade, lang: str, file: Path) -> None:
    file.write_text(json.dumps(gradescope_results(grade, lang), ensure_ascii=False, indent=2), "utf-8")
