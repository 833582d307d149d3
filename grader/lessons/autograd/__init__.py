"""The first lesson: autograd, then linear regression trained with it. Its API in lesson
order, and the record the engine is given (grader/lessons/__init__.py)."""

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader import ROOT
from grader.lessons import Lesson

if TYPE_CHECKING:
    from grader.results import Grade

API: dict[str, tuple[str, ...]] = {
    "autograd_basics": ("quadratic_grad", "chain_rule_grads", "quadratic_grad_by_hand"),
    "linear_regression": (
        "predict", "mse_loss", "mse_grads", "sgd_step", "zero_grads", "train", "plot_fit",
    ),
}
FUNCTIONS: tuple[str, ...] = tuple(name for names in API.values() for name in names)
MODULE_OF: dict[str, str] = {name: module for module, names in API.items() for name in names}


# train is graded through the helpers it calls: when one of these fails, say so.
DEPENDS_ON: dict[str, tuple[str, ...]] = {"train": ("predict", "mse_loss", "sgd_step", "zero_grads")}

# Read off the source in the grader, where the child cannot forge it: these must work
# with autograd off (no backward, no autograd API anywhere they reach)...
BY_HAND: tuple[str, ...] = ("quadratic_grad_by_hand", "mse_grads")
# ...and these must let autograd do the work (call backward or torch.autograd.grad).
WITH_AUTOGRAD: tuple[str, ...] = ("quadratic_grad", "chain_rule_grads", "train")

REFERENCE_RUN = Path(__file__).parent / "reference_run.json"

# What the finished linear_regression module draws in its notebook (not graded).
PLOT_CELL = """%matplotlib inline
# Headless-safe: the figure is drawn inline, never in a GUI window. Chinese titles only where
# a CJK font is installed (never the boxes and warnings of a missing SimHei).
from grader.report.figures import notebook_fonts

title = notebook_fonts()
x, y = make_data()
w, b, losses = train(x, y)
print(f"w = {w.item():.3f}, b = {b.item():.3f}, final loss = {losses[-1]:.3f}")
figure = plot_fit(x, y, w, b, losses)
figure.suptitle(title)
figure"""


@cache
def reference_run() -> dict:
    """w, b and the losses of the reference train() on make_data(): written by
    `python -m grader stubs` from solutions/, so students' copies need no solutions."""
    return json.loads(REFERENCE_RUN.read_text("utf-8"))


def public_checks() -> list:
    from grader.lessons.autograd.checks.public import PUBLIC

    return PUBLIC


def hidden_checks() -> list:
    from grader.lessons.autograd.checks.hidden import HIDDEN

    return HIDDEN


def stand_in(function: str) -> str:
    from grader.lessons.autograd.checks import stand_in_source

    return stand_in_source(function)


def page_figures(grade: "Grade", lang: str) -> list[tuple[str, str, str]]:
    from grader.lessons.autograd.page import figures

    return figures(grade, lang)


def reference_training() -> dict:
    from grader.lessons.autograd.page import reference_training

    return reference_training()


LESSON = Lesson(
    name="autograd",
    number=1,
    api=API,
    folder=Path(__file__).parent,
    solutions=ROOT / "solutions",
    exercises=ROOT / "exercises",
    public=public_checks,
    hidden=hidden_checks,
    depends_on=DEPENDS_ON,
    stand_ins=stand_in,
    variants={"train": ("train", "train_clearing_first")},
    by_hand=BY_HAND,
    with_autograd=WITH_AUTOGRAD,
    no_backward={"train": "gradients_by_hand", "chain_rule_grads": "no_backward_two_leaves"},
    common_errors=(
        ("a leaf Variable that requires grad is being used in an in-place operation", "update_outside_no_grad"),
        ("backward through the graph a second time", "backward_twice"),
        ("Can't call numpy() on Tensor that requires grad", "numpy_needs_detach"),
        ("does not require grad and does not have a grad_fn", "cut_from_graph"),
        ("has no attribute 'zero_'", "none_value"),
        ("'NoneType' and", "none_value"),
        ("and 'NoneType'", "none_value"),
        ("does not support the context manager protocol", "no_grad_not_called"),
        ("__enter__", "no_grad_not_called"),  # the same mistake, as Python 3.10 says it
        ("must match the size of tensor", "shape_mismatch"),
        ("Expected all tensors to be on the same device", "device_mismatch"),
        ("can't convert cuda", "numpy_on_cuda"),
        ("grad can be implicitly created only for scalar outputs", "loss_not_scalar"),
        ("Only Tensors of floating point and complex dtype can require gradients", "integer_leaf"),
    ),
    script_names=frozenset({"w", "b", "learning_rate", "num_epochs", "loss_history", "loss_fn", "y_pred", "loss",
                            "epoch"}),
    example_function="sgd_step",
    page_figures=page_figures,
    demo_cells={"linear_regression": PLOT_CELL},
    reference_run=reference_training,
    reference_run_file=REFERENCE_RUN,
)
