"""The last lines of a batch or merge run, for the instructor: the scores, every hand-in not
graded and why, folders the roster does not know, and the notices about the machines."""

import statistics

from grader.instructor.intake import Standing
from grader.instructor.records import StudentRecord
from grader.instructor.roster import Roster
from grader.instructor.sheets import absent, not_on_roster
from grader.messages import say
from grader.report import render


def class_lines(records: list[StudentRecord], roster: Roster | None, lang: str) -> list[str]:
    return [score_line(records, lang), *not_graded_lines(records, lang), *roster_lines(records, roster, lang),
            *notice_lines(records, lang)]


def graded_of(records: list[StudentRecord]) -> list[StudentRecord]:
    return [r for r in records if r.standing is Standing.GRADED]


def class_size(records: list[StudentRecord], lang: str) -> str:
    graded = len(graded_of(records))
    return say("class_size", lang, count=len(records), graded=graded, not_graded=len(records) - graded)


def score_line(records: list[StudentRecord], lang: str) -> str:
    """The mean and the median, saying what they are over: the graded, of all the class."""
    graded = graded_of(records)
    scores = [r.score for r in graded] or [0.0]
    top = graded[0].max_score if graded else 0
    return say("scores", lang, mean=f"{statistics.mean(scores):.2f}", median=f"{statistics.median(scores):g}",
               max=f"{top:g}", graded=len(graded), count=len(records))


def seed_line(records: list[StudentRecord], lang: str) -> str:
    """The seed the class met (merge refuses a mix unless asked: then each is said)."""
    seeds = sorted({r.seed for r in records if r.seed is not None})
    if len(seeds) == 1:
        return say("seed", lang, seed=seeds[0])
    return say("seeds_mixed", lang, seeds=", ".join(map(str, seeds)) or "-")


def status(standing: Standing, lang: str) -> str:
    return say(f"status_{standing.name.lower()}", lang)


def not_graded_lines(records: list[StudentRecord], lang: str) -> list[str]:
    missing = [r for r in records if r.standing is not Standing.GRADED]
    return [say("not_graded", lang, count=len(missing)), *(
        say("not_graded_one", lang, student=r.name, status=status(r.standing, lang),
            reason=render(r.reason, lang) if r.reason else "") for r in missing)] if missing else []


def roster_lines(records: list[StudentRecord], roster: Roster | None, lang: str) -> list[str]:
    unknown = [r.name for r in not_on_roster(records, roster)]
    away = [p.name or p.folder for p in absent(records, roster)]
    return [say(key, lang, count=len(names), names=", ".join(names))
            for key, names in (("not_on_roster", unknown), ("no_folder_for", away)) if names]


def notice_lines(records: list[StudentRecord], lang: str) -> list[str]:
    """Each notice about the machines once, however many students it was given with."""
    return list({render(notice, lang): None for r in records for notice in r.run_notices})
