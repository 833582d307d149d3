"""A grading run, as its steps: load, confine syntax errors, plan, run isolated, judge (compare, name the slips
the source shows, blame, read the source), score."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from grader.judge.blame import blamed
from grader.judge.score import score
from grader.judge.slips import explained
from grader.judge.source import source_findings
from grader.judge.verdict import Verdict, verdict
from grader.lessons import Lesson, given
from grader.load import load_submission
from grader.plan import Planned, make_plan, unique_calls
from grader.results import Feedback, Grade, Status
from grader.sandbox.host import Sandbox
from grader.sandbox.spawn import isolation_notice
from grader.syntax import confine_syntax_errors


def grade(path: Path, *, hidden: bool, seed: int, only: str | None = None, sandbox: Sandbox | None = None,
          lesson: Lesson | None = None) -> Grade:
    started = time.monotonic()
    lesson = given(lesson)
    submission = load_submission(path, lesson)
    confined = confine_syntax_errors(submission.sources, lesson)
    devices = available_devices()
    plan = make_plan(lesson.checks(hidden), devices, seed, only)
    with open_sandbox(sandbox) as running:
        run = running.run(confined.sources, unique_calls(plan))
        outcomes = [run.outcomes[step.call.index] for step in plan]
        verdicts = [verdict(step.check, step.call.device, step.call.inputs, o) for step, o in zip(plan, outcomes)]
        verdicts = explained(broken(verdicts, plan, confined.broken), plan, confined.sources, lesson)
        verdicts = blamed(plan, verdicts, lambda calls: running.run(confined.sources, calls).outcomes, lesson)
    verdicts = overruled(verdicts, plan, source_findings(confined.sources, lesson))
    results = [score(s.check, s.call.device, v, o, len(devices)) for s, v, o in zip(plan, verdicts, outcomes)]
    notes = notices(devices) + [Feedback("defence_missing", {"defence": name}) for name in running.missing]
    notes += submission.notes
    return Grade(results, run.output, seed, devices, time.monotonic() - started, notes, lesson)


def broken(verdicts: list[Verdict], plan: list[Planned], syntax_errors: dict[str, Feedback]) -> list[Verdict]:
    """A function that holds a syntax error ran as a stub: its checks say where the error is."""
    return [(Status.ERROR, syntax_errors[step.check.function]) if step.check.function in syntax_errors else verdict
            for verdict, step in zip(verdicts, plan)]


def overruled(verdicts: list[Verdict], plan: list[Planned], findings: dict[str, Feedback]) -> list[Verdict]:
    """A pass does not count where the source shows what the run cannot (judge/source.py)."""
    return [(Status.FAIL, findings[step.check.function]) if status is Status.PASS and step.check.function in findings
            else (status, feedback) for (status, feedback), step in zip(verdicts, plan)]


def available_devices() -> list[str]:
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        return ["cpu", "cuda"]
    return ["cpu"]


@contextmanager
def open_sandbox(sandbox: Sandbox | None) -> Iterator[Sandbox]:
    if sandbox is not None:
        yield sandbox
        return
    with Sandbox() as fresh:
        yield fresh


def notices(devices: list[str]) -> list[Feedback]:
    """About the run: CUDA skipped, and the isolation level (for the instructor; the portable
    one also tells the student, once, that this is a self-check)."""
    found = [] if "cuda" in devices else [Feedback("cuda_skipped")]
    isolation = isolation_notice()
    if isolation is None:
        return found
    return [*found, isolation, *([Feedback("self_check")] if isolation.message == "portable_isolation" else [])]
