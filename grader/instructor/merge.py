"""`python -m grader merge`: combine the results folders of batch shards into one class.

The students' folders are copied into --out (unless they are there already), so the merged
folder stands alone: its report's links are relative and survive a move, e.g. out of CI
artifacts. Merging again, or merging --out with the shards, gives the same outputs.
Shards graded with different seeds, or a student graded differently in two folders, are
refused unless the instructor says otherwise: the hidden inputs would not be the same.
"""

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from grader.instructor.intake import Standing
from grader.instructor.outputs import write_class_outputs
from grader.instructor.records import PAGE, RESULTS, StudentRecord, read_folder
from grader.instructor.roster import Roster
from grader.lessons import Lesson
from grader.load import UsageError
from grader.messages import say


@dataclass(frozen=True)
class Choices:
    """What the instructor allowed on the command line."""

    mixed_seeds: bool = False
    """merge folders graded with different seeds"""
    keep_newest: bool = False
    """where a student's results differ between folders, keep the newest"""


def merge(folders: list[Path], out: Path, lang: str, choices: Choices = Choices(),
          roster: Roster | None = None, lesson: Lesson | None = None) -> tuple[list[StudentRecord], Path, Path]:
    """The merged records and the paths of grades.csv and report.html."""
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(say("merge_not_a_folder", lang, path=folder))
    if out.exists() and not out.is_dir():
        raise UsageError(say("out_is_file", lang, path=out))
    found = [record for folder in unique(folders) for record in read_folder(folder)]
    if not found:
        raise UsageError(say("merge_empty", lang, folders=", ".join(map(str, folders))))
    chosen = chosen_records(found, out, lang, choices)
    check_seeds(chosen, lang, choices)
    check_points(chosen, lang)
    records = [copied(record, out) for record in chosen]
    return records, *write_class_outputs(records, out, lang, roster, lesson=lesson)


def unique(folders: list[Path]) -> list[Path]:
    """Each folder once, however it was named."""
    return list({folder.resolve(): folder for folder in folders}.values())


def chosen_records(found: list[StudentRecord], out: Path, lang: str, choices: Choices) -> list[StudentRecord]:
    """One record per student (per results folder: two students may read the same): copies that agree are one;
    copies that differ are refused, or the newest kept."""
    by_name: dict[str, StudentRecord] = {}
    for record in found:
        kept = by_name.setdefault(record.place.name, record)
        if kept.outcome != record.outcome and not choices.keep_newest:
            raise UsageError(say("merge_conflict", lang, student=record.name, first=kept.place.parent,
                                 second=record.place.parent))
        by_name[record.place.name] = preferred(kept, record, out)
    return [by_name[name] for name in sorted(by_name)]


def preferred(kept: StudentRecord, other: StudentRecord, out: Path) -> StudentRecord:
    """The newest of two copies; of two that agree, the one already in `out`."""
    if kept.outcome == other.outcome:
        return other if other.place.parent.resolve() == out.resolve() else kept
    return max(kept, other, key=lambda r: (r.place / RESULTS).stat().st_mtime)


def check_seeds(records: list[StudentRecord], lang: str, choices: Choices) -> None:
    seeds = sorted({r.seed for r in records if r.standing is Standing.GRADED and r.seed is not None})
    if len(seeds) > 1 and not choices.mixed_seeds:
        raise UsageError(say("merge_mixed_seeds", lang, seeds=", ".join(map(str, seeds))))


def check_points(records: list[StudentRecord], lang: str) -> None:
    """One class, one set of checks: else grades.csv would hold scores out of different maxima."""
    graded = [r for r in records if r.standing is Standing.GRADED]
    maxima = sorted({r.max_score for r in graded})
    kits = {r.graded_from.checks for r in graded if r.graded_from is not None}
    if len(maxima) > 1 or len(kits) > 1:
        raise UsageError(say("merge_mixed_checks", lang, maxima=", ".join(f"{m:g}" for m in maxima)))


def copied(record: StudentRecord, out: Path) -> StudentRecord:
    """The record, its folder copied into `out` (results.json last, atomically: it means done)."""
    target = out / record.place.name
    if target.resolve() == record.place.resolve():
        return record
    target.mkdir(parents=True, exist_ok=True)
    (target / PAGE).unlink(missing_ok=True)
    if (record.place / PAGE).is_file():
        shutil.copyfile(record.place / PAGE, target / PAGE)
    partial = target / f".{RESULTS}.partial"
    shutil.copyfile(record.place / RESULTS, partial)
    os.replace(partial, target / RESULTS)
    return replace(record, place=target)
