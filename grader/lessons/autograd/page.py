"""The first lesson's picture for the feedback page: the student's training (the fitted
line and the loss curve) beside the reference's, and what a diverged training means."""

import json
import math
from functools import lru_cache
from typing import TypeGuard

from matplotlib.figure import Figure

from grader.lessons.autograd import LESSON, reference_run
from grader.lessons.autograd.checks import lesson_data, reference_module
from grader.messages import say
from grader.report.figures import drawn, first_public, rounded
from grader.results import Grade
from grader.sandbox.observations import Repeated, Scalar, SequenceValue, TensorValue


def figures(grade: Grade, lang: str) -> list[tuple[str, str, str]]:
    training = student_training(grade)
    return [] if training is None else [("train", training_image(training, lang), divergence(training, lang))]


def divergence(training: dict, lang: str) -> str:
    """Where the student's training ended in inf or nan: what that means, and what to change."""
    return say("fit_diverged", lang, w=training["w"], b=training["b"]) if diverged(training) else ""


def reference_training() -> dict:
    """The reference train() on make_data() (solutions loaded, not imported: solutions/__pycache__ could be planted)."""
    solution = reference_module("linear_regression")
    w, b, losses = solution.train(*solution.make_data())
    return {"w": w.item(), "b": b.item(), "losses": [round(loss, 6) for loss in losses]}


def training_image(student: dict, lang: str) -> str:
    """The student's fitted line and loss curve beside the reference's. Most students of a
    class draw the same picture, so each distinct one is rendered once."""
    return cached_training_image(json.dumps(rounded(student)), lang)


@lru_cache(maxsize=512)
def cached_training_image(student_json: str, lang: str) -> str:
    student, reference = json.loads(student_json), reference_run()
    x, y = (t.flatten().numpy() for t in lesson_data())

    def draw(figure: Figure, text: dict) -> None:
        fit_axes, loss_axes = figure.subplots(1, 2)
        fit_axes.plot(x, y, ".", color="0.6", label=text["data"])
        for run, name, dash in ((reference, "reference", "--"), (student, "yours", "-")):
            fit = f"{run['w']:.3f}x + {run['b']:.3f}" if not diverged(run) else text["diverged"]
            fit_axes.plot(x, run["w"] * x + run["b"], dash, label=f"{text[name]}: {fit}")
            loss_axes.plot(run["losses"], dash, label=text[name])
        fit_axes.set(title=text["fit"], xlabel="x", ylabel="y")
        loss_axes.set(title=text["curve"], xlabel=text["epoch"], ylabel=text["loss"], yscale="log")
        fit_axes.legend(loc="upper left")
        loss_axes.legend(loc="upper right")
        figure.tight_layout()

    return drawn(lang, (10, 4), draw, LESSON)


def diverged(run: dict) -> bool:
    """Whether a training ended with w or b not a finite number (inf, or nan)."""
    return not all(math.isfinite(run[name]) for name in ("w", "b"))



def student_training(grade: Grade) -> dict | None:
    """The student's (w, b, losses) on the lesson's data, from the public train check."""
    found = first_public(grade, "train")
    observation = found.observation.value if found and isinstance(found.observation, Repeated) else None
    if not (isinstance(observation, SequenceValue) and len(observation.items) == 3):
        return None
    w, b, losses = observation.items
    if not (one_number(w) and one_number(b) and isinstance(losses, SequenceValue)):
        return None
    numbers = [float(loss.value) for loss in losses.items if isinstance(loss, Scalar) and loss.type != "str"]
    if len(numbers) != len(losses.items):
        return None
    return {"w": float(w.data), "b": float(b.data), "losses": numbers}


def one_number(value: object) -> TypeGuard[TensorValue]:
    return isinstance(value, TensorValue) and value.data.numel() == 1 and value.data.is_floating_point()
