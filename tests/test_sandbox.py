"""The sandbox on its own: calls in, outcomes out."""

from pathlib import Path

import pytest
import torch

from grader.load import load_submission
from grader.sandbox.host import Sandbox
from grader.sandbox.observations import Repeated, TensorValue
from grader.sandbox.records import Call, CallError, ErrorKind, Outcome
from tests.conftest import ROOT, TEST_LIMITS

pytestmark = pytest.mark.sandbox


def quadratic_call(index: int, device: str) -> Call:
    return Call(index, "autograd_basics", "quadratic_grad", "call", device, {"args": [torch.tensor(2.0)]})


def test_cpu_and_cuda_calls_run_in_separate_children(sandbox):
    sources = load_submission(Path(ROOT / "solutions")).sources
    calls = [quadratic_call(0, "cuda"), quadratic_call(1, "cpu"), quadratic_call(2, "cuda")]
    run = sandbox.run(sources, calls)
    assert tensor(run.outcomes[1]).data.item() == 7.0
    for index in (0, 2):
        outcome = run.outcomes[index]
        if torch.cuda.is_available():
            assert tensor(outcome).device == "cuda" and tensor(outcome).data.item() == 7.0
        else:  # the CUDA child fails on its own; the CPU call was unaffected
            assert outcome.error is not None and outcome.error.kind is ErrorKind.RAISED


def test_a_call_for_an_unknown_module_function_is_missing(sandbox):
    sources = load_submission(Path(ROOT / "solutions")).sources
    call = Call(0, "autograd_basics", "no_such_function", "call", "cpu", {"args": []})
    assert sandbox.run(sources, [call]).outcomes[0].error == CallError(ErrorKind.MISSING_FUNCTION)


def tensor(outcome: Outcome) -> TensorValue:
    """The first answer of a `call` probe, which calls twice."""
    assert isinstance(outcome.observation, Repeated) and isinstance(outcome.observation.value, TensorValue), outcome
    return outcome.observation.value


def test_a_zygote_found_dead_when_a_job_is_sent_is_replaced_and_the_job_run_in_full(monkeypatch):
    """Killed from outside while it waited for a job, a zygote's pipe is broken: the job goes
    to a fresh one, and no call is lost."""
    sources = load_submission(Path(ROOT / "solutions")).sources
    with Sandbox(limits=TEST_LIMITS) as sandbox:
        assert sandbox.zygote is not None

        def broken_pipe(order: dict, job: bytes) -> None:
            raise BrokenPipeError(32, "Broken pipe")

        monkeypatch.setattr(sandbox.zygote, "start_job", broken_pipe)
        outcome = sandbox.run(sources, [quadratic_call(0, "cpu")]).outcomes[0]
    assert tensor(outcome).data.item() == 7.0
