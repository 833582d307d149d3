"""Step 4: why a function that calls helpers fails. A broken helper breaks train even
when train itself is right, and may do so even after passing its own checks. train runs
again in the sandbox with the helpers it calls replaced by their references: all of them
(does train pass then? if not, the mistake is train's own), and all but one (does that
one alone break it?)."""

from collections.abc import Callable
from dataclasses import replace

from grader.judge.verdict import Verdict, verdict
from grader.lesson import DEPENDS_ON
from grader.lesson.checks import reference_source
from grader.plan import Planned
from grader.results import Feedback, Names, Status
from grader.sandbox.records import Call, Outcome

RunCalls = Callable[[list[Call]], dict[int, Outcome]]


def blamed(plan: list[Planned], verdicts: list[Verdict], run_calls: RunCalls) -> list[Verdict]:
    """The verdicts, with the failures of a function that calls helpers blamed on the helpers that cause them."""
    for function, helpers in DEPENDS_ON.items():
        failing = first_failure(plan, verdicts, function)
        if failing is None:
            continue
        culprits = find_culprits(failing, helpers, failed(plan, verdicts), run_calls)
        if culprits:
            reason = first_feedback(plan, verdicts, culprits[0]) or Feedback(
                "fixed_by_reference", {"function": function, "helpers": Names(tuple(culprits))})
            verdicts = [blame(v, function, culprits, reason) if step.check.function == function else v
                        for step, v in zip(plan, verdicts)]
    return verdicts


def first_failure(plan: list[Planned], verdicts: list[Verdict], function: str) -> Planned | None:
    """The first failed check of `function` that ran to an answer or an exception (a hang or
    a crash would only repeat, at the cost of its time limit each try)."""
    return next((step for step, (status, feedback) in zip(plan, verdicts)
                 if step.check.function == function and step.check.probe == "call" and status is not Status.PASS
                 and not (feedback and feedback.crash)), None)


def failed(plan: list[Planned], verdicts: list[Verdict]) -> set[str]:
    return {step.check.function for step, (status, _) in zip(plan, verdicts) if status is not Status.PASS}


def find_culprits(step: Planned, helpers: tuple[str, ...], failed: set[str], run_calls: RunCalls) -> list[str]:
    sources = {helper: source for helper in helpers if (source := reference_source(helper)) is not None}
    if len(sources) < len(helpers):  # a student's copy of the kit: no references to try
        return [helper for helper in helpers if helper in failed]
    trials: list[tuple[str, ...]] = [helpers, *(tuple(h for h in helpers if h != left) for left in helpers)]
    calls = [replacing(step.call, index, [sources[h] for h in replaced]) for index, replaced in enumerate(trials)]
    outcomes = run_calls(calls)
    passes = [verdict(step.check, call.device, call.inputs, outcomes[call.index])[0] is Status.PASS for call in calls]
    if not passes[0]:
        return []  # train fails even with every helper right: its own mistake
    alone = [helper for helper, passed in zip(helpers, passes[1:]) if not passed]
    return alone or [helper for helper in helpers if helper in failed]


def replacing(call: Call, index: int, sources: list[str]) -> Call:
    return Call(index, call.module, call.function, "call_replacing", call.device, {**call.inputs, "replace": sources})


def first_feedback(plan: list[Planned], verdicts: list[Verdict], function: str) -> Feedback | None:
    """What the helper's own first failed check says (its traceback is shown under the helper)."""
    return next((replace(feedback, detail="") for step, (status, feedback) in zip(plan, verdicts)
                 if step.check.function == function and status is not Status.PASS and feedback), None)


def blame(found: Verdict, function: str, culprits: list[str], reason: Feedback) -> Verdict:
    """The failure put down to the helpers: their own feedback says what to fix (and shows
    their traceback), so train's traceback into them is left out."""
    status, _ = found
    if status is Status.PASS:
        return found
    params = {"function": function, "helpers": Names(tuple(culprits))}
    return status, Feedback("caused_by_helper", params, cause=reason, blamed_on=tuple(culprits))
