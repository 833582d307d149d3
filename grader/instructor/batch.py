"""`python -m grader batch`: grade a whole class, in parallel, isolated and resumable.

Each worker is a warm sandbox (a zygote that imported torch once and forks a child per
submission). Every student's results are written atomically as soon as they are graded,
so running the same command again resumes; the class outputs are then built from the
results on disk, which is also how `merge` combines shards.

The roles around it: intake.py finds each student's files in the class folder (archives.py
unpacks), student_results.py writes each student's files, outputs.py the class's
(sheets.py the spreadsheets, class_report.py the page), summary.py the last lines.
"""

import queue
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from grader.grade import grade
from grader.instructor.fingerprint import GradedFrom, graded_from
from grader.instructor.intake import Intake, Standing, Student, find_students, prepare
from grader.instructor.outputs import results_folder, write_class_outputs
from grader.instructor.records import StudentRecord, read_folder
from grader.instructor.roster import Roster
from grader.instructor.settings import BatchSettings, named, store_seed
from grader.instructor.student_results import write_not_graded, write_student
from grader.instructor.summary import class_lines
from grader.messages import say
from grader.results import Feedback
from grader.sandbox.host import Limits, Sandbox
from grader.sandbox.spawn import Worker, spawn_worker


class Why(str, Enum):
    """Why a student is graded in this run (the catalogue's regrade_<value> says it)."""

    NEW = "new"
    """no results yet, or a hand-in that could not be graded last time"""
    ASKED = "asked"
    """--force, or named by --regrade"""
    HAND_IN = "hand_in"
    """their files changed since they were graded"""
    CHECKS = "checks"
    """graded by other checks, points or kit version"""
    SEED = "seed"
    """graded with another seed (--reseed)"""


@dataclass(frozen=True)
class Job:
    student: Student
    folder: Path
    """what to grade: their folder, or their files found and staged"""
    notes: tuple[Feedback, ...]
    """what was done to find the files (intake.py)"""
    source: GradedFrom
    why: Why


@dataclass(frozen=True)
class Summary:
    """What the run did, as its last lines say it."""

    students: int
    graded: int
    skipped: int
    seconds: float
    records: list[StudentRecord]
    """the whole class as written in grades.csv"""
    grades_csv: Path
    report: Path
    seed: int
    out: Path
    left_out: tuple[str, ...] = ()
    """results in --out of folders no longer in the class folder: not in grades.csv"""

    @property
    def all_graded(self) -> bool:
        return all(r.standing is Standing.GRADED for r in self.records)


def shard(students: list[Student], k: int, n: int) -> list[Student]:
    """A deterministic share: the same student always lands in the same shard."""
    return [s for s in students if zlib.crc32(s.folder.encode()) % n == k - 1]


def batch(settings: BatchSettings, *, console: Console | None = None, zygotes: Sequence[Worker] = ()) -> Summary:
    """`zygotes`: workers already spawned, used before any new one is."""
    console, out, lang = console or Console(), settings.out, settings.lang
    started = time.monotonic()
    students = shard(find_students(settings.root, lang), *settings.shard_of)
    store_seed(out, settings.seed.value)
    before = {record.place.name: record for record in read_folder(out)}
    with tempfile.TemporaryDirectory(prefix="grader-intake-") as scratch:
        todo = jobs(gradable(students, Path(scratch), out, lang, settings), before, settings)
        console.print(plan_line(todo, len(students), lang), markup=False, highlight=False, soft_wrap=True)
        pool = warm_pool(min(settings.workers, len(todo)), zygotes, Limits(call_seconds=settings.call_seconds))
        graded = grade_all(todo, out, pool, settings, console)
    records, left_out = class_records(out, students)
    grades_csv, report = write_class_outputs(records, out, lang, settings.roster, lesson=settings.lesson)
    skipped = sum(r.standing is Standing.GRADED for r in records) - graded
    return Summary(len(students), graded, skipped, time.monotonic() - started, records, grades_csv, report,
                   settings.seed.value, out, left_out)


def gradable(students: list[Student], scratch: Path, out: Path, lang: str, settings: BatchSettings,
             ) -> list[tuple[Student, Intake]]:
    """Each student's files found (archives unpacked into `scratch`); a row, with the reason,
    for each hand-in that cannot be graded."""
    intakes = [(student, prepare(student, scratch / str(i), settings.lesson)) for i, student in enumerate(students)]
    for student, intake in intakes:
        if intake.path is None:
            write_not_graded(results_folder(out, student.folder), student, intake, lang, settings.seed.value,
                             settings.lesson)
    return [(student, intake) for student, intake in intakes if intake.path is not None]


