"""The kit's corpus of student mistakes: each a small rewrite of the solutions, the
functions it must cost points, and the misconception its feedback must name (None where
the grader can only say what came back). tests/test_mistakes.py holds the grader to it;
bench/mistakes.py prints how much of it each function's checks catch and name."""

from typing import NamedTuple


class Mistake(NamedTuple):
    bodies: dict[str, str]
    """function name: its new body"""
    loses: set[str]
    """the functions that must lose points"""
    misconception: str | None
    """what the broken function's feedback must name"""
    preambles: dict[str, str] = {}  # noqa: RUF012 (never mutated)
    """module name: code put at its top"""


# the solution's train, for the mistakes that change one thing in it
TRAIN = """
w, b = init_params(x.device)
losses = []
for _ in range(epochs):
    loss = mse_loss(predict(x, w, b), y)
    losses.append(loss.item())
    loss.backward()
    sgd_step([w, b], lr)
    zero_grads([w, b])
return w, b, losses
"""

RAW = {
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
        {"quadratic_grad"}, "cut_from_graph",
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
        {"train"}, "ignores_arguments",
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
        {"train"}, "losses_as_tensors",
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
        {"plot_fit"}, "missing_bias",
    ),
    # the lesson's central mistakes: cutting the graph, keeping state, and their kin
    "predict detaches the prediction": (
        {"predict": "return (w * x + b).detach()"}, {"predict", "train"}, "detached_prediction",
    ),
    "predict builds on w.item()": (
        {"predict": "return w.item() * x + b.item()"}, {"predict", "train"}, "detached_prediction",
    ),
    "predict forgets + b": ({"predict": "return w * x"}, {"predict", "train"}, "missing_bias"),
    "predict subtracts b": ({"predict": "return w * x - b"}, {"predict", "train"}, "bias_subtracted"),
    "mse_loss re-wraps its result": (
        {"mse_loss": "return torch.tensor(((y_pred - y_true) ** 2).mean().item())"}, {"mse_loss", "train"},
        "detached_loss",
    ),
    "mse_loss squeezes the prediction": (
        {"mse_loss": "return ((y_pred.squeeze() - y_true) ** 2).mean()"}, {"mse_loss", "train"},
        "broadcast_to_matrix",
    ),
    "quadratic_grad keeps its leaf at module level": (
        {"quadratic_grad": """
            LEAF.data.fill_(float(x))
            (LEAF**2 + 3 * LEAF + 1).backward()
            return LEAF.grad.clone()
        """},
        {"quadratic_grad"}, "keeps_state",
        {"autograd_basics": "import torch\nLEAF = torch.tensor(0.0, requires_grad=True)\n"},
    ),
    "quadratic_grad calls backward twice": (
        {"quadratic_grad": """
            x = torch.tensor(float(x), requires_grad=True)
            y = x**2 + 3 * x + 1
            y.backward(retain_graph=True)
            y.backward()
            return x.grad
        """},
        {"quadratic_grad"}, "backward_twice",
    ),
    "chain_rule_grads calls backward twice without retain_graph": (
        {"chain_rule_grads": """
            x = torch.tensor(float(x), requires_grad=True)
            y = torch.tensor(float(y), requires_grad=True)
            z = x**2 * y + y**2
            z.backward()
            z.backward()
            return x.grad, y.grad
        """},
        {"chain_rule_grads"}, "backward_twice",
    ),
    "quadratic_grad wraps y in torch.tensor": (
        {"quadratic_grad": """
            x = torch.tensor(float(x), requires_grad=True)
            y = torch.tensor(x**2 + 3 * x + 1)
            y.backward()
            return x.grad
        """},
        {"quadratic_grad"}, "cut_from_graph",
    ),
    "quadratic_grad returns y.grad": (
        {"quadratic_grad": """
            x = torch.tensor(float(x), requires_grad=True)
            y = x**2 + 3 * x + 1
            y.backward()
            return y.grad
        """},
        {"quadratic_grad"}, "grad_of_non_leaf",
    ),
    "quadratic_grad_by_hand returns y": (
        {"quadratic_grad_by_hand": "return x**2 + 3 * x + 1"}, {"quadratic_grad_by_hand"}, "function_value_by_hand",
    ),
    "sgd_step writes with torch.no_grad: without the call": (
        {"sgd_step": """
            with torch.no_grad:
                for p in params:
                    p -= lr * p.grad
        """},
        {"sgd_step", "train"}, "no_grad_not_called",
    ),
    "zero_grads names zero_ without calling it": (
        {"zero_grads": """
            for p in params:
                p.grad.zero_
        """},
        {"zero_grads", "train"}, "method_not_called",
    ),
    "train rebinds w and b": (
        {"train": """
            w, b = init_params(x.device)
            losses = []
            for _ in range(epochs):
                loss = mse_loss(predict(x, w, b), y)
                losses.append(loss.item())
                loss.backward()
                w = w - lr * w.grad
                b = b - lr * b.grad
                zero_grads([w, b])
            return w, b, losses
        """},
        {"train"}, "none_value",
    ),
    "train takes a step per sample": (
        {"train": """
            w, b = init_params(x.device)
            losses = []
            for _ in range(epochs):
                for xi, yi in zip(x, y):
                    loss = mse_loss(predict(xi, w, b), yi)
                    loss.backward()
                    sgd_step([w, b], lr)
                    zero_grads([w, b])
                losses.append(mse_loss(predict(x, w, b), y).item())
            return w, b, losses
        """},
        {"train"}, "step_per_sample",
    ),
    "train divides lr by N": (
        {"train": """
            w, b = init_params(x.device)
            losses = []
            for _ in range(epochs):
                loss = mse_loss(predict(x, w, b), y)
                losses.append(loss.item())
                loss.backward()
                sgd_step([w, b], lr / len(x))
                zero_grads([w, b])
            return w, b, losses
        """},
        {"train"}, "lr_divided_by_n",
    ),
    # seen in public posts and notebooks on this material: a loss left without its mean
    # ("grad can be implicitly created only for scalar outputs"), an integer leaf
    "mse_loss forgets the mean": (
        {"mse_loss": "return (y_pred - y_true) ** 2"}, {"mse_loss", "train"}, "missing_mean",
    ),
    "quadratic_grad makes an integer leaf": (
        {"quadratic_grad": """
            x = torch.tensor(int(x), requires_grad=True)
            (x**2 + 3 * x + 1).backward()
            return x.grad
        """},
        {"quadratic_grad"}, "integer_leaf",
    ),
    "plot_fit plots w * x + b without detach": (
        {"plot_fit": """
            figure = Figure()
            data_axes, loss_axes = figure.subplots(1, 2)
            data_axes.scatter(x, y)
            data_axes.plot(x, w * x + b)
            loss_axes.plot(losses)
            return figure
        """},
        {"plot_fit"}, "numpy_needs_detach",
    ),
    "plot_fit returns the figure and its axes": (
        {"plot_fit": """
            figure = Figure()
            data_axes, loss_axes = figure.subplots(1, 2)
            return figure, data_axes
        """},
        {"plot_fit"}, "returned_figure_and_axes",
    ),
    # issue 23: each named, with what to fix and why, in both languages
    "chain_rule_grads right by hand, without backward": (
        {"chain_rule_grads": """
            x = torch.as_tensor(x, dtype=torch.float32)
            y = torch.as_tensor(y, dtype=torch.float32)
            return 2 * x * y, x**2 + 2 * y
        """},
        {"chain_rule_grads"}, "no_backward_two_leaves",
    ),
    "chain_rule_grads by hand with dz/dy = 2y": (
        {"chain_rule_grads": """
            x = torch.as_tensor(x, dtype=torch.float32)
            y = torch.as_tensor(y, dtype=torch.float32)
            return 2 * x * y, 2 * y
        """},
        {"chain_rule_grads"}, "partial_dz_dy",
    ),
    "chain_rule_grads leaves y without requires_grad": (
        {"chain_rule_grads": """
            x = torch.tensor(float(x), requires_grad=True)
            y = torch.tensor(float(y))
            (x**2 * y + y**2).backward()
            return x.grad, y.grad
        """},
        {"chain_rule_grads"}, "y_not_a_leaf",
    ),
    "zero_grads returns inside the loop": (
        {"zero_grads": """
            for p in params:
                if p.grad is not None:
                    p.grad.zero_()
                return
        """},
        {"zero_grads", "train"}, "stops_after_first",
    ),
    "zero_grads as the tutorial writes it, on w and b": (
        {"zero_grads": """
            w.grad.zero_()
            b.grad.zero_()
        """},
        {"zero_grads", "train"}, "tutorial_names",
    ),
    "zero_grads misspells zero_": (
        {"zero_grads": """
            for p in params:
                if p.grad is not None:
                    p.grad.zero()
        """},
        {"zero_grads", "train"}, "misspelled_method",
    ),
    "zero_grads with a full-width parenthesis": (
        {"zero_grads": """
            for p in params:
                if p.grad is not None:
                    p.grad.zero_（)
        """},
        {"zero_grads", "train"}, "full_width_punctuation",
    ),
    "train pastes the tutorial's loop": (
        {"train": """
            losses = []
            for epoch in range(epochs):
                y_pred = w * x + b
                loss = mse_loss(y_pred, y)
                losses.append(loss.item())
                loss.backward()
                with torch.no_grad():
                    w -= learning_rate * w.grad
                    b -= learning_rate * b.grad
                w.grad.zero_()
                b.grad.zero_()
            return w, b, losses
        """},
        {"train"}, "tutorial_names_unbound",
    ),
    "train calls loss.backward without parentheses": (
        {"train": TRAIN.replace("loss.backward()", "loss.backward")},
        {"train"}, "method_not_called",
    ),
    "train hard-codes the learning rate": (
        {"train": TRAIN.replace("sgd_step([w, b], lr)", "sgd_step([w, b], 0.01)")},
        {"train"}, "ignores_lr",
    ),
    "train hard-codes the epochs": (
        {"train": TRAIN.replace("range(epochs)", "range(100)")},
        {"train"}, "ignores_epochs",
    ),
    "train fits make_data() instead of its x and y": (
        {"train": "x, y = make_data()" + TRAIN},
        {"train"}, "ignores_data",
    ),
    "train returns w and b as numbers": (
        {"train": TRAIN.replace("return w, b, losses", "return w.item(), b.item(), losses")},
        {"train"}, "python_number",
    ),
    "predict multiplies with @": ({"predict": "return x @ w + b"}, {"predict", "train"}, "matmul_with_scalar"),
    "predict builds on w.data": (
        {"predict": "return w.data * x + b.data"}, {"predict", "train"}, "detached_prediction",
    ),
    "predict goes through NumPy": (
        {"predict": "return torch.from_numpy(w.detach().numpy() * x.numpy() + b.detach().numpy())"},
        {"predict", "train"}, "detached_prediction",
    ),
    "mse_loss squares the mean": (
        {"mse_loss": "return (y_pred - y_true).mean() ** 2"}, {"mse_loss", "train"}, "square_of_mean",
    ),
    "mse_loss calls .numpy() on its arguments": (
        {"mse_loss": """
            difference = y_pred.numpy() - y_true.numpy()
            return (difference**2).mean()
        """},
        {"mse_loss", "train"}, "numpy_detour",
    ),
    "mse_loss forgets to call mean": (
        {"mse_loss": "return ((y_pred - y_true) ** 2).mean"}, {"mse_loss", "train"}, "method_not_called",
    ),
    "mse_grads leaves x out of dL/dw": (
        {"mse_grads": """
            error = w * x + b - y
            return 2 * error.mean(), 2 * error.mean()
        """},
        {"mse_grads"}, "dw_without_x",
    ),
    "mse_grads multiplies the means": (
        {"mse_grads": """
            error = w * x + b - y
            return 2 * error.mean() * x.mean(), 2 * error.mean()
        """},
        {"mse_grads"}, "product_of_means",
    ),
    "mse_grads flattens y inside the formula": (
        {"mse_grads": """
            error = w * x + b - y.flatten()
            return 2 * (error * x).mean(), 2 * error.mean()
        """},
        {"mse_grads"}, "broadcast_to_matrix",
    ),
    "mse_grads goes through NumPy": (
        {"mse_grads": """
            error = (w * x + b - y).numpy()
            return 2 * (error * x.numpy()).mean(), 2 * error.mean()
        """},
        {"mse_grads"}, "numpy_detour",
    ),
    "quadratic_grad_by_hand goes through NumPy": (
        {"quadratic_grad_by_hand": "return 2 * x.numpy() + 3"}, {"quadratic_grad_by_hand"}, "numpy_detour",
    ),
    "quadratic_grad_by_hand works on x.item()": (
        {"quadratic_grad_by_hand": "return torch.tensor(2 * x.item() + 3)"}, {"quadratic_grad_by_hand"},
        "number_for_tensor",
    ),
    "sgd_step with a full-width colon": (
        {"sgd_step": """
            with torch.no_grad()：
                for p in params:
                    p -= lr * p.grad
        """},
        {"sgd_step", "train"}, "full_width_punctuation",
    ),
    "sgd_step misspells no_grad": (
        {"sgd_step": """
            with torch.no_grads():
                for p in params:
                    p -= lr * p.grad
        """},
        {"sgd_step", "train"}, "misspelled_method",
    ),
    "plot_fit swaps the panels": (
        {"plot_fit": """
            x, y = x.detach().cpu().flatten(), y.detach().cpu().flatten()
            figure = Figure()
            loss_axes, data_axes = figure.subplots(1, 2)
            data_axes.scatter(x, y)
            data_axes.plot(x, (w * x + b).detach())
            loss_axes.plot(losses)
            return figure
        """},
        {"plot_fit"}, "panels_swapped",
    ),
}

