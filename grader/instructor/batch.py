"""`python -m grader batch`: grade a whole class, in parallel, isolated and resumable.

Each worker is a warm sandbox (a zygote that imported torch once and forks a child per
submission). Every student's results are written atomically as soon as they are graded,
so running the same command again resumes; the class outputs are then built from the
results on disk, which is also how `merge` combines shards.

The roles around it: intake.py finds each student's files in the class folder (archives.py
unpacks), student_results.py writes each student's files, outputs.py the class's
(sheets.py the spreadsheets, report/class_report.py the page), summary.py the last lines.
"""

import json
import queue
import tempfile
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from grader.grade import grade
from grader.instructor.intake import Intake, Standing, Student, find_students, prepare
from grader.instructor.outputs import write_class_outputs
from grader.instructor.records import RESULTS, StudentRecord, read_folder
from grader.instructor.roster import Roster
from grader.instructor.student_results import write_not_graded, write_student
from grader.instructor.summary import class_lines
from grader.load import UsageError
from grader.messages import say
from grader.sandbox.host import Sandbox
from grader.sandbox.spawn import Zygote, spawn_zygote


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


def parse_shard(text: str, lang: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(say("shard_form", lang, shard=text)) from None
    if not 1 <= k <= n:
        raise UsageError(say("shard_range", lang, shard=text))
    return k, n


def shard(students: list[Student], k: int, n: int) -> list[Student]:
    """A deterministic share: the same student always lands in the same shard."""
    return [s for s in students if zlib.crc32(s.folder.encode()) % n == k - 1]


def finished(out: Path, student: Student) -> bool:
    """Graded before: a hand-in that could not be graded is looked at again each run."""
    results = out / student.name / RESULTS
    try:
        return json.loads(results.read_text("utf-8"))["extra_data"].get("status", "graded") == Standing.GRADED
    except (OSError, ValueError, KeyError):
        return False


def check_out(root: Path, out: Path, lang: str) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(say("out_is_file", lang, path=out))
    if out.resolve().is_relative_to(root.resolve()):
        raise UsageError(say("out_inside_submissions", lang, out=out, root=root))


def batch(root: Path, out: Path, *, workers: int, seed: int, lang: str, force: bool = False,
          shard_of: tuple[int, int] = (1, 1), roster: Roster | None = None, console: Console | None = None,
          zygotes: Sequence[Zygote] = ()) -> Summary:
    """`zygotes`: workers already spawned, used before any new one is."""
    console = console or Console()
    check_out(root, out, lang)
    students = shard(find_students(root, lang), *shard_of)
    out.mkdir(parents=True, exist_ok=True)
    todo = [s for s in students if force or not finished(out, s)]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grader-intake-") as scratch:
        todo_files = gradable(todo, Path(scratch), out, lang)
        graded = grade_all(todo_files, out, warm_pool(min(workers, len(todo_files)), zygotes), seed, lang, console)
    records = read_folder(out)
    grades_csv, report = write_class_outputs(records, out, lang, roster)
    return Summary(len(students), graded, len(students) - len(todo), time.monotonic() - started, records,
                   grades_csv, report)


def gradable(todo: list[Student], scratch: Path, out: Path, lang: str) -> list[tuple[Student, Intake]]:
    """Each student's files found (archives unpacked into `scratch`); a row, with the reason,
    for each hand-in that cannot be graded."""
    intakes = [(student, prepare(student, scratch / str(i))) for i, student in enumerate(todo)]
    for student, intake in intakes:
        if intake.path is None:
            write_not_graded(out / student.name, student, intake, lang)
    return [(student, intake) for student, intake in intakes if intake.path is not None]


def warm_pool(size: int, zygotes: Sequence[Zygote]) -> list[Sandbox]:
    """`size` sandboxes, on the zygotes given first; the ones not needed are killed."""
    for unused in zygotes[size:]:
        unused.kill()
    return [Sandbox(zygote=zygote) for zygote in zygotes[:size]] + [
        Sandbox(zygote=spawn_zygote()) for _ in range(size - len(zygotes[:size]))]


def grade_all(todo: list[tuple[Student, Intake]], out: Path, pool: list[Sandbox], seed: int, lang: str,
              console: Console) -> int:
    """Grade `todo` on the `pool` of warm sandboxes; on Ctrl-C, stop and keep what finished."""
    sandboxes: queue.Queue[Sandbox] = queue.Queue()
    for sandbox in pool:  # they start in parallel; no student's time includes a start
        sandbox.start()
        sandboxes.put(sandbox)

    def one(student: Student, intake: Intake) -> None:
        assert intake.path is not None  # only what can be graded comes here
        sandbox = sandboxes.get()
        try:
            result = grade(intake.path, hidden=True, seed=seed, sandbox=sandbox)
            write_student(out / student.name, replace(result, notices=[*result.notices, *intake.notes]), student, lang)
        finally:
            sandboxes.put(sandbox)

    graded = 0
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    progress = Progress(*columns, console=console, transient=True)
    with progress, ThreadPoolExecutor(len(pool) or 1) as executor:
        task = progress.add_task("grading", total=len(todo))
        futures = [executor.submit(one, student, intake) for student, intake in todo]
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
    return [done, *class_lines(summary.records, roster, lang), wrote]
