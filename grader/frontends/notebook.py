"""The grader's checks inside a notebook: what the autograded cells of the nbgrader course
call. The same checks, inputs (for a given seed) and feedback as `python -m grader check`,
run on the functions the notebook defined; a failed check raises AssertionError, so
nbgrader gives the cell's points only when the check passes."""

import os
from types import SimpleNamespace

from grader.judge.verdict import verdict
from grader.lesson.checks import Check, collect
from grader.messages import default_language, hint, say
from grader.plan import generator_for
from grader.report import render
from grader.sandbox import events
from grader.sandbox.child.worker import run_call
from grader.sandbox.records import Call

SEED = int(os.environ.get("GRADER_SEED", "0"))


def check(function: str, claim: str, namespace: dict, seed: int = SEED) -> None:
    found = find_check(function, claim)
    inputs = found.inputs(generator_for(found, seed))
    call = Call(0, found.module, function, found.probe, "cpu", inputs)
    outcome = events.outcome(run_call(SimpleNamespace(**namespace), vars(call)), call)
    _, feedback = verdict(found, "cpu", inputs, outcome)
    lang = os.environ.get("GRADER_LANG") or default_language()
    if feedback is not None:
        raise AssertionError(f"{function}: {render(feedback, lang)}\n{say('hint', lang, hint=hint(function, 1, lang))}")
    print(f"✓ {function}: {claim}")


def find_check(function: str, claim: str) -> Check:
    try:
        checks = collect(hidden=True)
    except ModuleNotFoundError:  # a student's copy holds the public checks only
        checks = collect(hidden=False)
    return next(c for c in checks if (c.function, c.claim) == (function, claim))
