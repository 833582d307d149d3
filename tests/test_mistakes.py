"""Realistic student mistakes: each loses points on the function it breaks (and on train,
which calls the helpers), keeps them everywhere else, and is told the likely misconception.
Correct variants keep full marks."""

import io

import pytest
from rich.console import Console

from grader.messages import LANGUAGES
from grader.report.gradescope import gradescope_results
from grader.report.table import print_table
from tests.conftest import misconceptions, points_lost

MISTAKES = {
    "quadratic_grad returns y": (
        {"quadratic_grad": """
            x = torch.as_tensor(x, dtype=torch.float32).detach().requires_grad_(True)
            y = x**2 + 3 * x + 1
            y.backward()
            return y.detach()
        """},
        {"quadratic_grad"}, "returned_function_value",
    ),
    "quadratic_grad without requires_grad": (
        {"quadratic_grad": """
            x = torch.as_tensor(x, dtype=torch.float32)
            y = x**2 + 3 * x + 1
            y.backward()
            return x.grad
        """},
        {"quadratic_grad"}, None,
    ),
    "quadratic_grad returns a Python number": (
        {"quadratic_grad": """
            x = torch.tensor(float(x), requires_grad=True)
            (x**2 + 3 * x + 1).backward()
            return x.grad.item()
        """},
        {"quadratic_grad"}, "python_number",
    ),
    "quadratic_grad reads .grad of a non-leaf": (
        {"quadratic_grad": """
            x = torch.tensor(float(x), requires_grad=True) * 1
            (x**2 + 3 * x + 1).backward()
            return x.grad
        """},
        {"quadratic_grad"}, "grad_of_non_leaf",
    ),
    "chain_rule_grads copies the tutorial's printout": (
        {"chain_rule_grads": "return torch.tensor(12.0), torch.tensor(13.0)"},
        {"chain_rule_grads"}, "tutorial_13",
    ),
    "chain_rule_grads swaps the results": (
        {"chain_rule_grads": """
            x = torch.tensor(float(x), requires_grad=True)
            y = torch.tensor(float(y), requires_grad=True)
            (x**2 * y + y**2).backward()
            return y.grad, x.grad
        """},
        {"chain_rule_grads"}, "swapped",
    ),
    "quadratic_grad_by_hand uses autograd": (
        {"quadratic_grad_by_hand": """
            x = x.detach().clone().requires_grad_(True)
            (x**2 + 3 * x + 1).sum().backward()
            return x.grad
        """},
        {"quadratic_grad_by_hand"}, "used_autograd",
    ),
    "quadratic_grad_by_hand forgets the constant": (
        {"quadratic_grad_by_hand": "return 2 * x"}, {"quadratic_grad_by_hand"}, "missing_constant",
    ),
    "predict flattens the column": (
        {"predict": "return (w * x + b).flatten()"}, {"predict", "train"}, "flattened_column",
    ),
    "mse_loss sums instead of averaging": (
        {"mse_loss": "return ((y_pred - y_true) ** 2).sum()"}, {"mse_loss", "train"}, "sum_not_mean",
    ),
    "mse_loss returns a number": (
        {"mse_loss": "return ((y_pred - y_true) ** 2).mean().item()"}, {"mse_loss", "train"}, "python_number",
    ),
    "mse_loss forgets the square": (
        {"mse_loss": "return (y_pred - y_true).mean()"}, {"mse_loss", "train"}, "missing_square",
    ),
    "mse_loss takes the root": (
        {"mse_loss": "return ((y_pred - y_true) ** 2).mean().sqrt()"}, {"mse_loss", "train"}, "root_mean_square",
    ),
    "mse_grads forgets the factor 2": (
        {"mse_grads": """
            error = w * x + b - y
            return (error * x).mean(), error.mean()
        """},
        {"mse_grads"}, "missing_factor_2",
    ),
    "mse_grads sums": (
        {"mse_grads": """
            error = w * x + b - y
            return 2 * (error * x).sum(), 2 * error.sum()
        """},
        {"mse_grads"}, "sum_not_mean",
    ),
    "mse_grads flips the sign": (
        {"mse_grads": """
            error = y - (w * x + b)
            return 2 * (error * x).mean(), 2 * error.mean()
        """},
        {"mse_grads"}, "sign_flipped",
    ),
    "mse_grads uses autograd": (
        {"mse_grads": """
            w, b = w.detach().requires_grad_(True), b.detach().requires_grad_(True)
            ((w * x + b - y) ** 2).mean().backward()
            return w.grad, b.grad
        """},
        {"mse_grads"}, "used_autograd",
    ),
    "sgd_step rebinds p": (
        {"sgd_step": """
            with torch.no_grad():
                for p in params:
                    p = p - lr * p.grad
        """},
        {"sgd_step", "train"}, "rebinding",
    ),
    "sgd_step updates outside no_grad": (
        {"sgd_step": """
            for p in params:
                p -= lr * p.grad
        """},
        {"sgd_step", "train"}, "update_outside_no_grad",
    ),
    "sgd_step climbs the gradient": (
        {"sgd_step": """
            with torch.no_grad():
                for p in params:
                    p += lr * p.grad
        """},
        {"sgd_step", "train"}, "gradient_ascent",
    ),
    "sgd_step ignores lr": (
        {"sgd_step": """
            with torch.no_grad():
                for p in params:
                    p -= p.grad
        """},
        {"sgd_step", "train"}, "ignores_lr",
    ),
    "zero_grads does nothing": ({"zero_grads": "pass"}, {"zero_grads", "train"}, "grad_accumulates"),
    "train never zeroes the gradients": (
        {"train": """
            w, b = init_params(x.device)
            losses = []
            for _ in range(epochs):
                loss = mse_loss(predict(x, w, b), y)
                losses.append(loss.item())
                loss.backward()
                sgd_step([w, b], lr)
            return w, b, losses
        """},
        {"train"}, "grad_accumulates",
    ),
    "train records the loss after the update": (
        {"train": """
            w, b = init_params(x.device)
            losses = []
            for _ in range(epochs):
                loss = mse_loss(predict(x, w, b), y)
                loss.backward()
                sgd_step([w, b], lr)
                zero_grads([w, b])
                losses.append(mse_loss(predict(x, w, b), y).item())
            return w, b, losses
        """},
        {"train"}, "losses_after_update",
    ),
    "train ignores epochs and lr": (
        {"train": """
            w, b = init_params(x.device)
            losses = []
            for _ in range(100):
                loss = mse_loss(predict(x, w, b), y)
                losses.append(loss.item())
                loss.backward()
                sgd_step([w, b], 0.01)
                zero_grads([w, b])
            return w, b, losses
        """},
        {"train"}, None,
    ),
    "train keeps the losses as tensors": (
        {"train": """
            w, b = init_params(x.device)
            losses = []
            for _ in range(epochs):
                loss = mse_loss(predict(x, w, b), y)
                losses.append(loss.detach())
                loss.backward()
                sgd_step([w, b], lr)
                zero_grads([w, b])
            return w, b, losses
        """},
        {"train"}, None,
    ),
    "plot_fit shows instead of returning": (
        {"plot_fit": """
            figure = Figure()
            figure.subplots(1, 2)
        """},
        {"plot_fit"}, "figure_not_returned",
    ),
    "plot_fit draws one panel": (
        {"plot_fit": """
            figure = Figure()
            axes = figure.subplots()
            axes.scatter(x.cpu().flatten(), y.cpu().flatten())
            return figure
        """},
        {"plot_fit"}, None,
    ),
    "plot_fit forgets the intercept": (
        {"plot_fit": """
            x, y = x.detach().cpu().flatten(), y.detach().cpu().flatten()
            figure = Figure()
            data_axes, loss_axes = figure.subplots(1, 2)
            data_axes.scatter(x, y)
            data_axes.plot(x, w.item() * x)
            loss_axes.plot(losses)
            return figure
        """},
        {"plot_fit"}, None,
    ),
}