def jobs(found: list[tuple[Student, Intake]], before: dict[str, StudentRecord], settings: BatchSettings) -> list[Job]:
    """The students to grade in this run, each with why: what changed since they were graded."""
    todo = []
    for student, intake in found:
        assert intake.path is not None  # only what can be graded comes here
        source = graded_from(intake.path, settings.lesson)
        asked = settings.force or any(named(student, name) for name in settings.regrade)
        why = why_grade(before.get(results_folder(settings.out, student.folder).name), source, settings.seed.value,
                        asked)
        if why is not None:
            todo.append(Job(student, intake.path, intake.notes, source, why))
    return todo


def why_grade(before: StudentRecord | None, source: GradedFrom, seed: int, asked: bool) -> Why | None:
    """None where the student's results still hold: same files, same checks, same seed."""
    if asked:
        return Why.ASKED
    if before is None or before.standing is not Standing.GRADED:
        return Why.NEW
    if before.graded_from is not None and before.graded_from.hand_in != source.hand_in:
        return Why.HAND_IN
    if before.graded_from is None or before.graded_from.checks != source.checks:
        return Why.CHECKS
    return Why.SEED if before.seed != seed else None


def plan_line(todo: list[Job], students: int, lang: str) -> str:
    """How many are graded now, and why; the others' results are kept."""
    counts = Counter(job.why for job in todo)
    reasons = ", ".join(say(f"regrade_{why.value}", lang, count=counts[why]) for why in Why if counts[why])
    return say("to_grade", lang, count=len(todo), students=students, reasons=reasons or "-")


def class_records(out: Path, students: list[Student]) -> tuple[list[StudentRecord], tuple[str, ...]]:
    """The records of this class's students; the names of other results found in `out`."""
    names = {results_folder(out, student.folder).name for student in students}
    found = read_folder(out)
    return [r for r in found if r.place.name in names], tuple(r.name for r in found if r.place.name not in names)


def warm_pool(size: int, zygotes: Sequence[Worker], limits: Limits) -> list[Sandbox]:
    """`size` sandboxes, on the zygotes given first; the ones not needed are killed."""
    for unused in zygotes[size:]:
        unused.kill()
    return [Sandbox(limits, zygote) for zygote in zygotes[:size]] + [
        Sandbox(limits, spawn_worker()) for _ in range(size - len(zygotes[:size]))]


def grade_all(todo: list[Job], out: Path, pool: list[Sandbox], settings: BatchSettings, console: Console) -> int:
    """Grade `todo` on the `pool` of warm sandboxes; on Ctrl-C, stop and keep what finished."""
    seed, lang = settings.seed.value, settings.lang
    sandboxes: queue.Queue[Sandbox] = queue.Queue()
    for sandbox in pool:  # they start in parallel; no student's time includes a start
        sandbox.start()
        sandboxes.put(sandbox)

    def one(job: Job) -> None:
        sandbox = sandboxes.get()
        try:
            result = grade(job.folder, hidden=True, seed=seed, sandbox=sandbox, lesson=settings.lesson)
            noticed = replace(result, notices=[*result.notices, *job.notes])
            write_student(results_folder(out, job.student.folder), noticed, job.student, lang, job.source)
        finally:
            sandboxes.put(sandbox)

    graded = 0
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    progress = Progress(*columns, console=console, transient=True)
    with progress, ThreadPoolExecutor(len(pool) or 1) as executor:
        task = progress.add_task("grading", total=len(todo))
        futures = [executor.submit(one, job) for job in todo]
        try:
            for future in as_completed(futures):
                future.result()
                graded += 1
                progress.advance(task)
        except KeyboardInterrupt:
            executor.shutdown(cancel_futures=True, wait=False)
            for sandbox in pool:
                sandbox.shut()
            console.print(say("batch_stopped", lang, graded=graded))
            raise
        finally:
            for sandbox in pool:
                sandbox.close()
    return graded


def summary_lines(summary: Summary, roster: Roster | None, lang: str) -> list[str]:
    """The run's last lines: what was graded, then the class (summary.py), then the outputs."""
    done = say("batch_done", lang, graded=summary.graded, students=summary.students, skipped=summary.skipped,
               seconds=f"{summary.seconds:.2f}", each=f"{summary.seconds / max(summary.graded, 1):.4f}")
    wrote = say("wrote_outputs", lang, grades_csv=summary.grades_csv, report=summary.report)
    left_out = [say("left_out", lang, count=len(summary.left_out), out=summary.out, names=", ".join(summary.left_out))]
    seed = say("class_seed", lang, seed=summary.seed, out=summary.out)
    return [done, *class_lines(summary.records, roster, lang), *(left_out if summary.left_out else []), wrote, seed]
