"""Forging needs the work: a verdict rests on values the grader verifies, never on what code
running beside the student's says. Each attack here is graded as a hand-in, hidden checks
included; honest code graded beside it keeps its marks."""

import ast

import pytest

import grader.grade
from grader.grade import grade
from grader.results import Status
from tests.conftest import NONE, ROOT, SEED, misconceptions, points_lost, write_submission
from tests.corpus import CORRECT_VARIANTS

pytestmark = pytest.mark.sandbox

# At import, the probe module is taken from sys.modules by a name computed at run time (no
# import statement), and the backward probe is swapped for one that says "attached, and
# backward reached every leaf" about whatever the function returned.
PROBE_SWAP = """
import sys as _sys
import torch as _torch

_probes = _sys.modules[".".join(["grader", "sandbox", "child", "pro" + "bes"])]
_real = _probes.PROBES["backward"]


def _forged(function, inputs):
    seen = _real(function, inputs)
    if seen["returned"].get("kind") == "tensor":
        seen["returned"].update(requires_grad=True, is_leaf=False, has_graph=True)
    grads = [_torch.ones_like(inputs["args"][index]) for index in inputs["leaves"]]
    seen["grads"] = _probes.describe(grads)
    return seen


_probes.PROBES["backward"] = _forged
"""
CUT_FROM_THE_GRAPH = {
    "predict": "return (w * x + b).detach()",
    "mse_loss": "return ((y_pred - y_true) ** 2).mean().detach()",
}
GRAPH_CHECKS = ("stays on the graph", "autograd can differentiate")  # the checks of the backward probe


def graph_results(result, function):
    return [r for r in result.results if r.function == function and any(c in r.claim for c in GRAPH_CHECKS)]


def messages(result, function):
    return {r.feedback.message for r in result.results if r.function == function and r.feedback}


def test_a_swapped_backward_probe_gains_nothing(graded):
    result = graded(CUT_FROM_THE_GRAPH, {"linear_regression": PROBE_SWAP})
    assert {"predict", "mse_loss", "train"} <= points_lost(result)
    assert messages(result, "predict") >= {"reaches_grader"}


def test_the_gradients_are_the_evidence_even_where_the_source_rules_miss_the_swap(graded, monkeypatch):
    monkeypatch.setattr(grader.grade, "source_findings", lambda sources, lesson: {})
    result = graded(CUT_FROM_THE_GRAPH, {"linear_regression": PROBE_SWAP})
    for function in ("predict", "mse_loss"):
        checks = graph_results(result, function)
        assert checks and all(r.status is Status.FAIL for r in checks), function
        assert {r.feedback.message for r in checks} <= {"wrong_backward_grads", "wrong_loss_grad"}


@pytest.fixture
def graded_at_each_level(tmp_path, isolated):
    """Grade hand-ins one after another in one sandbox, with bubblewrap and without it."""

    def run(name, bodies=NONE, preambles=NONE):
        folder = write_submission(tmp_path / name, bodies, preambles)
        return grade(folder, hidden=True, seed=SEED, sandbox=isolated)

    return run


def test_the_swapped_probe_gains_nothing_at_each_level_and_honest_code_beside_it_keeps_its_marks(
        graded_at_each_level, monkeypatch):
    monkeypatch.setattr(grader.grade, "source_findings", lambda sources, lesson: {})  # the evidence alone
    forged = graded_at_each_level("forger", CUT_FROM_THE_GRAPH, {"linear_regression": PROBE_SWAP})
    assert all(r.status is Status.FAIL for f in ("predict", "mse_loss") for r in graph_results(forged, f))
    assert points_lost(graded_at_each_level("honest")) == set()


def test_an_sgd_step_that_replaces_the_lists_items_is_not_in_place(graded):
    replacing = """
        with torch.no_grad():
            for index, p in enumerate(params):
                params[index] = (p - lr * p.grad).requires_grad_()
    """
    result = graded({"sgd_step": replacing})
    assert points_lost(result) == {"sgd_step", "train"}
    assert messages(result, "sgd_step") == {"items_replaced"}
    assert misconceptions(result, "sgd_step") == {"replaced_items"}


def test_a_zero_grads_that_replaces_the_lists_items_clears_nothing(graded):
    replacing = """
        for index, p in enumerate(params):
            params[index] = p.detach().requires_grad_()
    """
    result = graded({"zero_grads": replacing})
    assert points_lost(result) == {"zero_grads", "train"}
    assert messages(result, "zero_grads") == {"grad_not_cleared"}


def test_a_train_that_computes_the_gradients_by_hand_loses_trains_points(graded):
    by_hand = """
        w, b = init_params(x.device)
        losses = []
        for _ in range(epochs):
            with torch.no_grad():
                loss = mse_loss(predict(x, w, b), y)
                losses.append(loss.item())
                w.grad, b.grad = mse_grads(x, y, w, b)
            sgd_step([w, b], lr)
            zero_grads([w, b])
        return w, b, losses
    """
    result = graded({"train": by_hand})
    assert points_lost(result) == {"train"}
    assert messages(result, "train") == {"no_backward_in_source"}
    assert misconceptions(result, "train") == {"gradients_by_hand"}


# The old leak: train, failing on purpose, chose which helper the blame re-run would call
# the culprit (a few bits per grading of whatever it had read in the trial's child).
STEERING_TRAIN = """
    helpers = (predict, mse_loss, sgd_step, zero_grads)
    stand_ins = {f.__name__ for f in helpers if f.__code__.co_filename != "linear_regression.py"}
    w, b = init_params(x.device)
    losses = []
    for _ in range(epochs):
        loss = mse_loss(predict(x, w, b), y)
        losses.append(loss.item())
        loss.backward()
        sgd_step([w, b], lr)
        zero_grads([w, b])
    if stand_ins in (set(), {"predict", "mse_loss", "sgd_step"}):  # "zero_grads breaks me"
        return w + 1, b, losses
    return w, b, losses
"""


def test_train_cannot_steer_the_blame_onto_a_helper_that_is_right(graded_at_each_level):
    result = graded_at_each_level("steering", {"train": STEERING_TRAIN})
    assert points_lost(result) == {"train"}
    assert all(r.feedback.blamed_on == () for r in result.results if r.function == "train" and r.feedback)


def reference_sources() -> dict[str, str]:
    source = (ROOT / "solutions" / "linear_regression.py").read_text("utf-8")
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) for node in tree.body if isinstance(node, ast.FunctionDef)}


CLEARING_FIRST = "train zeroes the gradients before backward"


def test_each_blame_trial_is_a_job_of_its_own_and_carries_no_reference(graded, monkeypatch):
    jobs = []
    blamed = grader.grade.blamed

    def recording(plan, verdicts, run_calls, lesson):
        return blamed(plan, verdicts, lambda calls: jobs.append(calls) or run_calls(calls), lesson)

    monkeypatch.setattr(grader.grade, "blamed", recording)
    fragile_zero_grads = "for p in params:\n    p.grad.zero_()"  # right, but not before the first backward
    result = graded({"zero_grads": fragile_zero_grads, "train": CORRECT_VARIANTS[CLEARING_FIRST]["train"]})
    assert {r.feedback.blamed_on for r in result.results if r.function == "train" and r.feedback} == {("zero_grads",)}
    assert jobs and all(len(calls) == 1 for calls in jobs)
    sent = "\n".join(source for calls in jobs for source in calls[0].inputs["replace"])
    for function, reference in reference_sources().items():
        body = reference.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0].strip()
        assert body and body not in sent, function
