"""The second lesson: a neural network that recognises handwritten digits (scikit-learn's
bundled 8×8 digits). Its API in lesson order, and the record the engine is given."""

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader import ROOT
from grader.lessons import Lesson

if TYPE_CHECKING:
    from grader.results import Grade

HERE = Path(__file__).parent
API: dict[str, tuple[str, ...]] = {
    "digit_classifier": ("to_tensors", "DigitNet", "train_step", "train_epoch", "accuracy", "evaluate", "predict",
                         "fit", "plot_predictions"),
}
REFERENCE_RUN = HERE / "reference_run.json"

# What the finished module shows in its notebook (not graded).
DEMO_CELL = """%matplotlib inline
from grader.report.figures import notebook_fonts

title = notebook_fonts(lesson="digits")
x_train, y_train, x_test, y_test = load_data()
model, losses, test_accuracy = fit(x_train, y_train, x_test, y_test)
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, test accuracy {test_accuracy:.1%}")
figure = plot_predictions(x_test, y_test, predict(model, x_test))
figure.suptitle(title)
figure"""


@cache
def reference_run() -> dict:
    """The reference's numbers that the public checks expect: written by `python -m grader
    stubs --lesson digits` from the solutions, so students' copies need none."""
    return json.loads(REFERENCE_RUN.read_text("utf-8"))


def public_checks() -> list:
    from .checks.public import PUBLIC

    return PUBLIC


def hidden_checks() -> list:
    from .checks.hidden import HIDDEN

    return HIDDEN


def stand_in(function: str) -> str:
    from .checks import stand_in_source

    return stand_in_source(function)


def page_figures(grade: "Grade", lang: str) -> list[tuple[str, str, str]]:
    from .page import figures

    return figures(grade, lang)


def reference_numbers() -> dict:
    from .page import reference_numbers

    return reference_numbers()


LESSON = Lesson(
    name="digits",
    number=2,
    api=API,
    folder=HERE,
    solutions=ROOT / "solutions" / "digits",
    exercises=ROOT / "exercises" / "digits",
    public=public_checks,
    hidden=hidden_checks,
    depends_on={"train_epoch": ("train_step",), "evaluate": ("accuracy",),
                "fit": ("DigitNet", "train_step", "train_epoch", "accuracy", "evaluate")},
    stand_ins=stand_in,
    with_autograd=("train_step",),
    no_backward={"train_step": "missed_backward"},
    common_errors=(
        ("'float' object has no attribute 'backward'", "item_before_backward"),
        ("expected scalar type Long but found Float", "float_labels"),
        ("Expected floating point type for target with class probabilities", "float_labels"),
        ("mat1 and mat2 shapes cannot be multiplied", "not_flattened"),
        ("must match the size of tensor", "shape_mismatch"),
        ("Expected all tensors to be on the same device", "device_mismatch"),
        ("element 0 of tensors does not require grad", "backward_under_no_grad"),
        ("0D or 1D target tensor expected, multi-target not supported", "one_hot_labels"),
        ("can't convert cuda", "numpy_on_cuda"),
    ),
    example_function="train_step",
    page_figures=page_figures,
    demo_cells={"digit_classifier": DEMO_CELL},
    reference_run=reference_numbers,
    reference_run_file=REFERENCE_RUN,
)
