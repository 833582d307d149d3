"""Hidden checks: fresh random inputs and shapes, judged against the reference solutions
and autograd, so that a hard-coded answer cannot pass. Instructors and CI only: the
student distribution leaves this file out."""

from collections.abc import Callable

import torch

from grader.judge.compare import problem, values_match
from grader.lessons.autograd.checks import Check, Inputs, lesson_data, nonzero, reference, through_backward
from grader.lessons.autograd.checks.public import (
    NOT_DIFFERENTIABLE,
    NUMPY_DETOUR,
    accumulated,
    grad_mistakes,
    judge_plot,
    judge_sgd_step,
    judge_zero_grads,
    marked,
    plot_expectation,
    sgd_wrong_answers,
)
from grader.results import Expected, Feedback
from grader.sandbox.observations import Backward, NoneValue, SequenceValue, TensorValue, Value

SHAPES = [(), (7,), (3, 4), (2, 3, 2)]


def uniform(generator: torch.Generator, *shape: int, low: float = -3.0, high: float = 3.0) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator)


def integer(generator: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high, (), generator=generator))


def autograd_grads(function: Callable, *values: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Ground truth: what autograd says the gradient of sum(function) is."""
    leaves = [value.detach().clone().requires_grad_(True) for value in values]
    return torch.autograd.grad(function(*leaves).sum(), leaves)


def quadratic(x: torch.Tensor) -> torch.Tensor:
    return x**2 + 3 * x + 1


def chain(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x**2 * y + y**2


def squared_error(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return ((w * x + b - y) ** 2).mean()


def each(function: Callable, inputs: Inputs) -> list:
    return [function(*case) for case in inputs["cases"]]


def regression_case(generator: torch.Generator, *shape: int) -> list[torch.Tensor]:
    return [uniform(generator, *shape, low=0, high=10), uniform(generator, *shape, low=-5, high=25),
            uniform(generator), uniform(generator)]


def per_case(mistakes: Callable[..., dict], inputs: Inputs) -> dict[str, list]:
    """Each mistake's answers to every case: what call_each would get back."""
    answers = [mistakes(*case) for case in inputs["cases"]]
    return {key: [answer[key] for answer in answers] for key in answers[0]}


def chain_mistakes(x: torch.Tensor, y: torch.Tensor) -> dict:
    dz_dx, dz_dy = autograd_grads(chain, x, y)
    return {"swapped": (dz_dy, dz_dx), "partial_dz_dy": (dz_dx, 2 * y), "y_not_a_leaf": (dz_dx, None),
            "x_not_a_leaf": (None, dz_dy)}


def judge_differentiable_loss(check: Check, got: Backward, expected: dict, inputs: Inputs) -> Feedback | None:
    """The loss's value, then the gradient that backward from the grader's cotangent gives
    y_pred (the evidence that the loss is on the graph)."""
    found = problem(got.returned, expected["value"])
    if found:
        return check.misconception_in(found, got.returned, inputs)
    if not (isinstance(got.returned, TensorValue) and got.returned.has_graph) or got.grads.items == (NoneValue(),):
        return Feedback("cut_from_graph", misconception="detached_loss")
    found = problem(got.grads, expected["grads"])
    return found and Feedback("wrong_loss_grad", {"expected": Expected(expected["grads"][0]), "got": got.grads})


def judge_training(check: Check, got: Value, expected: tuple, inputs: Inputs) -> Feedback | None:
    """w and b, then each loss: what is wrong is said of one value (a tuple of a hundred floats
    reads as nothing), and the whole answer is matched to a mistake."""
    if not isinstance(got, SequenceValue) or len(got.items) != 3:
        return Feedback("not_a_sequence", {"expected": 3, "got": got})
    w, b, losses = expected
    found = problem(SequenceValue("tuple", got.items[:2]), (w, b), *check.tolerance)
    found = found or losses_problem(got.items[2], losses, check.tolerance)
    return found and check.misconception_in(found, got, inputs)


def losses_problem(got: Value, losses: list[float], tolerance: tuple[float, float]) -> Feedback | None:
    if not isinstance(got, SequenceValue) or len(got.items) != len(losses):
        shown = len(got.items) if isinstance(got, SequenceValue) else got
        return Feedback("wrong_length", {"expected": len(losses), "got": shown})
    for position, (loss, expected) in enumerate(zip(got.items, losses), 1):
        if not values_match(loss, expected, *tolerance):
            params = {"position": position, "count": len(losses), "expected": Expected(expected), "got": loss}
            return Feedback("wrong_loss", params)
    return None


def train_inputs(generator: torch.Generator) -> Inputs:
    n, seed = integer(generator, 20, 200), integer(generator, 0, 10**6)
    noise = float(uniform(generator, low=0.5, high=3))
    lr, epochs = float(uniform(generator, low=0.002, high=0.02)), integer(generator, 10, 60)
    return {"args": list(lesson_data(n, noise, seed)), "kwargs": {"lr": lr, "epochs": epochs}}


def reference_training(x: torch.Tensor, y: torch.Tensor, **kwargs: float) -> tuple:
    w, b, losses = reference("train")(x, y, **kwargs)
    return w.detach(), b.detach(), [float(loss) for loss in losses]


def training_without_zeroing(x: torch.Tensor, y: torch.Tensor, lr: float, epochs: int) -> tuple:
    w, b = (torch.zeros((), device=x.device, requires_grad=True) for _ in range(2))
    losses = []
    for _ in range(epochs):
        loss = squared_error(x, y, w, b)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for param in (w, b):
                assert param.grad is not None  # backward just filled it
                param -= lr * param.grad
    return w.detach(), b.detach(), losses


def training_mistakes(inputs: Inputs) -> dict:
    (x, y), kwargs = inputs["args"], inputs["kwargs"]
    return {
        "grad_accumulates": training_without_zeroing(x, y, **kwargs),
        "ignores_lr": reference_training(x, y, epochs=kwargs["epochs"]),
        "ignores_epochs": reference_training(x, y, lr=kwargs["lr"]),
        "ignores_arguments": reference_training(x, y),
        "ignores_data": reference_training(*lesson_data(), **kwargs),  # make_data() called inside
    }


def plot_inputs(generator: torch.Generator) -> Inputs:
    n, epochs = integer(generator, 10, 80), integer(generator, 5, 50)
    x, y = regression_case(generator, n, 1)[:2]
    losses = (uniform(generator, epochs, low=0, high=50).sort(descending=True).values).tolist()
    return {"args": [x, y, uniform(generator), uniform(generator), losses], "leaves": [2, 3]}


def random_params(generator: torch.Generator) -> list[torch.Tensor]:
    return [uniform(generator, *shape) for shape in SHAPES[:3]]


HIDDEN = [
    Check(
        "quadratic_grad", "matches autograd at random points", 2, hidden=True, probe="call_each",
        inputs=lambda g: {"cases": [[uniform(g)] for _ in range(5)]},
        expect=lambda inputs, device: [autograd_grads(quadratic, *case)[0] for case in inputs["cases"]],
        wrong_answers=lambda inputs: {
            "grad_of_non_leaf": [None] * 5, "returned_function_value": each(quadratic, inputs),
            "python_number": [float(2 * x + 3) for (x,) in inputs["cases"]],
        },
    ),
    Check(
        "quadratic_grad", "accepts a plain Python float", 1, hidden=True, probe="call_each",
        inputs=lambda g: {"cases": [[float(uniform(g))] for _ in range(3)]},
        expect=lambda inputs, device: [autograd_grads(quadratic, torch.tensor(x))[0] for (x,) in inputs["cases"]],
    ),
    Check(
        "chain_rule_grads", "matches autograd at random points", 3, hidden=True, probe="call_each",
        inputs=lambda g: {"cases": [[uniform(g), uniform(g)] for _ in range(4)]},
        expect=lambda inputs, device: [autograd_grads(chain, *case) for case in inputs["cases"]],
        wrong_answers=lambda inputs: per_case(chain_mistakes, inputs), errors=NUMPY_DETOUR,
    ),
    Check(
        "quadratic_grad_by_hand", "matches autograd on random tensors of several shapes, autograd off", 3,
        hidden=True, probe="call_each",
        inputs=lambda g: {"cases": [[uniform(g, *shape)] for shape in SHAPES], "no_grad": True},
        expect=lambda inputs, device: [autograd_grads(quadratic, *case)[0] for case in inputs["cases"]],
        wrong_answers=lambda inputs: {"function_value_by_hand": each(quadratic, inputs)},
        errors=((NOT_DIFFERENTIABLE, "used_autograd"),),
    ),
    Check(
        "predict", "matches the reference for random x, w, b, keeping x's shape", 2, hidden=True,
        probe="call_each",
        inputs=lambda g: {"cases": [[uniform(g, *s), uniform(g), uniform(g)] for s in [(50, 1), (20,), (3, 5)]]},
        expect=lambda inputs, device: each(reference("predict"), inputs),
        wrong_answers=lambda inputs: {"flattened_column": [p.flatten() for p in each(reference("predict"), inputs)]},
        errors=NUMPY_DETOUR,
    ),
    Check(
        "mse_loss", "matches the reference on random predictions and targets", 2, hidden=True,
        probe="call_each",
        inputs=lambda g: {"cases": [[uniform(g, *s), uniform(g, *s)] for s in [(40, 1), (25,)]]},
        expect=lambda inputs, device: each(reference("mse_loss"), inputs),
        wrong_answers=lambda inputs: {
            "sum_not_mean": [((p - t) ** 2).sum() for p, t in inputs["cases"]],
            "missing_square": [(p - t).mean() for p, t in inputs["cases"]],
            "root_mean_square": [((p - t) ** 2).mean().sqrt() for p, t in inputs["cases"]],
            "python_number": [float(((p - t) ** 2).mean()) for p, t in inputs["cases"]],
            "square_of_mean": [(p - t).mean() ** 2 for p, t in inputs["cases"]],
        },
        errors=NUMPY_DETOUR,
    ),
    Check(
        "mse_loss", "returns a 0-d tensor that autograd can differentiate", 2, hidden=True,
        probe="backward", judge=judge_differentiable_loss,
        expect=lambda inputs, device: through_backward(reference("mse_loss"), inputs),
        inputs=lambda g: {"args": [uniform(g, 30, 1), uniform(g, 30, 1)], "leaves": [0], "cotangent": nonzero(g)},
        wrong_answers=lambda inputs: {"python_number": float(((inputs["args"][0] - inputs["args"][1]) ** 2).mean())},
        errors=NUMPY_DETOUR,
    ),
    Check(
        "mse_grads", "matches autograd on random data and parameters, autograd off", 3, hidden=True,
        probe="call_each",
        inputs=lambda g: {"cases": [regression_case(g, n, 1) for n in (5, 30, 100)], "no_grad": True},
        expect=lambda inputs, device: [autograd_grads(squared_error, *case)[2:] for case in inputs["cases"]],
        wrong_answers=lambda inputs: per_case(grad_mistakes, inputs),
        errors=((NOT_DIFFERENTIABLE, "used_autograd"),),
    ),
    Check(
        "sgd_step", "matches p - lr * p.grad for random parameters of several shapes", 2, hidden=True,
        probe="step_in_place", judge=judge_sgd_step,
        inputs=lambda g: marked(g, {
            "params": random_params(g), "grads": random_params(g), "lr": float(uniform(g, low=0.001, high=0.5)),
        }),
        expect=lambda inputs, device: [p - inputs["lr"] * g for p, g in zip(inputs["params"], inputs["grads"])],
        wrong_answers=sgd_wrong_answers,
        errors=(("leaf Variable that requires grad", "update_outside_no_grad"),),
    ),
    Check(
        "zero_grads", "clears the gradients of random parameters of several shapes", 1, hidden=True,
        probe="zero_between_backwards", judge=judge_zero_grads,
        inputs=lambda g: {"params": random_params(g), "first": random_params(g), "second": random_params(g)},
        expect=lambda inputs, device: inputs["second"],
        wrong_answers=accumulated,
    ),
    Check(
        "train", "follows the reference for random data, learning rate and number of epochs", 3,
        hidden=True, inputs=train_inputs, tolerance=(1e-3, 1e-3), judge=judge_training,
        expect=lambda inputs, device: reference_training(*inputs["args"], **inputs["kwargs"]),
        wrong_answers=training_mistakes,
    ),
    Check(
        "plot_fit", "draws random data, its fitted line and its loss curve", 2, hidden=True,
        probe="figure", inputs=plot_inputs, judge=judge_plot, expect=plot_expectation,
    ),
]
