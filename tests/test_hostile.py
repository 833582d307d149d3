"""Hostile submissions: each ends with a clear message, gains nothing by its trick, does
not crash or hang the grader, and the rest of the submission is still graded."""

import os
import shutil
import signal
import socket
from pathlib import Path

import pytest

from grader.grade import grade
from grader.lessons.autograd import API
from grader.results import Status
from grader.sandbox import wire
from grader.sandbox.host import Sandbox
from tests.conftest import ROOT, SEED, TEST_LIMITS, points_lost, write_submission

pytestmark = pytest.mark.sandbox
needs_bubblewrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")


# The wire's frame format, written out by hand as an attacker would (importing the grader
# would cost the module its points by itself).
FRAME_WRITER = """
import json, os, struct


def frame(event, tag=b""):
    meta = json.dumps(event).encode()
    payload = tag + struct.pack(">I", len(meta)) + meta
    return struct.pack(">I", len(payload)) + payload
"""


def messages(result, function):
    return {r.feedback.message for r in result.results if r.function == function and r.feedback}


def test_an_endless_loop_times_out_and_the_rest_is_graded(graded):
    result = graded({"quadratic_grad": "while True:\n    pass"})
    assert points_lost(result) == {"quadratic_grad"}
    # one check timed out; the function's other checks were not run again, and said so
    assert messages(result, "quadratic_grad") == {"timeout", "skipped_after_timeout"}


def test_sys_exit_at_import_costs_that_module_only(graded):
    result = graded(preambles={"autograd_basics": "import sys\nsys.exit(0)\n"})
    assert points_lost(result) == set(API["autograd_basics"])
    assert messages(result, "quadratic_grad") == {"import_failed"}


def test_os_exit_inside_a_function_costs_that_function(graded):
    result = graded({"mse_grads": "import os\nos._exit(0)"})
    assert points_lost(result) == {"mse_grads"}
    assert messages(result, "mse_grads") == {"exited"}


def test_a_memory_bomb_is_stopped(graded):
    result = graded({"quadratic_grad_by_hand": "blocks = [bytearray(2**28) for _ in range(64)]\nreturn blocks"})
    assert points_lost(result) == {"quadratic_grad_by_hand"}
    assert messages(result, "quadratic_grad_by_hand") <= {"memory", "timeout", "skipped_after_timeout"}


def test_an_output_flood_is_cut(graded):
    result = graded({"zero_grads": "while True:\n    print('flood' * 1000)"})
    assert points_lost(result) == {"zero_grads", "train"}
    assert "output_flood" in messages(result, "zero_grads")
    assert len(result.output) <= wire.OUTPUT_KEEP


def test_monkeypatching_torch_changes_no_comparison(graded):
    preamble = "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
    result = graded({"mse_loss": "return ((y_pred - y_true) ** 2).sum()"}, {"linear_regression": preamble})
    assert points_lost(result) == {"mse_loss", "train"}


def test_an_object_that_equals_anything_is_not_a_tensor(graded):
    liar = """
        class AlwaysEqual:
            def __eq__(self, other):
                return True
            def __float__(self):
                return 7.0
        return AlwaysEqual()
    """
    result = graded({"quadratic_grad": liar})
    assert points_lost(result) == {"quadratic_grad"}
    assert messages(result, "quadratic_grad") == {"not_a_tensor"}


def test_a_tensor_subclass_is_not_a_tensor(graded):
    subclass = """
        class Sly(torch.Tensor):
            def __eq__(self, other):
                return True
        return (2 * x + 3).as_subclass(Sly)
    """
    result = graded({"quadratic_grad_by_hand": subclass})
    assert points_lost(result) == {"quadratic_grad_by_hand"}
    assert messages(result, "quadratic_grad_by_hand") == {"not_a_tensor"}


@needs_bubblewrap
def test_the_solutions_cannot_be_read(graded):
    # (no exec: running code from a string is refused on the source by itself)
    thief = f"""
        answer = open({str(ROOT / "solutions" / "autograd_basics.py")!r}).read()
        return torch.as_tensor(2 * x + 3.0) if "def quadratic_grad" in answer else None
    """
    result = graded({"quadratic_grad": thief})
    assert points_lost(result) == {"quadratic_grad"}
    assert messages(result, "quadratic_grad") == {"raised"}


