"""A grade never depends on how busy the machine is: a call's limit is its own CPU time (with
a wall-clock backstop several times larger for code that sleeps), so the same hand-ins graded
idle and beside CPU hogs come out the same, check by check, at every isolation level."""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from grader.grade import grade
from grader.sandbox.host import Limits, Sandbox
from tests.conftest import SEED, write_submission
from tests.corpus import MISTAKES

pytestmark = pytest.mark.sandbox
HOGS = 4  # twice this machine's cores
HAND_INS = {
    "correct": {},
    "slow but right: a step per sample": MISTAKES["train takes a step per sample"].bodies,
    "an endless loop": {"predict": "while True:\n    pass"},
}


@contextmanager
def cpu_hogs(count: int) -> Iterator[None]:
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def every_check(folder: Path, sandbox: Sandbox) -> list[tuple]:
    result = grade(folder, hidden=True, seed=SEED, sandbox=sandbox)
    return [(r.name, r.status, r.score, r.feedback and r.feedback.message, r.feedback and r.feedback.misconception)
            for r in result.results]


@pytest.mark.parametrize("level", ["process", "portable"])
def test_the_same_hand_ins_grade_the_same_idle_and_beside_cpu_hogs(tmp_path, monkeypatch, level):
    monkeypatch.setenv("GRADER_ISOLATION", level)
    folders = {name: write_submission(tmp_path / str(n), bodies) for n, (name, bodies) in enumerate(HAND_INS.items())}
    with Sandbox(limits=Limits(call_seconds=5.0, job_seconds=600.0)) as sandbox:
        idle = {name: every_check(folder, sandbox) for name, folder in folders.items()}
        with cpu_hogs(HOGS):
            loaded = {name: every_check(folder, sandbox) for name, folder in folders.items()}
    assert loaded == idle
    assert all(score > 0 for _, _, score, _, _ in idle["correct"])
    train = [check for check in idle["slow but right: a step per sample"] if check[0].startswith("train:")]
    assert {misconception for *_, misconception in train} >= {"step_per_sample"}  # named, not timed out
    assert "timeout" in {message for _, _, _, message, _ in idle["an endless loop"]}


def test_code_that_sleeps_is_stopped_by_the_wall_clock_backstop(tmp_path):
    folder = write_submission(tmp_path / "sleeper", {"mse_grads": "import time\ntime.sleep(3600)"})
    with Sandbox(limits=Limits(call_seconds=0.5, job_seconds=600.0)) as sandbox:
        result = grade(folder, hidden=False, seed=SEED, sandbox=sandbox)
    stopped = {r.function for r in result.results if r.feedback and r.feedback.message == "timeout"}
    assert stopped == {"mse_grads"}


def test_the_batch_takes_the_call_limit_it_is_given(tmp_path):
    write_submission(tmp_path / "class" / "looper", {"quadratic_grad": "while True:\n    pass"})
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out", str(out),
                          "--call-seconds", "0.5", "--workers", "1", "--lang", "en"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode in (0, 1), run.stderr
    tests = json.loads(next(out.rglob("results.json")).read_text("utf-8"))["tests"]
    timed_out = {test["name"].split(":")[0] for test in tests if "0.5 s of CPU time" in test["output"]}
    assert timed_out == {"quadratic_grad"}
