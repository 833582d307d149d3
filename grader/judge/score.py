"""Step 4: score a judged check: its points, shared out over the devices it ran on."""

from grader.checks import Check
from grader.results import CheckResult, Feedback, Status
from grader.sandbox.records import Outcome


def score(check: Check, device: str, verdict: tuple[Status, Feedback | None], outcome: Outcome,
          device_count: int) -> CheckResult:
    """Points only for a pass, judged in the grader from what came back, never from the
    absence of an error."""
    status, feedback = verdict
    worth = check.points / device_count
    earned = worth if status is Status.PASS else 0.0
    return CheckResult(check.function, check.claim, device, check.hidden, worth, earned, status, feedback,
                       outcome.observation)