CORRECT_VARIANTS = {
    "zero_grads sets None": {"zero_grads": """
        for p in params:
            p.grad = None
    """},
    "mse_loss with F.mse_loss": {"mse_loss": "return torch.nn.functional.mse_loss(y_pred, y_true)"},
    "sgd_step with sub_": {"sgd_step": """
        with torch.no_grad():
            for p in params:
                p.sub_(lr * p.grad)
    """},
    "quadratic_grad with torch.autograd.grad": {"quadratic_grad": """
        x = torch.as_tensor(x, dtype=torch.float32).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(x**2 + 3 * x + 1, x)
        return grad
    """},
    "predict as x * w + b": {"predict": "return x * w + b"},
    "plot_fit with pyplot": {"plot_fit": """
        import matplotlib.pyplot as plt
        figure, (left, right) = plt.subplots(1, 2)
        left.scatter(x.detach().cpu().numpy(), y.detach().cpu().numpy())
        left.plot(x.detach().cpu().numpy(), (w * x + b).detach().cpu().numpy(), "r-")
        right.plot(losses)
        return figure
    """},
    "train on data.device with helpers inlined": {"train": """
        w = torch.zeros((), device=x.device, requires_grad=True)
        b = torch.zeros((), device=x.device, requires_grad=True)
        losses = []
        for _ in range(epochs):
            loss = ((w * x + b - y) ** 2).mean()
            losses.append(float(loss))
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad = None
            b.grad = None
        return w, b, losses
    """},
}


@pytest.mark.parametrize(("bodies", "loses", "misconception"), MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_costs_only_the_functions_it_breaks(graded, bodies, loses, misconception):
    result = graded(bodies)
    assert points_lost(result) == loses
    broken = next(iter(bodies))
    assert result.score < result.max_score
    if misconception is not None:
        assert misconception in misconceptions(result, broken)
    for lang in LANGUAGES:
        assert_reports_render(result, lang, broken)


def assert_reports_render(result, lang, broken):
    """Every report of a graded mistake renders, names the broken function, and has no placeholders."""
    console = Console(file=io.StringIO(), width=200)
    print_table(result, lang, console)
    table = console.file.getvalue()
    assert broken in table and "{" not in table
    tests = gradescope_results(result, lang)["tests"]
    assert all(t["output"] for t in tests if t["score"] < t["max_score"])


@pytest.mark.parametrize("bodies", CORRECT_VARIANTS.values(), ids=CORRECT_VARIANTS.keys())
def test_a_correct_variant_keeps_full_marks(graded, bodies):
    result = graded(bodies)
    assert points_lost(result) == set()
    assert result.score == result.max_score