@needs_bubblewrap
def test_the_network_cannot_be_reached(graded):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    caller = f"""
        import socket
        socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
        return 2 * x + 3
    """
    try:
        result = graded({"quadratic_grad_by_hand": caller})
    finally:
        listener.close()
    assert points_lost(result) == {"quadratic_grad_by_hand"}
    assert messages(result, "quadratic_grad_by_hand") == {"raised"}


@needs_bubblewrap
def test_the_solutions_cannot_be_imported(graded):
    result = graded(preambles={"linear_regression": "from solutions.linear_regression import *\n"})
    assert points_lost(result) == set(API["linear_regression"])


def test_a_process_left_behind_is_killed(graded):
    escapee = """
        if os.fork() == 0:
            os.setsid()
            os.execvp("sleep", ["sleep", "31337"])
        return 2 * x + 3
    """
    graded({"quadratic_grad_by_hand": escapee}, {"autograd_basics": "import os\n"})
    assert not sleepers(), "a process started by the submission outlived its check"


def sleepers() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"31337" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_the_fallback_without_bubblewrap_still_isolates(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_ISOLATION", "process")
    folder = write_submission(tmp_path / "s", {"predict": "while True:\n    pass"})
    with Sandbox(limits=TEST_LIMITS) as fallback:
        result = grade(folder, hidden=False, seed=SEED, sandbox=fallback)
    assert "process_isolation" in {notice.message for notice in result.notices}
    assert points_lost(result) == {"predict", "train"}


def test_a_worker_killed_from_outside_costs_the_student_nothing(tmp_path):
    folder = write_submission(tmp_path / "s")
    with Sandbox(limits=TEST_LIMITS) as sandbox:
        os.killpg(sandbox.zygote.process.pid, signal.SIGKILL)
        result = grade(folder, hidden=False, seed=SEED, sandbox=sandbox)
    assert all(r.status is Status.PASS for r in result.results)  # graded again, in a fresh worker


def test_a_syntax_error_costs_its_module_only(graded):
    result = graded(preambles={"linear_regression": "def broken(:\n"})
    assert points_lost(result) == set(API["linear_regression"])
    assert messages(result, "predict") == {"syntax_error"}  # at the line, in every function of that module


def test_a_missing_function_costs_that_function_only(tmp_path, sandbox):
    folder = write_submission(tmp_path / "s")
    source = (folder / "autograd_basics.py").read_text()
    (folder / "autograd_basics.py").write_text(source.replace("def chain_rule_grads(", "def chain_rule(", 1))
    result = grade(folder, hidden=True, seed=SEED, sandbox=sandbox)
    assert points_lost(result) == {"chain_rule_grads"}
    assert messages(result, "chain_rule_grads") == {"missing_function"}


def test_a_missing_module_costs_its_functions_only(tmp_path, sandbox):
    folder = write_submission(tmp_path / "s")
    (folder / "linear_regression.py").unlink()
    result = grade(folder, hidden=True, seed=SEED, sandbox=sandbox)
    assert points_lost(result) == set(API["linear_regression"])
    assert messages(result, "train") == {"missing_module"}


def test_a_forged_end_of_job_changes_nothing(graded):
    forger = """
        for fd in range(3, 64):
            try:
                os.write(fd, frame({"event": "end", "reason": None, "printed": 0}))
            except OSError:
                pass
        error = w * x + b - y
        return 2 * (error * x).mean(), 2 * error.mean()
    """
    result = graded({"mse_grads": forger}, {"linear_regression": FRAME_WRITER})
    assert points_lost(result) == set()  # every check ran and was judged


def test_a_judge_that_raises_is_a_grader_error_kept_for_the_instructor(tmp_path, sandbox, monkeypatch):
    from dataclasses import replace

    from grader.lessons.autograd.checks import public
    from grader.report.gradescope import gradescope_results

    def broken(check, got, expected, inputs):
        raise KeyError("a bug in the grader")

    monkeypatch.setattr(public, "PUBLIC", [replace(c, judge=broken) if c.function == "predict" else c
                                           for c in public.PUBLIC])
    result = grade(write_submission(tmp_path / "s"), hidden=False, seed=SEED, sandbox=sandbox)
    predict = [r for r in result.results if r.function == "predict"]
    assert {r.status for r in predict} == {Status.ERROR} and predict[0].feedback.message == "grader_error"
    test = next(t for t in gradescope_results(result, "en")["tests"] if t["name"].startswith("predict"))
    assert "KeyError: 'a bug in the grader'" in test["extra_data"]["debug"]
    assert "a bug in the grader" not in test["output"]  # the student reads that the grader failed, not its trace
