"""Public checks: the tutorial's own examples, with the numbers it (should have) printed.

Students see these checks and their code; they expect constants, or what the docstrings'
own formulas give, never the reference.
"""

from collections.abc import Callable
from dataclasses import replace

import torch

from grader.judge.compare import problem, tensor_structure_problem
from grader.lessons.autograd import reference_run
from grader.lessons.autograd.checks import Check, Inputs, Judge, lesson_data, nonzero, on, through_backward
from grader.results import Expected, Feedback
from grader.sandbox.observations import (
    Backward,
    FigureDrawn,
    NoneValue,
    NotAFigure,
    Opaque,
    SequenceValue,
    Step,
    TensorValue,
    Value,
    Zeroing,
)

NOT_DIFFERENTIABLE = "does not require grad"  # backward called with autograd off
# .numpy() on a tensor that requires grad, in a function whose result autograd must follow:
# detaching first (what PyTorch's message suggests) would cut the graph; the fix is to stay in torch
NUMPY_DETOUR = (("Can't call numpy() on Tensor that requires grad", "numpy_detour"),)


def judge_sgd_step(check: Check, got: Step, expected: list, inputs: Inputs) -> Feedback | None:
    """The list after the step, less the marker the probe added to the tensors passed in: a
    tensor put in their place (or one not updated) shows up as a wrong value."""
    params = unmarked(got.params, inputs["marker"])
    found = problem(params, expected)
    if found:
        found = check.misconception_in(found, params, inputs)
        if found.misconception == "rebinding":
            return Feedback("not_updated_in_place", found.params, "rebinding")
        if found.misconception == "replaced_items":
            return Feedback("items_replaced", misconception="replaced_items")
        return found
    for param in got.params.items:
        if not (isinstance(param, TensorValue) and param.is_leaf and param.requires_grad):
            return Feedback("graph_recorded", misconception="update_outside_no_grad")
    return None


def unmarked(params: SequenceValue, marker: list[torch.Tensor]) -> SequenceValue:
    items = tuple(
        replace(item, data=item.data - mark.cpu()) if isinstance(item, TensorValue)
        and item.data.shape == mark.shape and item.data.is_floating_point() else item
        for item, mark in zip(params.items, marker)
    )
    return SequenceValue(params.type, items + params.items[len(items):])


def sgd_wrong_answers(inputs: Inputs) -> dict:
    params, grads, lr, marker = inputs["params"], inputs["grads"], inputs["lr"], inputs["marker"]
    return {
        "rebinding": params,
        "gradient_ascent": [p + lr * g for p, g in zip(params, grads)],
        "ignores_lr": [p - g for p, g in zip(params, grads)],
        "replaced_items": [p - lr * g - m for p, g, m in zip(params, grads, marker)],  # new tensors: no marker
    }


def marked(generator: torch.Generator, inputs: Inputs) -> Inputs:
    """The inputs with a random marker per parameter, for the probe to add to the tensors it passed in."""
    return {**inputs, "marker": [nonzero(generator, *param.shape) for param in inputs["params"]]}


def sgd_step_inputs(generator: torch.Generator) -> Inputs:
    params, grads = [torch.tensor(1.0), torch.tensor(2.0)], [torch.tensor(0.5), torch.tensor(-1.0)]
    return marked(generator, {"params": params, "grads": grads, "lr": 0.1})


def judge_zero_grads(check: Check, got: Zeroing, expected: list, inputs: Inputs) -> Feedback | None:
    cleared = [cleared_grad(grad) for grad in got.after_zero.items]
    if not all(cleared):
        mistake = "stops_after_first" if cleared[0] else "grad_accumulates"  # a return (or break) inside the loop
        return Feedback("grad_not_cleared", {"got": got.after_zero}, mistake)
    found = problem(got.after_backward, expected)
    return found and check.misconception_in(found, got.after_backward, inputs)


def cleared_grad(grad: Value) -> bool:
    return isinstance(grad, NoneValue) or (isinstance(grad, TensorValue) and not grad.data.any())


