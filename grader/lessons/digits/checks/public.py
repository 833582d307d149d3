"""Public checks of the digits lesson: the lesson's own images and fixed weights; what they
expect is what the docstrings describe (the stand-ins, run here on the same scenario), or
the reference's numbers stored by `stubs` (reference_run.json), never the reference itself."""

from dataclasses import replace

import torch

from grader.judge.compare import problem
from grader.results import Feedback
from grader.sandbox.observations import SequenceValue, TensorValue, Value

from .. import reference_run
from . import (
    CROSS_ENTROPY,
    DROPOUT,
    HIDDEN_UNITS,
    LAYERS,
    SGD,
    Check,
    Inputs,
    expecting,
    judge_part,
    judge_predictions_figure,
    judge_quiet,
    judge_training,
    mistakes,
    sample,
    stand_in,
    stand_ins,
    weights,
)

FIXED = 2026  # the public checks' own seed: the same inputs at every run
TRAINING = (1e-4, 1e-3)  # a few epochs of float32 arithmetic, on the CPU or a GPU


def fixed() -> torch.Generator:
    return torch.Generator().manual_seed(FIXED)


# wrong variants, each a mistake the misconceptions name (run on the same scenario)
def step_without_zeroing(model, x, y, optimizer, loss_fn):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def step_with_softmax(model, x, y, optimizer, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(torch.softmax(model(x), dim=1), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def step_without_update(model, x, y, optimizer, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss.item()


def epoch_summing(model, loader, optimizer, loss_fn):
    model.train()
    return sum(stand_ins.train_step(model, x, y, optimizer, loss_fn) for x, y in loader)


def epoch_last_loss(model, loader, optimizer, loss_fn):
    model.train()
    return [stand_ins.train_step(model, x, y, optimizer, loss_fn) for x, y in loader][-1]


def net_with_softmax(hidden=32):
    model = stand_ins.DigitNet(hidden)
    forward = model.forward
    model.forward = lambda x: torch.softmax(forward(x), dim=1)
    return model


def net_out_of_order(hidden=32):
    model = torch.nn.Module()
    model.output = torch.nn.Linear(hidden, 10)
    model.hidden = torch.nn.Linear(64, hidden)
    model.forward = lambda x: model.output(torch.relu(model.hidden(x)))
    return model


def net_without_relu(hidden=32):
    model = stand_ins.DigitNet(hidden)
    model.forward = lambda x: model.output(model.hidden(x))
    return model


def step_returning_tensor(model, x, y, optimizer, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def predicting_logits(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)


def predicting_over_rows(model, x):
    model.eval()
    with torch.no_grad():
        return model(x).argmax(dim=0)


def images_and_labels(generator: torch.Generator, count: int) -> Inputs:
    images = torch.randint(0, 17, (count, 8, 8), generator=generator).double()
    return {"args": [images, torch.randint(0, 10, (count,), generator=generator)]}


def tensors_expected(inputs: Inputs, device: str) -> tuple:
    return stand_in("to_tensors")(*inputs["args"])


def judge_tensors(check: Check, got: Value, expected: tuple, inputs: Inputs) -> Feedback | None:
    """x and y against the docstring's; a wrong pair is read for its mistake by its shapes and
    dtypes first (a value comparison cannot tell (N, 8, 8) from (N, 64), or 3.0 from 3)."""
    found = problem(got, list(expected), *check.tolerance)
    if found is None or not (isinstance(got, SequenceValue) and len(got.items) == 2):
        return found
    x, y = got.items
    mistake = tensors_mistake(x, y, expected)
    return replace(found, misconception=mistake) if mistake else found


def tensors_mistake(x: Value, y: Value, expected: tuple) -> str | None:
    if isinstance(x, TensorValue) and x.data.dim() == 3:
        return "not_flattened"
    if isinstance(y, TensorValue) and y.data.dim() == 2:
        return "one_hot_labels"
    if isinstance(y, TensorValue) and y.data.is_floating_point():
        return "float_labels"
    if isinstance(x, TensorValue) and x.data.shape == expected[0].shape and torch.allclose(
            x.data.double().cpu(), 16 * expected[0].double().cpu(), atol=1e-4):
        return "not_scaled"
    return None


def network(generator: torch.Generator, batch: int = 5) -> Inputs:
    x, _, _, _ = sample(batch, 0)
    return {"build": {"class": "<function>", "args": [HIDDEN_UNITS], "seed": 0}, "invoke": "<model>", "args": [x],
            "cotangent": torch.randn(batch, 10, generator=generator)}


def network_with_weights(generator: torch.Generator) -> Inputs:
    return {**network(generator), "state": weights(generator, LAYERS)}


def batch_step(generator: torch.Generator, count: int = 32) -> Inputs:
    x, y, _, _ = sample(count, 0)
    return {"build": {"layers": LAYERS}, "state": weights(generator, LAYERS),
            "stale": [torch.randn(p.shape, generator=generator) for p in weights(generator, LAYERS)],
            "optimizer": SGD, "loss": CROSS_ENTROPY, "args": ["<model>", x, y, "<optimizer>", "<loss>"]}


def epoch(generator: torch.Generator) -> Inputs:
    x, y, _, _ = sample(48, 0)
    return {"build": {"layers": LAYERS}, "state": weights(generator, LAYERS), "training": False, "optimizer": SGD,
            "loss": CROSS_ENTROPY, "args": ["<model>", {"loader": [x, y, 16]}, "<optimizer>", "<loss>"]}


def measurement(generator: torch.Generator) -> Inputs:
    _, _, x, y = sample(0, 48)
    return {"build": {"layers": DROPOUT}, "state": weights(generator, DROPOUT), "training": True,
            "args": ["<model>", x, y], "call_seed": 0}


def prediction(generator: torch.Generator) -> Inputs:
    found = measurement(generator)
    return {**found, "args": found["args"][:2]}


def fit_on_sample(generator: torch.Generator) -> Inputs:
    return {"args": [*sample(96, 48)], "kwargs": {"hidden": HIDDEN_UNITS, "lr": 0.5, "epochs": 3, "seed": 0}}


def fit_expected(inputs: Inputs, device: str) -> list:
    run = reference_run()["public_fit"]
    return [run["losses"], run["test_accuracy"]]


def judge_fit(check: Check, got: Value, expected: list, inputs: Inputs) -> Feedback | None:
    """The losses and the test accuracy (the model itself is checked through its helpers)."""
    value = got
    if not (isinstance(value, SequenceValue) and len(value.items) == 3):
        return problem(value, [None, *expected])
    shown = SequenceValue("tuple", value.items[1:])
    found = problem(shown, expected, *check.tolerance)
    return found and check.misconception_in(found, shown, inputs)


def fit_mistakes(inputs: Inputs) -> dict:
    run = reference_run()["public_fit_on_test"]
    return {"trained_on_test": [run["losses"], run["test_accuracy"]]}


def scored_rows(generator: torch.Generator) -> Inputs:
    logits = torch.randn(10, 10, generator=generator)
    labels = logits.argmax(dim=1)
    labels[:3] = (labels[:3] + 1) % 10
    return {"args": [logits, labels]}


def accuracy_mistakes(inputs: Inputs) -> dict:
    logits, labels = inputs["args"]
    right = logits.argmax(dim=1) == labels
    found = {"accuracy_as_count": float(right.sum()), "tensor_not_float": right.float().mean()}
    if logits.shape[0] == logits.shape[1]:  # otherwise an argmax over the rows cannot even be compared
        found["argmax_wrong_dim"] = float((logits.argmax(dim=0) == labels).float().mean())
    return found


def predictions_figure(generator: torch.Generator) -> Inputs:
    _, _, x, y = sample(0, 12)
    return {"args": [x, y, torch.randint(0, 10, (12,), generator=generator)]}


PUBLIC = [
    Check("to_tensors", "turns 6 images and labels into x of shape (6, 64) in 0-1 and int64 labels", 2,
          inputs=lambda g: images_and_labels(fixed(), 6), expect=tensors_expected, judge=judge_tensors),
    Check("DigitNet", "DigitNet(16) after torch.manual_seed(0) has the layers and first weights of the lesson", 2,
          probe="module_call", inputs=lambda g: network(fixed()),
          expect=expecting("params", lambda: stand_in("DigitNet")), judge=judge_part("params"),
          wrong_answers=mistakes("params", {"layers_out_of_order": net_out_of_order})),
    Check("DigitNet", "returns logits of shape (5, 10) for 5 digits, not probabilities", 2, probe="module_call",
          inputs=lambda g: network_with_weights(fixed()), expect=expecting("returned", lambda: stand_in("DigitNet")),
          judge=judge_part("returned"),
          wrong_answers=mistakes("returned", {"softmax_before_cross_entropy": net_with_softmax,
                                              "missing_relu": net_without_relu})),
    Check("train_step", "one SGD step on 32 digits from stale gradients: the weights afterwards", 3,
          probe="module_call", inputs=lambda g: batch_step(fixed()),
          expect=expecting("params", lambda: stand_in("train_step")), judge=judge_part("params"),
          wrong_answers=mistakes("params", {"forgot_zero_grad": step_without_zeroing,
                                            "softmax_before_cross_entropy": step_with_softmax,
                                            "missed_step": step_without_update})),
    Check("train_step", "returns the batch's loss before the step, as a Python float", 1, probe="module_call",
          inputs=lambda g: batch_step(fixed()), expect=expecting("returned", lambda: stand_in("train_step")),
          judge=judge_part("returned"),
          wrong_answers=mistakes("returned", {"softmax_before_cross_entropy": step_with_softmax,
                                              "loss_as_tensor": step_returning_tensor})),
    Check("train_epoch", "trains in train mode over 3 batches of 16 and returns their mean loss", 2,
          probe="module_call", inputs=lambda g: epoch(fixed()),
          expect=expecting("returned", lambda: stand_in("train_epoch")), judge=judge_training("returned"),
          wrong_answers=mistakes("returned", {"epoch_sum_not_mean": epoch_summing,
                                              "epoch_last_loss": epoch_last_loss})),
    Check("train_epoch", "leaves the weights that 3 steps give", 1, probe="module_call",
          inputs=lambda g: epoch(fixed()), expect=expecting("params", lambda: stand_in("train_epoch")),
          judge=judge_training("params")),
    Check("accuracy", "gives 0.7 for 10 rows of logits of which 7 have their largest logit at the label", 2,
          inputs=lambda g: scored_rows(fixed()), expect=lambda inputs, device: 0.7, wrong_answers=accuracy_mistakes),
    Check("evaluate", "measures 48 test digits in eval mode, without recording gradients", 3, probe="module_call",
          inputs=lambda g: measurement(fixed()), expect=expecting("returned", lambda: stand_in("evaluate")),
          judge=judge_quiet("returned")),
    Check("predict", "gives int64 labels for 48 test digits, in eval mode without gradients", 2,
          probe="module_call", inputs=lambda g: prediction(fixed()),
          expect=expecting("returned", lambda: stand_in("predict")), judge=judge_quiet("returned"),
          wrong_answers=mistakes("returned", {"logits_not_labels": predicting_logits,
                                              "argmax_wrong_dim": predicting_over_rows})),
    Check("fit", "on 96 training digits (3 epochs, hidden 16, lr 0.5) gives the lesson's losses and test accuracy", 3,
          inputs=fit_on_sample, expect=fit_expected, judge=judge_fit, wrong_answers=fit_mistakes, tolerance=TRAINING),
    Check("plot_predictions", "draws each of the first 10 images titled with its prediction", 2, probe="figure",
          inputs=lambda g: predictions_figure(fixed()), expect=lambda inputs, device: inputs,
          judge=judge_predictions_figure),
]
