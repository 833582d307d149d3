"""The digits lesson's checks: public ones (checks/public.py) on the lesson's own images and
fixed weights, expecting what the docstrings describe (run here as the stand-ins, never the
reference); hidden ones (checks/hidden.py) on random weights, data and sizes, expecting what
the reference and autograd compute. Each scenario is run by the worker on the student's
function (the module_call probe) and here on the stand-in or the reference: the same torch
module, the same weights, the same data."""

import inspect
import math
from collections.abc import Callable
from functools import cache
from typing import Any

import torch

from grader.checks import Check, Inputs
from grader.judge.compare import problem
from grader.results import Feedback
from grader.sandbox.child.probes import module_call
from grader.sandbox.observations import FigureDrawn, ModuleCall, NotAFigure

from .. import LESSON
from . import stand_ins

__all__ = ["Check", "Inputs"]

HIDDEN_UNITS = 16
# the torch module most scenarios hand the student's function: DigitNet's layers, with dropout
# where the mode it is called in must show in its answer
LAYERS = [["Linear", [64, HIDDEN_UNITS]], ["ReLU", []], ["Linear", [HIDDEN_UNITS, 10]]]
DROPOUT = [["Linear", [64, HIDDEN_UNITS]], ["ReLU", []], ["Dropout", [0.5]], ["Linear", [HIDDEN_UNITS, 10]]]
SGD = ["SGD", {"lr": 0.5}]
CROSS_ENTROPY = ["CrossEntropyLoss", {}]
TEST_SIZE = 360


@cache
def lesson_digits() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The lesson's data as load_data gives it (the same split), computed here: flattened,
    scaled to 0-1, labels as int64."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.as_tensor(digits.images, dtype=torch.float32).reshape(len(digits.images), -1) / 16
    y = torch.as_tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    return x[order[TEST_SIZE:]], y[order[TEST_SIZE:]], x[order[:TEST_SIZE]], y[order[:TEST_SIZE]]


def sample(train: int, test: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first images of each split: small enough for a check's time limit."""
    x_train, y_train, x_test, y_test = lesson_digits()
    return x_train[:train], y_train[:train], x_test[:test], y_test[:test]


def weights(generator: torch.Generator, layers: list) -> list[torch.Tensor]:
    """Random parameters for the layers, as nn.Linear draws them (uniform in ±1/sqrt(fan_in))."""
    found = []
    for name, args in layers:
        if name == "Linear":
            bound = 1 / math.sqrt(args[0])
            found += [bound * (2 * torch.rand(args[1], args[0], generator=generator) - 1),
                      bound * (2 * torch.rand(args[1], generator=generator) - 1)]
    return found


def scenario(function: Callable, inputs: Inputs) -> dict:
    """What the worker's module_call probe sees, run here on `function` (a stand-in or the
    reference), as plain values: tensors, floats, lists."""
    return {key: plain(value) for key, value in module_call(function, inputs).items()}


def plain(described: dict) -> Any:
    kind = described["kind"]
    if kind == "tensor":
        return described["data"].to(described["device"])
    if kind in ("tuple", "list"):
        return [plain(item) for item in described["items"]]
    if kind == "int":
        return float(described["value"])
    return described.get("value")


def stand_in_source(function: str) -> str:
    """The source of `function`'s stand-in for the blame re-run: public, never the reference."""
    return inspect.getsource(getattr(stand_ins, function))


def stand_in(name: str) -> Callable:
    return getattr(stand_ins, name)


def reference(name: str) -> Callable:
    return LESSON.reference(name)


def expecting(part: str, of: Callable[[], Callable]) -> Callable[[Inputs, str], Any]:
    """The expectation: one part of the scenario run on the stand-in or the reference."""
    return lambda inputs, device: scenario(of(), inputs)[part]


def mistakes(part: str, variants: dict[str, Callable]) -> Callable[[Inputs], dict[str, Any]]:
    """Known wrong answers: the same part of the scenario run on each wrong variant."""
    return lambda inputs: {name: scenario(variant, inputs)[part] for name, variant in variants.items()}


def judge_part(part: str) -> Callable:
    """Judge one part of what the module_call probe saw (returned, params, grads)."""

    def judge(check: Check, got: ModuleCall, expected: Any, inputs: Inputs) -> Feedback | None:
        seen = getattr(got, part)
        found = problem(seen, expected, *check.tolerance)
        return found and check.misconception_in(found, seen, inputs)

    return judge


def judge_quiet(part: str) -> Callable:
    """A measurement: every forward in eval mode with autograd off, then the answer."""
    answer = judge_part(part)

    def judge(check: Check, got: ModuleCall, expected: Any, inputs: Inputs) -> Feedback | None:
        if not got.forwards:
            return Feedback("model_not_called")
        if any(training for _, training in got.forwards):
            return Feedback("forward_in_train_mode", misconception="eval_in_train_mode")
        if any(recording for recording, _ in got.forwards):
            return Feedback("forward_with_grad", misconception="eval_with_grad")
        return answer(check, got, expected, inputs)

    return judge


def judge_training(part: str) -> Callable:
    """Training: every forward in train mode (the scenario hands the model over in eval mode)."""
    answer = judge_part(part)

    def judge(check: Check, got: ModuleCall, expected: Any, inputs: Inputs) -> Feedback | None:
        if got.forwards and not all(training for _, training in got.forwards):
            return Feedback("forward_in_eval_mode", misconception="trained_in_eval_mode")
        return answer(check, got, expected, inputs)

    return judge


def judge_predictions_figure(check: Check, got: FigureDrawn | NotAFigure, expected: Inputs,
                             inputs: Inputs) -> Feedback | None:
    """Each of the first images drawn on an axes of its own, titled with its prediction."""
    if not isinstance(got, FigureDrawn):
        return Feedback("not_a_figure", {"got": got.returned}, "no_figure")
    images, _, predicted = inputs["args"]
    shown = min(10, len(images))
    drawn = [axes for axes in got.axes if axes.images]
    if len(drawn) < shown:
        return Feedback("images_missing", {"expected": shown, "got": len(drawn)}, "images_not_shown")
    for index, axes in enumerate(drawn[:shown]):
        if not torch.allclose(axes.images[0].float(), images[index].detach().cpu().flatten().float(), atol=1e-4):
            return Feedback("image_not_drawn", {"index": index}, "images_not_shown")
        if str(int(predicted[index])) not in axes.title:
            return Feedback("title_without_prediction", {"index": index, "label": int(predicted[index])},
                            "prediction_not_in_title")
    return None