def zero_grads_inputs(generator: torch.Generator) -> Inputs:
    return {
        "params": [torch.tensor(1.0), torch.tensor([1.0, 2.0])],
        "first": [torch.tensor(3.0), torch.tensor([1.0, 1.0])],
        "second": [torch.tensor(5.0), torch.tensor([2.0, -1.0])],
    }


def accumulated(inputs: Inputs) -> dict:
    return {"grad_accumulates": [a + b for a, b in zip(inputs["first"], inputs["second"])]}


def attached(misconception: str) -> Judge:
    """A judge of the `backward` probe: what came back is a tensor of the right shape, and
    backward through it from the grader's random cotangent gives the leaves the gradients
    the grader computes (`through_backward`): the evidence that it is on the graph."""

    def judge(check: Check, got: Backward, expected: dict, inputs: Inputs) -> Feedback | None:
        found = tensor_structure_problem(got.returned, expected["value"])
        if found:
            return found
        if all(isinstance(grad, NoneValue) for grad in got.grads.items):
            return Feedback("cut_from_graph", misconception=misconception)
        if any(isinstance(grad, NoneValue) for grad in got.grads.items):
            return Feedback("backward_misses_leaf", misconception=misconception)
        found = problem(got.grads, expected["grads"])
        return found and Feedback("wrong_backward_grads", {"expected": Expected(expected["grads"]), "got": got.grads})

    return judge


def judge_weights(check: Check, got: Value, expected: tuple, inputs: Inputs) -> Feedback | None:
    """train's (w, b), ignoring the losses (another check looks at those)."""
    if isinstance(got, SequenceValue) and len(got.items) == 3:
        got = SequenceValue(got.type, got.items[:2])
    found = problem(got, expected, *check.tolerance)
    return found and check.misconception_in(found, got, inputs)


def judge_losses(check: Check, got: Value, expected: tuple, inputs: Inputs) -> Feedback | None:
    """train's losses: `expected` is (count, first loss, last loss)."""
    count, first, last = expected
    if not isinstance(got, SequenceValue) or len(got.items) != 3:
        return Feedback("not_a_sequence", {"expected": 3, "got": got})
    losses = got.items[2]
    if not isinstance(losses, SequenceValue) or losses.type != "list" or len(losses.items) != count:
        shown = len(losses.items) if isinstance(losses, SequenceValue) else losses
        return Feedback("wrong_length", {"expected": count, "got": shown}, "ignores_epochs")
    if tensor := next((item for item in losses.items if isinstance(item, TensorValue)), None):
        return Feedback("not_a_float", {"got": tensor}, "losses_as_tensors")
    ends = SequenceValue("list", (losses.items[0], losses.items[-1]))
    found = problem(ends, [first, last], *check.tolerance)
    return found and check.misconception_in(found, ends, inputs)


def judge_plot(check: Check, got: FigureDrawn | NotAFigure, expected: Inputs, inputs: Inputs) -> Feedback | None:
    if isinstance(got, NotAFigure):
        return Feedback("not_a_figure", {"got": got.returned}, figure_mistake(got.returned))
    axes = got.axes
    if len(axes) != 2:
        return Feedback("wrong_axes_count", {"got": len(axes)})
    x, y = expected["x"].flatten().double(), expected["y"].flatten().double()
    data = torch.stack([x, y], dim=1)
    with_data = [ax for ax in axes if any(same_points(s, data) for s in ax.scatters)]
    if not with_data:
        return Feedback("no_data_scatter", {"expected": len(x)})
    w, b = float(expected["w"]), float(expected["b"])
    if not any(on_line(line, w, b) for line in with_data[0].lines):
        without_b = any(on_line(line, w, 0.0) for line in with_data[0].lines)
        return Feedback("no_fitted_line", {"expected": f"{w:.3f}x + {b:.3f}"}, "missing_bias" if without_b else None)
    other = axes[1] if with_data[0] is axes[0] else axes[0]
    losses = torch.tensor(expected["losses"], dtype=torch.float64)
    if not any(len(line) == len(losses) and torch.allclose(line[:, 1], losses, 1e-4, 1e-4) for line in other.lines):
        return Feedback("no_loss_curve", {"expected": len(losses)})
    return Feedback("panels_swapped", misconception="panels_swapped") if with_data[0] is not axes[0] else None


