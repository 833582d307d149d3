"""The digits lesson's picture for the feedback page: the losses of the student's fit on
the public check's digits beside the reference's; and the numbers the public checks expect,
computed from the solutions by `python -m grader stubs --lesson digits`."""

from matplotlib.figure import Figure

from grader.report.figures import drawn, first_public
from grader.results import Grade
from grader.sandbox.observations import Scalar, SequenceValue

from . import LESSON, reference_run


def figures(grade: Grade, lang: str) -> list[tuple[str, str, str]]:
    losses = student_losses(grade)
    return [] if losses is None else [("fit", losses_image(losses, lang), "")]


def student_losses(grade: Grade) -> list[float] | None:
    found = first_public(grade, "fit")
    observation = getattr(found.observation, "value", None) if found else None
    if not (isinstance(observation, SequenceValue) and len(observation.items) == 3):
        return None
    losses = observation.items[1]
    if not isinstance(losses, SequenceValue):
        return None
    numbers = [float(loss.value) for loss in losses.items if isinstance(loss, Scalar) and loss.type == "float"]
    return numbers if numbers and len(numbers) == len(losses.items) else None


def losses_image(losses: list[float], lang: str) -> str:
    reference = reference_run()["public_fit"]["losses"]

    def draw(figure: Figure, text: dict) -> None:
        axes = figure.subplots()
        axes.plot(range(1, len(reference) + 1), reference, "--", label=text["reference"])
        axes.plot(range(1, len(losses) + 1), losses, "-", label=text["yours"])
        axes.set(title=text["curve"], xlabel=text["epoch"], ylabel=text["loss"])
        axes.legend(loc="upper right")
        figure.tight_layout()

    return drawn(lang, (6, 4), draw, LESSON)


def reference_numbers() -> dict:
    """What the public fit check expects (and its wrong answer), from the solutions."""
    from .checks import sample

    fit = LESSON.reference("fit")
    x_train, y_train, x_test, y_test = sample(96, 48)
    kwargs = {"hidden": 16, "lr": 0.5, "epochs": 3, "seed": 0}
    _, losses, test_accuracy = fit(x_train, y_train, x_test, y_test, **kwargs)
    _, on_test, on_test_accuracy = fit(x_test, y_test, x_test, y_test, **kwargs)
    return {"public_fit": {"losses": [round(loss, 6) for loss in losses], "test_accuracy": round(test_accuracy, 6)},
            "public_fit_on_test": {"losses": [round(loss, 6) for loss in on_test],
                                   "test_accuracy": round(on_test_accuracy, 6)}}
