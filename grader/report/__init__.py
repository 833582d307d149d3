"""Step 5: writers, one per format, each a function over a Grade."""

from typing import TYPE_CHECKING

from grader.lessons import given
from grader.messages import claim, explain, hint, say
from grader.report.values import phrased
from grader.results import Feedback, Grade, Status

if TYPE_CHECKING:
    from grader.lessons import Lesson


def render(feedback: Feedback, lang: str, lesson: "Lesson | None" = None) -> str:
    """One feedback as the learner reads it: what happened, then the likely misconception."""
    params = phrased(feedback.params, lang)
    if feedback.cause is not None:
        params["reason"] = render(feedback.cause, lang, lesson)
    lines = [say(feedback.message, lang, lesson, **params)]
    if feedback.misconception:
        lines.append(say("likely", lang, misconception=explain(feedback.misconception, lang, lesson)))
    elif feedback.message == "raised" and feedback.detail:
        lines.append(say("raised_as_is", lang))
    if feedback.detail:
        lines.append(feedback.detail.rstrip())  # the student's own frames only
    return "\n".join(lines)


def function_feedback(grade: Grade, function: str, lang: str) -> str:
    """What a student should read about one function: its first failing check, and a hint."""
    failing = [r for r in grade.results if r.function == function and r.status is not Status.PASS]
    if not failing:
        return say("all_passed", lang)
    first = failing[0]
    assert first.feedback is not None  # every check that did not pass says why
    lines = [say("check_feedback", lang, claim=claim(first.claim, lang, grade.lesson), device=first.device,
                 feedback=render(first.feedback, lang, grade.lesson))]
    if wants_hint(first.status, first.feedback):
        lines.append(say("hint", lang, hint=hint(function, 1, lang, grade.lesson)))
    return "\n".join(lines)


def wants_hint(status: Status, feedback: Feedback) -> bool:
    """A hint helps where no cause is named: not for a helper's fault, nor for a syntax error."""
    if feedback.blamed_on or feedback.message == "syntax_error":
        return False
    return status is Status.NOT_ATTEMPTED or feedback.misconception is None


def function_points(grade: Grade) -> dict[str, tuple[float, float]]:
    """Points got and points possible per function, in lesson order."""
    points = {f: (0.0, 0.0) for f in given(grade.lesson).functions if any(r.function == f for r in grade.results)}
    for result in grade.results:
        got, worth = points[result.function]
        points[result.function] = (got + result.score, worth + result.max_score)
    return points

