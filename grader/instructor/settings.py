"""A batch's settings, every one checked before any work: the command line reads them
before it imports torch, so a mistake is one sentence at once.

The class's seed lives in the results folder (batch.json): a re-run into the same folder
reuses it, so late hand-ins meet the hidden inputs their classmates met; another --seed
there is refused unless the instructor asks for a new one (--reseed), which regrades all.
"""

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.instructor.intake import Standing, Student, find_students
from grader.instructor.records import read_folder
from grader.instructor.roster import Roster, key
from grader.lessons import Lesson
from grader.load import UsageError
from grader.messages import say
from grader.sandbox.child.host_os import CALL_SECONDS

CLASS_FILE = "batch.json"
MAX_SEED = 2**63


@dataclass(frozen=True)
class Seed:
    value: int
    origin: str
    """how it was chosen: a catalogue id (seed_given, seed_drawn, seed_kept)"""


@dataclass(frozen=True)
class BatchSettings:
    """What `python -m grader batch` was asked to do, checked."""

    root: Path
    out: Path
    workers: int
    seed: Seed
    shard_of: tuple[int, int]
    lang: str
    force: bool = False
    """grade every student again"""
    regrade: tuple[str, ...] = ()
    """the students to grade again, by name or folder"""
    roster: Roster | None = None
    call_seconds: float = CALL_SECONDS
    """the CPU time one call of a student's function may use"""
    lesson: Lesson | None = None
    """the lesson graded (None: the first)"""


def parse_shard(text: str, lang: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(say("shard_form", lang, shard=text)) from None
    if not 1 <= k <= n:
        raise UsageError(say("shard_range", lang, shard=text))
    return k, n


def check_out(root: Path, out: Path, lang: str) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(say("out_is_file", lang, path=out))
    if out.resolve().is_relative_to(root.resolve()):
        raise UsageError(say("out_inside_submissions", lang, out=out, root=root))


def check_workers(workers: int, lang: str) -> int:
    if workers < 1:
        raise UsageError(say("workers_range", lang))
    return workers


def class_seed(out: Path, given: int | None, reseed: bool, lang: str) -> Seed:
    """The seed of the class graded into `out`: kept from its last run, unless asked otherwise."""
    if given is not None and not 0 <= given < MAX_SEED:
        raise UsageError(say("seed_range", lang))
    kept = stored_seed(out)
    if kept is None or reseed:
        return Seed(given, "seed_given") if given is not None else Seed(random.randrange(2**31), "seed_drawn")
    if given is not None and given != kept:
        raise UsageError(say("seed_differs", lang, out=out, kept=kept, given=given))
    return Seed(kept, "seed_kept")


def stored_seed(out: Path) -> int | None:
    """batch.json's seed; for a folder graded before there was one, its students' most common seed."""
    try:
        return int(json.loads((out / CLASS_FILE).read_text("utf-8"))["seed"])
    except (OSError, ValueError, KeyError, TypeError):
        seeds = Counter(r.seed for r in read_folder(out) if r.standing is Standing.GRADED and r.seed is not None)
        return seeds.most_common(1)[0][0] if seeds else None


def store_seed(out: Path, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / CLASS_FILE).write_text(json.dumps({"seed": seed}) + "\n", "utf-8")


def chosen_students(root: Path, names: list[str], lang: str) -> tuple[str, ...]:
    """The students --regrade names, each found in the class folder."""
    students = find_students(root, lang)
    for name in names:
        if not any(named(student, name) for student in students):
            raise UsageError(say("regrade_unknown", lang, name=name, root=root))
    return tuple(names)


def named(student: Student, name: str) -> bool:
    return key(name) in {key(student.name), key(student.folder)}
