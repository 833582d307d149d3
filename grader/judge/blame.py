"""Step 4: why a function that calls helpers (a caller, as the lesson's `depends_on` names
it) fails. A broken helper breaks its caller even when the caller itself is right, and may
do so even after passing its own checks. Trials run the caller's failed call again with
some functions swapped for the lesson's public stand-ins (written from the docstrings,
never the reference):

- the student's caller, every helper a stand-in: if it still fails, the mistake is the caller's own;
- for each helper, the stand-in caller with only that helper the student's (the others
  stand-ins): if it fails, that helper alone breaks a caller that is right. Where no
  helper does, the same with the lesson's other right stand-ins of the caller (its
  `variants`): a helper can break one right caller and not another.

What this guarantees, against a caller that fails on purpose to steer or read its blame:
- No secret enters a trial: what is sent is the stand-ins (public) and the inputs of the
  call the student's code already saw. A trial holds nothing worth signalling out.
- Each trial is a job of its own, so a fresh child: no state carries from one trial to the
  next, and none sees which trials ran before it or how they ended.
- A helper is blamed only by a trial whose caller is the grader's stand-in, where the only
  student function that runs is that helper (what it does there is what is judged), or,
  where no such trial fails, by that helper's own failed checks (grader verdicts). The
  student's caller steers only the first trial: failing it withholds all blame, passing it
  lets through only blame that the stand-in trials or the helper's own checks give. So
  a helper that is right and passes its checks is never blamed by the caller's doing.
- Module-level code runs in every trial (it is the student's module) and can spoil them
  all alike; that misleads only the student's own feedback, never a score: blame
  changes what the caller's failure says, not its points.
"""

from collections.abc import Callable
from dataclasses import replace

from grader.judge.verdict import Verdict, verdict
from grader.lessons import Lesson, given
from grader.plan import Planned
from grader.results import Feedback, Names, Status
from grader.sandbox.records import Call, Outcome

RunCalls = Callable[[list[Call]], dict[int, Outcome]]
# the probes whose failed calls are re-run with stand-ins: they call the function as it is called
BLAMED_PROBES = ("call", "module_call")


def blamed(plan: list[Planned], verdicts: list[Verdict], run_calls: RunCalls, lesson: Lesson | None = None,
           ) -> list[Verdict]:
    """The verdicts, with the failures of a function that calls helpers blamed on the helpers that cause them."""
    lesson = given(lesson)
    for function, helpers in lesson.depends_on.items():
        failing = first_failure(plan, verdicts, function)
        if failing is None:
            continue
        culprits = find_culprits(lesson, failing, helpers, failed(plan, verdicts), run_calls)
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
                 if step.check.function == function and step.check.probe in BLAMED_PROBES and status is not Status.PASS
                 and not (feedback and feedback.crash)), None)


def failed(plan: list[Planned], verdicts: list[Verdict]) -> set[str]:
    return {step.check.function for step, (status, _) in zip(plan, verdicts) if status is not Status.PASS}


def find_culprits(lesson: Lesson, step: Planned, helpers: tuple[str, ...], failed: set[str], run_calls: RunCalls,
                  ) -> list[str]:
    """The helpers that break the caller, tried one trial (one fresh child) at a time; [] where the
    mistake is the caller's own."""
    if not passes(step, trial(lesson, step.call, helpers), run_calls):
        return []
    for stand_in in lesson.variants.get(step.check.function, (step.check.function,)):
        alone = [helper for helper in helpers
                 if not passes(step, only_student(lesson, step.call, stand_in, helper, helpers), run_calls)]
        if alone:
            return alone
    return [helper for helper in helpers if helper in failed]


def only_student(lesson: Lesson, call: Call, stand_in: str, helper: str, helpers: tuple[str, ...]) -> Call:
    """The function's stand-in `stand_in`, with `helper` the only student function it calls."""
    return trial(lesson, call, (stand_in, *(h for h in helpers if h != helper)), stand_in)


def trial(lesson: Lesson, call: Call, stand_ins: tuple[str, ...], called: str | None = None) -> Call:
    """The failed call again, with `stand_ins` put in place of the student's functions (and
    the stand-in `called` called instead of the student's function)."""
    assert lesson.stand_ins is not None, f"{lesson.name} names helpers to blame, but gives no stand-ins"
    inputs = {**call.inputs, "replace": [lesson.stand_ins(name) for name in stand_ins]}
    probe = "call_replacing" if call.probe == "call" else call.probe  # the others take "replace" as they are
    return Call(0, call.module, call.function, probe, call.device, inputs | ({"call": called} if called else {}))


def passes(step: Planned, call: Call, run_calls: RunCalls) -> bool:
    """Whether the trial passes the caller's check, run as a job of its own."""
    outcome = run_calls([call])[call.index]
    return verdict(step.check, call.device, call.inputs, outcome)[0] is Status.PASS


def first_feedback(plan: list[Planned], verdicts: list[Verdict], function: str) -> Feedback | None:
    """What the helper's own first failed check says (its traceback is shown under the helper)."""
    return next((replace(feedback, detail="") for step, (status, feedback) in zip(plan, verdicts)
                 if step.check.function == function and status is not Status.PASS and feedback), None)


def blame(found: Verdict, function: str, culprits: list[str], reason: Feedback) -> Verdict:
    """The failure put down to the helpers: their own feedback says what to fix (and shows
    their traceback), so the caller's traceback into them is left out."""
    status, _ = found
    if status is Status.PASS:
        return found
    params = {"function": function, "helpers": Names(tuple(culprits))}
    return status, Feedback("caused_by_helper", params, cause=reason, blamed_on=tuple(culprits))
