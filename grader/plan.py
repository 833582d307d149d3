"""Step 2 of a grading run: which calls to make, on which devices, with which inputs."""

import zlib
from dataclasses import dataclass

import torch

from grader.checks import Check
from grader.sandbox.records import Call


@dataclass(frozen=True)
class Planned:
    """A check, and the call whose observation it judges."""

    check: Check
    call: Call


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
