"""The command line, run as students and instructors run it: a real subprocess."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.lessons.autograd import FUNCTIONS
from tests.conftest import ROOT, write_submission

pytestmark = pytest.mark.sandbox


def grader(*arguments: str, lang: str = "en", cwd: Path = ROOT, locale: str = "C.UTF-8") -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "LANG": locale, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    command = [sys.executable, "-m", "grader", *arguments, "--lang", lang] if arguments[0] == "check" else [
        sys.executable, "-m", "grader", *arguments]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment, timeout=300)


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
        (("check", "no/such/folder"), "is not a folder here"),
        (("check", "tests"), "holds neither"),
        (("check", "solutions", "--json", "no/such/dir/r.json"), "does not exist"),
        (("check", "--only", "backprop"), "--only cannot be 'backprop': choose one of 'quadratic_grad'"),
        (("grade",), "command cannot be 'grade'"),
        (("hint", "--level", "x"), "--level takes a whole number, not 'x'"),
        (("batch",), "these arguments are missing: submissions, --out"),
    ],
)
def test_a_usage_error_is_one_sentence_and_exit_2(arguments, said):
    run = grader(*arguments)
    assert run.returncode == 2
    assert said in run.stderr and run.stderr.startswith("error: ") and len(run.stderr.splitlines()) == 1
    assert "Traceback" not in run.stderr and "usage:" not in run.stderr


@pytest.mark.parametrize(
    ("arguments", "locale", "said"),
    [
        (("check", "--only", "backprop"), "C.UTF-8", "错误:--only 不能是 'backprop':请从"),
        (("hint", "--level", "5", "--lang", "zh"), "C.UTF-8", "错误:--level 不能是 5"),
        (("hint", "quadratic_grad", "--lang=zh", "--levle", "2"), "C.UTF-8", "错误:无法识别这些参数:--levle 2"),
        (("merge",), "zh_CN.UTF-8", "错误:缺少这些参数:DIR"),
        (("check", "no/such/folder"), "C.UTF-8", "找不到文件夹 no/such/folder"),
        (("check", "tests"), "C.UTF-8", "tests 中既没有 autograd_basics.py"),
    ],
)
def test_a_usage_error_speaks_the_students_language(arguments, locale, said):
    run = grader(*arguments, lang="zh", locale=locale)
    assert run.returncode == 2 and said in run.stderr and len(run.stderr.splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr and "usage" not in run.stderr and "error:" not in run.stderr


def test_run_from_inside_exercises_the_files_are_found(tmp_path):
    inside = shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    run = grader("hint", "--lang", "en", cwd=inside)
    assert run.returncode == 0 and run.stdout.startswith("Hint 1/3 for quadratic_grad:"), run.stderr


def test_files_one_folder_down_are_found_and_named(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "homework" / "my work")
    run = grader("hint", "--path", "homework", "--lang", "en", cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.startswith("Hint 1/3 for quadratic_grad:"), run.stderr
    assert run.stderr.strip() == "grading the files in homework/my work"


def test_where_nothing_is_found_it_says_where_to_run_it(tmp_path):
    for folder in ("one", "two"):
        shutil.copytree(ROOT / "exercises", tmp_path / folder)
    run = grader("hint", "--lang", "en", cwd=tmp_path)
    assert run.returncode == 2 and "these folders below it do: one, two" in run.stderr
    assert "python -m grader hint one" in run.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    run = grader("hint", "--lang", "en", cwd=empty)
    assert run.returncode == 2 and f"{empty} holds neither autograd_basics.py / linear_regression.py" in run.stderr
    assert "run the command in the folder that holds your exercises folder" in run.stderr


def test_the_same_seed_replays_the_same_hidden_inputs(tmp_path):
    reports = []
    for name in ("a.json", "b.json"):
        submission = write_submission(tmp_path / "s", {"mse_loss": "return ((y_pred - y_true) ** 2).sum()"})
        grader("check", str(submission), "--hidden", "--seed", "99", "--json", str(tmp_path / name))
        reports.append(json.loads((tmp_path / name).read_text())["tests"])
    assert [t["output"] for t in reports[0]] == [t["output"] for t in reports[1]]


@pytest.mark.parametrize(("lang", "sentence"), [
    ("en", "error: --call-seconds must be more than 0 and at most 3600 seconds."),
    ("zh", "错误:--call-seconds 必须大于 0 秒,且不超过 3600 秒。")])
def test_a_call_limit_out_of_range_is_one_sentence_in_the_users_language(lang, sentence, tmp_path):
    for run in (grader("check", "--call-seconds", "0", lang=lang),
                grader("batch", str(tmp_path), "--out", str(tmp_path / "out"), "--call-seconds", "-1", "--lang", lang)):
        assert run.returncode == 2 and run.stderr.strip().splitlines() == [sentence], run.stderr
