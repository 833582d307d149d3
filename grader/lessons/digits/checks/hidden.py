"""Hidden checks of the digits lesson: random weights, data, batch sizes, learning rates and
hidden sizes, judged against the reference run on the same scenario and autograd's
gradients, so that no answer can be learned by heart. Instructors and CI only: students'
copies leave this file out."""

import torch

from . import (
    CROSS_ENTROPY,
    SGD,
    Check,
    Inputs,
    expecting,
    judge_part,
    judge_predictions_figure,
    judge_quiet,
    judge_training,
    mistakes,
    reference,
    weights,
)
from .public import (
    accuracy_mistakes,
    epoch_summing,
    judge_fit,
    judge_tensors,
    net_out_of_order,
    net_with_softmax,
    net_without_relu,
    predicting_logits,
    predicting_over_rows,
    step_with_softmax,
    step_without_update,
    step_without_zeroing,
)


def size(generator: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (), generator=generator))


def layers(hidden: int, dropout: bool = False) -> list:
    return [["Linear", [64, hidden]], ["ReLU", []], *([["Dropout", [0.5]]] if dropout else []),
            ["Linear", [hidden, 10]]]


def digits(generator: torch.Generator, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random images in 0-1 and labels: what the lesson's data looks like, never the same."""
    return torch.rand(count, 64, generator=generator), torch.randint(0, 10, (count,), generator=generator)


def images(generator: torch.Generator) -> Inputs:
    count = size(generator, 1, 20)
    raw = torch.randint(0, 17, (count, 8, 8), generator=generator).double()
    return {"args": [raw, torch.randint(0, 10, (count,), generator=generator)]}


def network(generator: torch.Generator) -> Inputs:
    hidden, batch = size(generator, 4, 40), size(generator, 1, 12)
    x, _ = digits(generator, batch)
    return {"build": {"class": "<function>", "args": [hidden], "seed": size(generator, 0, 10_000)},
            "state": weights(generator, layers(hidden)), "invoke": "<model>", "args": [x],
            "cotangent": torch.randn(batch, 10, generator=generator)}


def seeded_network(generator: torch.Generator) -> Inputs:
    found = network(generator)
    return {key: value for key, value in found.items() if key != "state"}


def step(generator: torch.Generator) -> Inputs:
    hidden, batch = size(generator, 4, 32), size(generator, 2, 40)
    x, y = digits(generator, batch)
    shapes = weights(generator, layers(hidden))
    lr = float(0.05 + torch.rand((), generator=generator))
    return {"build": {"layers": layers(hidden)}, "state": shapes,
            "stale": [torch.randn(p.shape, generator=generator) for p in shapes],
            "optimizer": ["SGD", {"lr": lr}], "loss": CROSS_ENTROPY, "args": ["<model>", x, y, "<optimizer>", "<loss>"]}


def epoch(generator: torch.Generator) -> Inputs:
    hidden, count, batch = size(generator, 4, 24), size(generator, 10, 60), size(generator, 4, 16)
    x, y = digits(generator, count)
    return {"build": {"layers": layers(hidden)}, "state": weights(generator, layers(hidden)), "training": False,
            "optimizer": SGD, "loss": CROSS_ENTROPY, "args": ["<model>", {"loader": [x, y, batch]}, "<optimizer>",
                                                              "<loss>"]}


def measurement(generator: torch.Generator) -> Inputs:
    hidden, count = size(generator, 4, 24), size(generator, 5, 80)
    x, y = digits(generator, count)
    return {"build": {"layers": layers(hidden, dropout=True)}, "state": weights(generator, layers(hidden, True)),
            "training": True, "args": ["<model>", x, y]}


def prediction(generator: torch.Generator) -> Inputs:
    found = measurement(generator)
    return {**found, "args": found["args"][:2]}


def scored(generator: torch.Generator) -> Inputs:
    count = size(generator, 2, 50)
    return {"args": [torch.randn(count, 10, generator=generator), torch.randint(0, 10, (count,), generator=generator)]}


def square_scored(generator: torch.Generator) -> Inputs:
    """As many rows as classes: an argmax over the wrong dimension runs, and is caught by its values."""
    logits = torch.randn(10, 10, generator=generator)
    labels = logits.argmax(dim=1)
    wrong = torch.rand(10, generator=generator) < 0.4
    labels[wrong] = (labels[wrong] + 1) % 10
    return {"args": [logits, labels]}


def fitting(generator: torch.Generator) -> Inputs:
    x_train, y_train = digits(generator, size(generator, 20, 50))
    x_test, y_test = digits(generator, size(generator, 10, 30))
    kwargs = {"hidden": size(generator, 4, 16), "lr": float(0.1 + torch.rand((), generator=generator)),
              "epochs": size(generator, 1, 3), "seed": size(generator, 0, 1000)}
    return {"args": [x_train, y_train, x_test, y_test], "kwargs": kwargs}


def fit_numbers(arguments: list, kwargs: dict) -> list:
    _, losses, test_accuracy = reference("fit")(*arguments, **kwargs)
    return [losses, test_accuracy]


def fit_mistakes(inputs: Inputs) -> dict:
    _, _, x_test, y_test = inputs["args"]
    return {"trained_on_test": fit_numbers([x_test, y_test, x_test, y_test], inputs["kwargs"])}


def figure_inputs(generator: torch.Generator) -> Inputs:
    count = size(generator, 1, 14)
    x, y = digits(generator, count)
    return {"args": [x, y, torch.randint(0, 10, (count,), generator=generator)]}


HIDDEN = [
    Check("to_tensors", "converts random images and labels of any count", 2, hidden=True,
          inputs=images, expect=lambda inputs, device: reference("to_tensors")(*inputs["args"]), judge=judge_tensors),
    Check("DigitNet", "any hidden size and seed: the reference's first weights", 1, hidden=True, probe="module_call",
          inputs=seeded_network, expect=expecting("params", lambda: reference("DigitNet")), judge=judge_part("params"),
          wrong_answers=mistakes("params", {"layers_out_of_order": net_out_of_order})),
    Check("DigitNet", "random weights and inputs: the reference's logits", 2, hidden=True, probe="module_call",
          inputs=network, expect=expecting("returned", lambda: reference("DigitNet")), judge=judge_part("returned"),
          wrong_answers=mistakes("returned", {"softmax_before_cross_entropy": net_with_softmax,
                                              "missing_relu": net_without_relu})),
    Check("DigitNet", "random weights and inputs: autograd's gradients of every weight", 2, hidden=True,
          probe="module_call", inputs=network, expect=expecting("grads", lambda: reference("DigitNet")),
          judge=judge_part("grads"),
          wrong_answers=mistakes("grads", {"softmax_before_cross_entropy": net_with_softmax})),
    Check("train_step", "random weights, batch and learning rate: the weights after the step", 2, hidden=True,
          probe="module_call", inputs=step, expect=expecting("params", lambda: reference("train_step")),
          judge=judge_part("params"),
          wrong_answers=mistakes("params", {"forgot_zero_grad": step_without_zeroing,
                                            "softmax_before_cross_entropy": step_with_softmax,
                                            "missed_step": step_without_update})),
    Check("train_step", "random weights, batch and learning rate: autograd's gradients of the batch's loss", 2,
          hidden=True, probe="module_call", inputs=step, expect=expecting("grads", lambda: reference("train_step")),
          judge=judge_part("grads"),
          wrong_answers=mistakes("grads", {"forgot_zero_grad": step_without_zeroing,
                                           "softmax_before_cross_entropy": step_with_softmax})),
    Check("train_epoch", "random data and batch size: the weights afterwards", 2, hidden=True,
          probe="module_call", inputs=epoch, expect=expecting("params", lambda: reference("train_epoch")),
          judge=judge_training("params")),
    Check("train_epoch", "random data and batch size: the mean of the batches' losses", 1, hidden=True,
          probe="module_call", inputs=epoch, expect=expecting("returned", lambda: reference("train_epoch")),
          judge=judge_training("returned"), wrong_answers=mistakes("returned", {"epoch_sum_not_mean": epoch_summing})),
    Check("accuracy", "random logits of any count: the fraction right", 2, hidden=True,
          inputs=scored, expect=lambda inputs, device: reference("accuracy")(*inputs["args"]),
          wrong_answers=accuracy_mistakes),
    Check("accuracy", "ten rows of ten logits: the argmax is taken along each row", 1, hidden=True,
          inputs=square_scored, expect=lambda inputs, device: reference("accuracy")(*inputs["args"]),
          wrong_answers=accuracy_mistakes),
    Check("evaluate", "random weights and data: the accuracy, measured in eval mode without gradients", 2,
          hidden=True, probe="module_call", inputs=measurement,
          expect=expecting("returned", lambda: reference("evaluate")), judge=judge_quiet("returned")),
    Check("predict", "random weights and data: the labels, in eval mode without gradients", 2, hidden=True,
          probe="module_call", inputs=prediction, expect=expecting("returned", lambda: reference("predict")),
          judge=judge_quiet("returned"),
          wrong_answers=mistakes("returned", {"logits_not_labels": predicting_logits,
                                              "argmax_wrong_dim": predicting_over_rows})),
    Check("fit", "random data, sizes, learning rate and seed: the reference's losses and test accuracy", 3,
          hidden=True, inputs=fitting, expect=lambda inputs, device: fit_numbers(inputs["args"], inputs["kwargs"]),
          judge=judge_fit, wrong_answers=fit_mistakes, tolerance=(1e-4, 1e-3)),
    Check("plot_predictions", "any number of random images, each titled with its prediction", 1, hidden=True,
          probe="figure", inputs=figure_inputs, expect=lambda inputs, device: inputs, judge=judge_predictions_figure),
]
