"""A results folder as records: each <student>/results.json (Gradescope's schema, with the
class's data in extra_data) decoded once into a StudentRecord, which the class outputs,
merge and the gradebook read. Messages travel as catalogue ids with their parameters, so
a report can be written again in any language."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.instructor.fingerprint import GradedFrom
from grader.instructor.intake import Standing
from grader.results import Feedback

RESULTS = "results.json"
PAGE = "feedback.html"


@dataclass(frozen=True)
class TestScore:
    """One check on one device, as results.json holds it."""

    name: str
    """named "function: claim (device)"; devices share a check's points"""
    score: float
    output: str
    """the feedback the student reads, empty where it passed"""


@dataclass(frozen=True)
class StudentRecord:
    name: str
    """as shown: the folder's name, decoded"""
    folder: str
    """the folder's name on disk, escaped where it is not UTF-8"""
    standing: Standing
    reason: Feedback | None
    """why it is not graded"""
    score: float
    max_score: float
    seed: int | None
    seconds: float
    functions: dict[str, tuple[float, float]]
    """points got and possible, per function"""
    misconceptions: dict[str, tuple[str, ...]]
    """the misconceptions found, per function"""
    crashes: tuple[str, ...]
    """the message ids of what crashed (timeout, killed, ...)"""
    untouched: tuple[str, ...]
    """the functions still the stub"""
    blamed_on: dict[str, tuple[str, ...]]
    """per function that fails only because helpers it calls do: those helpers"""
    run_notices: tuple[Feedback, ...]
    """about the machine that graded, for the instructor (no bubblewrap, ...)"""
    tests: tuple[TestScore, ...]
    place: Path
    """the folder holding results.json and the feedback page"""
    blockers: tuple[Feedback, ...] = ()
    """what kept a module or a function from being graded: a syntax error, a failed import, a missing file"""
    graded_from: GradedFrom | None = None
    """the hand-in and the checks it was graded from (None: not graded, or by a kit that did not say)"""

    @property
    def outcome(self) -> tuple:
        """What grading gave, without when or how fast: two records with one outcome agree."""
        return self.standing, self.score, self.seed, self.tests, self.reason


def encoded(feedback: Feedback) -> dict[str, Any]:
    cause = None if feedback.cause is None else encoded(feedback.cause)
    return {"message": feedback.message, "params": feedback.params, "cause": cause}


def decoded(data: dict[str, Any]) -> Feedback:
    cause = None if data.get("cause") is None else decoded(data["cause"])
    return Feedback(data["message"], dict(data.get("params", {})), cause=cause)


def record(results: dict[str, Any], place: Path) -> StudentRecord:
    extra = results["extra_data"]
    reason = extra.get("reason")
    return StudentRecord(
        name=extra["student"], folder=extra.get("folder", extra["student"]),
        standing=Standing(extra.get("status", Standing.GRADED.value)),
        reason=None if reason is None else decoded(reason),
        score=results["score"], max_score=results["max_score"], seed=extra.get("seed"),
        seconds=extra.get("seconds", 0.0),
        functions={f: (got, worth) for f, (got, worth) in extra.get("functions", {}).items()},
        misconceptions={f: tuple(ids) for f, ids in extra.get("misconceptions_by_function", {}).items()},
        crashes=tuple(extra.get("crashes", ())), untouched=tuple(extra.get("untouched", ())),
        blamed_on={f: tuple(helpers) for f, helpers in extra.get("blamed_on", {}).items()},
        run_notices=tuple(decoded(n) for n in extra.get("run_notices", ())),
        tests=tuple(TestScore(check_name(t), t["score"], t.get("output", "")) for t in results.get("tests", ())),
        place=place, blockers=tuple(decoded(b) for b in extra.get("blockers", ())),
        graded_from=None if "graded_from" not in extra else GradedFrom(**extra["graded_from"]),
    )


def check_name(test: dict[str, Any]) -> str:
    """The check's stable (English) name: "name" is in the language the batch was written in."""
    return test.get("extra_data", {}).get("check", test["name"])


def read_folder(folder: Path) -> list[StudentRecord]:
    """The records of one results folder, by student name; a damaged file is left out."""
    found = []
    for file in sorted(folder.glob(f"*/{RESULTS}")):
        try:
            found.append(record(json.loads(file.read_text("utf-8")), file.parent))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found
