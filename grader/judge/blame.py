"""Step 4: why a function that calls helpers fails. A broken helper breaks train even
when train itself is right, and may do so even after passing its own checks. Trials run
train's failed call again with some functions swapped for public stand-ins
(lesson/checks/stand_ins.py, written from the docstrings, never the reference):

- the student's train, every helper a stand-in: if it still fails, the mistake is train's own;
- for each helper, the stand-in train with only that helper the student's (the others
  stand-ins): if it fails, that helper alone breaks a train that is right. Where no
  helper does, the same with a stand-in train written another right way (clearing the
  gradients first): a helper can break one right train and not another.

What this guarantees, against a train that fails on purpose to steer or read its blame:
- No secret enters a trial: what is sent is the stand-ins (public) and the inputs of the
  call the student's code already saw. A trial holds nothing worth signalling out.
- Each trial is a job of its own, so a fresh child: no state carries from one trial to the
  next, and none sees which trials ran before it or how they ended.
- A helper is blamed only by a trial whose train is the grader's stand-in, where the only
  student function that runs is that helper (what it does there is what is judged), or,
  where no such trial fails, by that helper's own failed checks (grader verdicts). The
  student's train steers only the first trial: failing it withholds all blame, passing it
  lets through only blame that the stand-in trials or the helper's own checks give. So
  a helper that is right and passes its checks is never blamed by train's doing.
- Module-level code runs in every trial (it is the student's module) and can spoil them
  all alike; that misleads only the student's own feedback, never a score: blame
  changes what train's failure says, not its points.
"""

from collections.abc import Callable
from dataclasses import replace

from grader.judge.verdict import Verdict, verdict
from grader.lesson import DEPENDS_ON
from grader.lesson.checks import stand_in_source
from grader.lesson.checks.stand_ins import VARIANTS
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
    """The helpers that break train, tried one trial (one fresh child) at a time; [] where the
    mistake is train's own."""
    if not passes(step, trial(step.call, helpers), run_calls):
        return []
    for stand_in in VARIANTS.get(step.check.function, (step.check.function,)):
        alone = [helper for helper in helpers
                 if not passes(step, only_student(step.call, stand_in, helper, helpers), run_calls)]
        if alone:
            return alone
    return [helper for helper in helpers if helper in failed]


def only_student(call: Call, stand_in: str, helper: str, helpers: tuple[str, ...]) -> Call:
    """The function's stand-in `stand_in`, with `helper` the only student function it calls."""
    return trial(call, (stand_in, *(h for h in helpers if h != helper)), stand_in)


def trial(call: Call, stand_ins: tuple[str, ...], called: str | None = None) -> Call:
    """The failed call again, with `stand_ins` put in place of the student's functions (and
    the stand-in `called` called instead of the student's function)."""
    inputs = {**call.inputs, "replace": [stand_in_source(name) for name in stand_ins]}
    return Call(0, call.module, call.function, "call_replacing", call.device,
                inputs | ({"call": called} if called else {}))


def passes(step: Planned, call: Call, run_calls: RunCalls) -> bool:
    """Whether the trial passes train's check, run as a job of its own."""
    outcome = run_calls([call])[call.index]
    return verdict(step.check, call.device, call.inputs, outcome)[0] is Status.PASS


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
