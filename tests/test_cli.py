"""The command line, run as students and instructors run it: a real subprocess."""

import json
import subprocess
import sys

import pytest

from grader.lesson import FUNCTIONS
from tests.conftest import ROOT, write_submission

pytestmark = pytest.mark.sandbox


def grader(*arguments: str, lang: str = "en") -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    command = [sys.executable, "-m", "grader", *arguments, "--lang", lang] if arguments[0] == "check" else [
        sys.executable, "-m", "grader", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=environment, timeout=300)


def test_the_solutions_get_full_marks_with_hidden_checks_and_exit_0(tmp_path):
    results = tmp_path / "results.json"
    run = grader("check", "solutions", "--hidden", "--seed", "7", "--json", str(results))
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(results.read_text())
    assert report["score"] == report["max_score"] > 0
    assert {"score", "max_score", "execution_time", "tests"} <= set(report)
    for test in report["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["name"].split(":")[0] in FUNCTIONS
        assert test["status"] == "passed"
    assert {t["visibility"] for t in report["tests"]} == {"visible", "after_published"}


def test_the_stubs_get_zero_with_friendly_messages_and_exit_1():
    run = grader("check")
    assert run.returncode == 1
    assert run.stdout.count("not implemented yet") == len(FUNCTIONS)
    assert "Traceback" not in run.stdout + run.stderr
    assert "0/30" in run.stdout


def test_feedback_speaks_chinese():
    run = grader("check", "--only", "sgd_step", lang="zh")
    assert "尚未实现" in run.stdout and "提示" in run.stdout


def test_only_grades_one_function(tmp_path):
    submission = str(write_submission(tmp_path / "s"))
    run = grader("check", submission, "--only", "mse_loss", "--json", str(tmp_path / "r.json"))
    assert run.returncode == 0
    names = {t["name"].split(":")[0] for t in json.loads((tmp_path / "r.json").read_text())["tests"]}
    assert names == {"mse_loss"}


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (("check", "no/such/folder"), "is not a folder"),
        (("check", "tests"), "holds neither"),
        (("check", "solutions", "--json", "no/such/dir/r.json"), "does not exist"),
        (("check", "--only", "backprop"), "invalid choice"),
        (("grade",), "invalid choice"),
    ],
)
def test_a_usage_error_is_one_sentence_and_exit_2(arguments, said):
    run = grader(*arguments)
    assert run.returncode == 2
    assert said in run.stderr
    assert "Traceback" not in run.stderr


def test_the_same_seed_replays_the_same_hidden_inputs(tmp_path):
    reports = []
    for name in ("a.json", "b.json"):
        submission = write_submission(tmp_path / "s", {"mse_loss": "return ((y_pred - y_true) ** 2).sum()"})
        grader("check", str(submission), "--hidden", "--seed", "99", "--json", str(tmp_path / name))
        reports.append(json.loads((tmp_path / name).read_text())["tests"])
    assert [t["output"] for t in reports[0]] == [t["output"] for t in reports[1]]