MISTAKES = {name: Mistake(*entry) for name, entry in RAW.items()}

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
    "plot_fit draws the data as dots with plot(x, y, 'o')": {"plot_fit": """
        x, y = x.detach().cpu().flatten(), y.detach().cpu().flatten()
        figure = Figure()
        left, right = figure.subplots(1, 2)
        left.plot(x, y, "o")
        left.plot(x, (w * x + b).detach())
        right.plot(losses, "-")
        return figure
    """},
    "sgd_step through p.data, as older tutorials do": {"sgd_step": """
        for p in params:
            p.data -= lr * p.grad
    """},
    "predict with torch.add and torch.mul": {"predict": "return torch.add(torch.mul(w, x), b)"},
    "mse_loss with pow": {"mse_loss": "return (y_pred - y_true).pow(2).mean()"},
    "train zeroes the gradients before backward": {"train": """
        w, b = init_params(x.device)
        losses = []
        for _ in range(epochs):
            zero_grads([w, b])
            loss = mse_loss(predict(x, w, b), y)
            losses.append(loss.item())
            loss.backward()
            sgd_step([w, b], lr)
        return w, b, losses
    """},
    "zero_grads with a stray uncalled method besides the call": {"zero_grads": """
        for p in params:
            if p.grad is not None:
                p.grad.zero_
                p.grad.zero_()
    """},
    "plot_fit makes the right axes first": {"plot_fit": """
        x, y = x.detach().cpu().flatten(), y.detach().cpu().flatten()
        figure = Figure()
        loss_axes = figure.add_subplot(1, 2, 2)
        data_axes = figure.add_subplot(1, 2, 1)
        data_axes.scatter(x, y)
        data_axes.plot(x, (w * x + b).detach())
        loss_axes.plot(losses)
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
