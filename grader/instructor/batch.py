"""`python -m grader batch`: grade a whole class, in parallel, isolated and resumable.

Each worker is a warm sandbox (a zygote that imported torch once and forks a child per
submission). Every student's results are written atomically as soon as they are graded,
so running the same command again resumes; the class outputs are then built from the
results on disk, which is also how `merge` combines shards.
"""

import json
import os
import queue
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from grader.grade import grade
from grader.load import UsageError, holds_lesson
from grader.report import function_points, render
from grader.report.class_report import RESULTS, write_class_outputs
from grader.report.gradescope import gradescope_results
from grader.report.html import write_feedback_page
from grader.results import Grade
from grader.sandbox.host import Sandbox
from grader.sandbox.spawn import isolation_notice, spawn_zygote

# the notices about this student's files, not about the run
SUBMISSION_NOTES = {"magics_dropped", "file_is_link", "file_not_regular", "file_too_large", "file_unreadable"}


@dataclass(frozen=True)
class Student:
    name: str
    path: Path


def find_students(root: Path) -> list[Student]:
    """One folder per student, holding the modules, or nbgrader's submitted/<student>/<assignment>/."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder of submissions.")
    base = root / "submitted" if (root / "submitted").is_dir() else root
    students = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        inner = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]
        found = next((candidate for candidate in inner if holds_lesson(candidate)), None)
        if found is not None:
            students.append(Student(folder.name, found))
    if not students:
        raise UsageError(f"{root} holds no submissions: expected one folder per student with the lesson modules.")
    return students


def parse_shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard takes K/N, like 2/8, not {text!r}.") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text}: K must be between 1 and N.")
    return k, n


def shard(students: list[Student], k: int, n: int) -> list[Student]:
    """A deterministic share: the same student always lands in the same shard."""
    return [s for s in students if zlib.crc32(s.name.encode()) % n == k - 1]


def finished(out: Path, student: Student) -> bool:
    return (out / student.name / RESULTS).is_file()


def batch(root: Path, out: Path, *, workers: int, seed: int, lang: str, force: bool = False,
          shard_of: tuple[int, int] = (1, 1), console: Console | None = None) -> dict:
    console = console or Console()
    if (isolation := isolation_notice()) is not None:
        console.print(render(isolation, lang), style="yellow", markup=False)
    students = shard(find_students(root), *shard_of)
    out.mkdir(parents=True, exist_ok=True)
    todo = [s for s in students if force or not finished(out, s)]
    started = time.monotonic()
    graded = grade_all(todo, root, out, workers, seed, lang, console)
    seconds = time.monotonic() - started
    class_outputs = write_class_outputs([out], out, lang)
    summary = {"students": len(students), "graded": graded, "skipped": len(students) - len(todo),
               "seconds": round(seconds, 2), "per_submission": round(seconds / max(graded, 1), 4), **class_outputs}
    console.print(summary_line(summary))
    return summary


def grade_all(todo: list[Student], root: Path, out: Path, workers: int, seed: int, lang: str, console: Console) -> int:
    """Grade `todo` on `workers` warm sandboxes; on Ctrl-C, stop and keep what finished."""
    sandboxes: queue.Queue[Sandbox] = queue.Queue()
    pool = [Sandbox(zygote=spawn_zygote()) for _ in range(min(workers, len(todo)))]
    for sandbox in pool:  # they start in parallel; no student's time includes a start
        sandbox.start()
        sandboxes.put(sandbox)

    def one(student: Student) -> None:
        sandbox = sandboxes.get()
        try:
            result = grade(student.path, hidden=True, seed=seed, sandbox=sandbox)
            write_student(out / student.name, result, student, lang)
        finally:
            sandboxes.put(sandbox)

    graded = 0
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    progress = Progress(*columns, console=console, transient=True)
    with progress, ThreadPoolExecutor(len(pool) or 1) as executor:
        task = progress.add_task("grading", total=len(todo))
        futures = [executor.submit(one, student) for student in todo]
        try:
            for future in as_completed(futures):
                future.result()
                graded += 1
                progress.advance(task)
        except KeyboardInterrupt:
            executor.shutdown(cancel_futures=True, wait=False)
            for sandbox in pool:
                sandbox.shut()
            console.print(f"stopped: {graded} graded and kept; run the same command again to resume")
            raise
        finally:
            for sandbox in pool:
                sandbox.close()
    return graded


def write_student(folder: Path, result: Grade, student: Student, lang: str) -> None:
    """The feedback page, then results.json, each atomically: results.json means done."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "feedback.html", lambda file: write_feedback_page(result, lang, file, student.name))
    results = gradescope_results(result, lang) | {"extra_data": extra_data(result, student)}
    write_atomically(folder / RESULTS, lambda file: file.write_text(json.dumps(results, ensure_ascii=False), "utf-8"))


def write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    partial = target.with_name(f".{target.name}.partial")
    write(partial)
    os.replace(partial, target)


def extra_data(result: Grade, student: Student) -> dict:
    feedbacks = [r.feedback for r in result.results if r.feedback]
    return {
        "student": student.name,
        "seed": result.seed,
        "seconds": round(result.seconds, 4),
        "functions": {f: list(points) for f, points in function_points(result).items()},
        "misconceptions": sorted({f.misconception for f in feedbacks if f.misconception}),
        "crashes": sorted({f.message for f in feedbacks if f.crash}),
        "notes": [note.message for note in result.notices if note.message in SUBMISSION_NOTES],
    }


def summary_line(summary: dict) -> str:
    return (f"graded {summary['graded']} of {summary['students']} students ({summary['skipped']} already done) in "
            f"{summary['seconds']} s, {summary['per_submission']} s per submission; mean score "
            f"{summary['mean_score']}/{summary['max_score']}; wrote {summary['grades_csv']} and {summary['report']}")

