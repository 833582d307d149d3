"""A grading run, as its steps: load, plan, run isolated, judge (compare, then what the source shows), score."""

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from grader.judge.score import score
from grader.judge.source import source_findings
from grader.judge.verdict import Verdict, verdict
from grader.lesson.checks import Check, collect
from grader.load import load_submission
from grader.results import Feedback, Grade, Status
from grader.sandbox.host import Sandbox
from grader.sandbox.records import Call
from grader.sandbox.spawn import isolation_notice


@dataclass(frozen=True)
class Planned:
    check: Check
    call: Call


def grade(path: Path, *, hidden: bool, seed: int, only: str | None = None, sandbox: Sandbox | None = None) -> Grade:
    started = time.monotonic()
    submission = load_submission(path)
    devices = available_devices()
    plan = make_plan(collect(hidden), devices, seed, only)
    with open_sandbox(sandbox) as running:
        run = running.run(submission.sources, unique_calls(plan))
    outcomes = [run.outcomes[step.call.index] for step in plan]
    verdicts = [verdict(step.check, step.call.device, step.call.inputs, o) for step, o in zip(plan, outcomes)]
    verdicts = overruled(verdicts, plan, source_findings(submission.sources))
    results = [score(s.check, s.call.device, v, o, len(devices)) for s, v, o in zip(plan, verdicts, outcomes)]
    notes = notices(devices) + [Feedback("defence_missing", {"defence": name}) for name in running.missing]
    notes += submission.notes
    return Grade(results, run.output, seed, devices, time.monotonic() - started, notes)


def overruled(verdicts: list[Verdict], plan: list[Planned], findings: dict[str, Feedback]) -> list[Verdict]:
    """A pass does not count where the source shows what the run cannot (judge/source.py)."""
    return [(Status.FAIL, findings[step.check.function]) if status is Status.PASS and step.check.function in findings
            else (status, feedback) for (status, feedback), step in zip(verdicts, plan)]


def available_devices() -> list[str]:
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        return ["cpu", "cuda"]
    return ["cpu"]


def make_plan(checks: list[Check], devices: list[str], seed: int, only: str | None) -> list[Planned]:
    """One call per check and device; checks that share an inputs function and a probe
    judge the same observation, so they share the call."""
    plan: list[Planned] = []
    calls: dict[tuple, Call] = {}
    for check in checks:
        if only is not None and check.function != only:
            continue
        for device in devices:
            key = (check.function, check.probe, check.inputs, device)
            if key not in calls:
                inputs = check.inputs(generator_for(check, seed))
                calls[key] = Call(len(calls), check.module, check.function, check.probe, device, inputs)
            plan.append(Planned(check, calls[key]))
    return plan


def unique_calls(plan: list[Planned]) -> list[Call]:
    return list({step.call.index: step.call for step in plan}.values())


def generator_for(check: Check, seed: int) -> torch.Generator:
    """Each check draws from its own stream, so adding a check changes no other's inputs."""
    return torch.Generator().manual_seed(seed ^ zlib.crc32(f"{check.function}: {check.claim}".encode()))


@contextmanager
def open_sandbox(sandbox: Sandbox | None) -> Iterator[Sandbox]:
    if sandbox is not None:
        yield sandbox
        return
    with Sandbox() as fresh:
        yield fresh


def notices(devices: list[str]) -> list[Feedback]:
    found = [] if "cuda" in devices else [Feedback("cuda_skipped")]
    isolation = isolation_notice()
    return found if isolation is None else [*found, isolation]