def figure_mistake(returned: Value) -> str | None:
    if isinstance(returned, NoneValue):
        return "figure_not_returned"
    if isinstance(returned, SequenceValue) and Opaque("Figure") in returned.items:
        return "returned_figure_and_axes"
    return None


def same_points(points: torch.Tensor, data: torch.Tensor) -> bool:
    return points.shape == data.shape and bool(torch.allclose(points, data, 1e-4, 1e-4))


def on_line(line: torch.Tensor, w: float, b: float) -> bool:
    if len(line) < 2 or line[:, 0].max() - line[:, 0].min() <= 0:
        return False
    predicted = w * line[:, 0] + b
    return bool(torch.allclose(line[:, 1], predicted, rtol=1e-3, atol=1e-3))


def plot_inputs(generator: torch.Generator) -> Inputs:
    """What the lesson hands plot_fit: train's w and b (leaves that require grad) and its losses."""
    run = reference_run()
    args = [*lesson_data(), torch.tensor(run["w"]), torch.tensor(run["b"]), run["losses"]]
    return {"args": args, "leaves": [2, 3], "render": True}  # the student's figure, for their page


def plot_expectation(inputs: Inputs, device: str) -> Inputs:
    x, y, w, b, losses = inputs["args"]
    return {"x": x.cpu(), "y": y.cpu(), "w": w.cpu(), "b": b.cpu(), "losses": losses}


def lesson_args(generator: torch.Generator) -> Inputs:
    return {"args": list(lesson_data())}


def prediction_inputs(generator: torch.Generator) -> Inputs:
    return {"args": [lesson_data()[0], torch.tensor(2.0), torch.tensor(1.0)], "leaves": [1, 2]}


def with_cotangent(inputs: Callable[[torch.Generator], Inputs], *shape: int) -> Callable[[torch.Generator], Inputs]:
    """Inputs for the backward probe: `inputs`, and a random cotangent of the output's shape."""
    return lambda generator: {**inputs(generator), "cotangent": nonzero(generator, *shape)}


def prediction(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The docstring's formula, to compute the gradients backward must give."""
    return w * x + b


def mean_squared_error(y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    """The docstring's formula, to compute the gradient backward must give."""
    return ((y_pred - y_true) ** 2).mean()


def loss_inputs(generator: torch.Generator) -> Inputs:
    """Targets that are not constant: against constant ones an (N,) prediction broadcast
    against the (N, 1) column gives the right mean by accident."""
    return {"args": [torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[2.0], [0.0], [3.0]])], "leaves": [0]}


def flat_loss_inputs(generator: torch.Generator) -> Inputs:
    return {"args": [arg.flatten() for arg in loss_inputs(generator)["args"]]}


def grad_mistakes(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> dict:
    """(dL/dw, dL/db) as each mistake computes them, from the docstring's formulas."""
    error = w * x + b - y
    dw, db = 2 * (error * x).mean(), 2 * error.mean()
    matrix = w * x + b - y.flatten()  # (N, 1) against (N,): an (N, N) matrix of errors
    return {
        "missing_factor_2": (dw / 2, db / 2), "sum_not_mean": (dw * len(x), db * len(x)), "sign_flipped": (-dw, -db),
        "swapped": (db, dw), "dw_without_x": (db, db), "product_of_means": (2 * error.mean() * x.mean(), db),
        "broadcast_to_matrix": (2 * (matrix * x).mean(), 2 * matrix.mean()),
    }


def loss_mistakes(inputs: Inputs) -> dict:
    return {
        "python_number": 5 / 3, "sum_not_mean": torch.tensor(5.0), "missing_square": torch.tensor(1 / 3),
        "root_mean_square": torch.tensor((5 / 3) ** 0.5), "broadcast_to_matrix": torch.tensor(7 / 3),
        "missing_mean": (inputs["args"][0] - inputs["args"][1]) ** 2,
        "square_of_mean": (inputs["args"][0] - inputs["args"][1]).mean() ** 2,
    }


PUBLIC = [
    Check(
        "quadratic_grad", "gives dy/dx = 7 at x = 2, as in the tutorial", 2,
        inputs=lambda g: {"args": [torch.tensor(2.0)]},
        expect=lambda inputs, device: on(device, 7.0),
        wrong_answers=lambda inputs: {
            "grad_of_non_leaf": None, "python_number": 7.0, "returned_function_value": torch.tensor(11.0),
            "missing_constant": torch.tensor(4.0), "backward_twice": torch.tensor(14.0),
        },
    ),
    Check(
        "chain_rule_grads", "gives (dz/dx, dz/dy) = (12, 10) at x = 2, y = 3", 2,
        inputs=lambda g: {"args": [torch.tensor(2.0), torch.tensor(3.0)]},
        expect=lambda inputs, device: (on(device, 12.0), on(device, 10.0)),
        wrong_answers=lambda inputs: {
            "tutorial_13": (torch.tensor(12.0), torch.tensor(13.0)),
            "swapped": (torch.tensor(10.0), torch.tensor(12.0)),
            "python_number": (12.0, 10.0),
            "backward_twice": (torch.tensor(24.0), torch.tensor(20.0)),
            "partial_dz_dy": (torch.tensor(12.0), torch.tensor(6.0)),
            "y_not_a_leaf": (torch.tensor(12.0), None), "x_not_a_leaf": (None, torch.tensor(10.0)),
        },
        errors=NUMPY_DETOUR,
    ),
    Check(
        "quadratic_grad_by_hand", "gives 2x + 3 at x = [0, 1, 2] with autograd off", 2,
        inputs=lambda g: {"args": [torch.tensor([0.0, 1.0, 2.0])], "no_grad": True},
        expect=lambda inputs, device: on(device, 3.0, 5.0, 7.0),
        wrong_answers=lambda inputs: {
            "function_value_by_hand": torch.tensor([1.0, 5.0, 11.0]),
            "missing_constant": torch.tensor([0.0, 2.0, 4.0]),
        },
        errors=((NOT_DIFFERENTIABLE, "used_autograd"),),
    ),
    Check(
        "predict", "gives w*x + b as an (N, 1) column for the lesson's x, w = 2, b = 1", 2,
        inputs=prediction_inputs,
        expect=lambda inputs, device: 2 * inputs["args"][0] + 1,
        wrong_answers=lambda inputs: {
            "flattened_column": (2 * inputs["args"][0] + 1).flatten(), "missing_bias": 2 * inputs["args"][0],
            "bias_subtracted": 2 * inputs["args"][0] - 1,
        },
        errors=NUMPY_DETOUR,
    ),
    Check(
        "predict", "stays on the graph: backward from the prediction reaches w and b", 1,
        probe="backward", inputs=with_cotangent(prediction_inputs, 100, 1),
        expect=lambda inputs, device: through_backward(prediction, inputs), judge=attached("detached_prediction"),
        errors=NUMPY_DETOUR,
    ),
    Check(
        "mse_loss", "gives 5/3 for predictions [1, 2, 3] against targets [2, 0, 3]", 2,
        inputs=loss_inputs, expect=lambda inputs, device: on(device, 5 / 3), wrong_answers=loss_mistakes,
        errors=NUMPY_DETOUR,
    ),
    Check(
        "mse_loss", "gives the same 5/3 for (N,) vectors as for (N, 1) columns", 1,
        inputs=flat_loss_inputs, expect=lambda inputs, device: on(device, 5 / 3), wrong_answers=loss_mistakes,
    ),
    Check(
        "mse_loss", "stays on the graph: backward from the loss reaches y_pred", 1,
        probe="backward", inputs=with_cotangent(loss_inputs), judge=attached("detached_loss"),
        expect=lambda inputs, device: through_backward(mean_squared_error, inputs), errors=NUMPY_DETOUR,
    ),
    Check(
        "mse_grads", "gives (-16/3, -2) for x = [1, 2, 3], y = [1, 3, 5] at w = 1, b = 0, autograd off", 2,
        inputs=lambda g: {
            "args": [torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[1.0], [3.0], [5.0]]), *torch.eye(2)[0]],
            "no_grad": True,
        },
        expect=lambda inputs, device: (on(device, -16 / 3), on(device, -2.0)),
        wrong_answers=lambda inputs: grad_mistakes(*inputs["args"]),
        errors=((NOT_DIFFERENTIABLE, "used_autograd"),),
    ),
    Check(
        "sgd_step", "updates w and b in place (w = 1, b = 2, grads 0.5 and -1, lr = 0.1)", 3,
        probe="step_in_place", inputs=sgd_step_inputs, judge=judge_sgd_step,
        expect=lambda inputs, device: [on(device, 0.95), on(device, 2.1)],
        wrong_answers=sgd_wrong_answers,
        errors=(("leaf Variable that requires grad", "update_outside_no_grad"),),
    ),
    Check(
        "zero_grads", "clears the gradients, so the next backward does not add to them", 3,
        probe="zero_between_backwards", inputs=zero_grads_inputs, judge=judge_zero_grads,
        expect=lambda inputs, device: inputs["second"],
        wrong_answers=accumulated,
    ),
    Check(
        "train", "reaches w ≈ 2.067, b ≈ 0.656 on the lesson's data (100 epochs, lr 0.01)", 3,
        inputs=lesson_args, judge=judge_weights, tolerance=(1e-3, 1e-3),
        expect=lambda inputs, device: (on(device, 2.0668342), on(device, 0.6555757)),
        wrong_answers=lambda inputs: {
            "grad_accumulates": (torch.tensor(3.4534614), torch.tensor(0.7850475)),
            # the same loop with a step after every single point, and with lr / N
            "step_per_sample": (torch.tensor(2.7355983), torch.tensor(0.0144056)),
            "lr_divided_by_n": (torch.tensor(1.0520526), torch.tensor(0.1625421)),
            "python_number": (2.0668342, 0.6555757),  # w.item(), b.item(): numbers where the tensors are asked for
        },
    ),
    Check(
        "train", "uses the x, y, lr and epochs it is given: w ≈ 2.035, b ≈ 0.384 on every other point of the "
        "lesson's data after 10 epochs at lr 0.02", 1,
        inputs=lambda g: {"args": [data[::2] for data in lesson_data()], "kwargs": {"lr": 0.02, "epochs": 10}},
        judge=judge_weights, tolerance=(1e-3, 1e-3),
        expect=lambda inputs, device: (on(device, 2.035032), on(device, 0.3835891)),
        wrong_answers=lambda inputs: {  # what the reference gives with one argument left at its default, or make_data()
            "ignores_data": (torch.tensor(2.1051505), torch.tensor(0.4000511)),
            "ignores_lr": (torch.tensor(2.0405478), torch.tensor(0.347295)),
            "ignores_epochs": (torch.tensor(1.9720725), torch.tensor(0.8004962)),
            "ignores_arguments": (torch.tensor(2.0000834), torch.tensor(0.6151815)),
            "ignores_everything": (torch.tensor(2.0668342), torch.tensor(0.6555757)),
        },
    ),
    Check(
        "train", "returns 100 losses as Python floats, each taken before its update", 2,
        inputs=lesson_args, judge=judge_losses, tolerance=(1e-3, 1e-4),
        expect=lambda inputs, device: (100, 161.10255, 3.9217062),
        wrong_answers=lambda inputs: {
            "losses_after_update": [19.615215, 3.9210114], "grad_accumulates": [161.10255, 192.11278],
        },
    ),
    Check(
        "plot_fit", "draws the data, the fitted line and the loss curve on two axes", 3,
        probe="figure", inputs=plot_inputs, judge=judge_plot, expect=plot_expectation,
    ),
]
