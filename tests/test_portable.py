"""Where students work: the student's commands on Windows and macOS, at the portable isolation
level. Here, on Linux, under stand-ins for those systems (tests/platforms/*/sitecustomize.py
takes away what only Linux, or only POSIX, has); on GitHub's windows-latest and macos-latest
runners (.github/workflows/ci.yml), on the real systems, natively (`-m student_side`)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.messages import explain
from grader.sandbox.child.host_os import zygote_possible
from tests.conftest import ROOT, write_submission
from tests.test_student_loop import needs_tmux, screen, wait_for, watcher

pytestmark = [pytest.mark.student_side, pytest.mark.sandbox]
PLATFORMS = ROOT / "tests" / "platforms"
# On Linux, the stand-ins; on a real Windows or macOS, the system itself.
SYSTEMS = ["macos", "windows"] if sys.platform.startswith("linux") else ["native"]
FUNCTION_TIMEOUT = 600


@pytest.fixture(params=SYSTEMS)
def system(request: pytest.FixtureRequest) -> str:
    return request.param


def simulated(system: str) -> dict[str, str]:
    """The environment of a student's command on `system`."""
    environment = {**os.environ, "GRADER_LANG": "en", "LANG": "C.UTF-8"}
    environment.pop("GRADER_ISOLATION", None)
    if system != "native":
        environment["PYTHONPATH"] = str(PLATFORMS / system)
    return environment


def student(system: str, *arguments: str, encoding: str = "utf-8", cwd: Path = ROOT) -> subprocess.CompletedProcess:
    environment = simulated(system) | {"PYTHONIOENCODING": encoding}
    if system != "native":
        environment["PYTHONPATH"] += os.pathsep + str(ROOT)
    return subprocess.run([sys.executable, "-m", *arguments], cwd=cwd, env=environment, capture_output=True,
                          timeout=FUNCTION_TIMEOUT)


def points(results: Path) -> dict[str, tuple[float, float]]:
    """function: (score, max_score), from check --json's results.json."""
    totals: dict[str, tuple[float, float]] = {}
    for test in json.loads(results.read_text("utf-8"))["tests"]:
        function = test["name"].split(":")[0]
        got, worth = totals.get(function, (0.0, 0.0))
        totals[function] = (got + test["score"], worth + test["max_score"])
    return totals


def feedback_of(results: Path, function: str) -> str:
    tests = json.loads(results.read_text("utf-8"))["tests"]
    return "\n".join(test["output"] for test in tests if test["name"].startswith(f"{function}:"))


def test_the_stand_ins_take_away_what_those_systems_lack(system):
    if system == "native":
        pytest.skip("on the real system: nothing is simulated")
    probe = ("import os, ctypes; from grader.sandbox.child.host_os import zygote_possible; "
             "print(hasattr(os, 'splice'), hasattr(os, 'fork'), zygote_possible())")
    found = subprocess.run([sys.executable, "-c", probe], env=simulated(system) | {"PYTHONPATH": os.pathsep.join(
        [str(PLATFORMS / system), str(ROOT)])}, capture_output=True, text=True, check=True).stdout.split(" ", 2)
    assert found[0] == "False"  # no os.splice on either
    assert found[1] == ("False" if system == "windows" else "True")
    assert found[2].startswith("this system has no")


def test_the_solutions_get_full_marks_and_the_student_is_told_it_is_a_self_check(system, tmp_path):
    results = tmp_path / "results.json"
    run = student(system, "grader", "check", "solutions", "--json", str(results))
    printed = run.stdout.decode()
    assert run.returncode == 0, printed + run.stderr.decode()
    assert all(got == worth for got, worth in points(results).values())
    assert printed.count("self-check mode") == 1
    for instructors_only in ("bubblewrap", "Threat model", "portable isolation", "own_uid"):
        assert instructors_only not in printed


def test_a_hostile_and_wrong_hand_in_loses_exactly_its_functions_points(system, tmp_path):
    """An endless loop, a flood of output, os._exit and a segfault each cost only their own
    function, contained by the worker's replacement; a wrong answer names its misconception."""
    folder = write_submission(tmp_path / "hand-in", {
        "quadratic_grad": "while True:\n    pass",
        "chain_rule_grads": "return torch.tensor(12.0), torch.tensor(13.0)",
        "quadratic_grad_by_hand": "import os\nos._exit(0)",
        "mse_grads": "import faulthandler\nfaulthandler._sigsegv()",
        "plot_fit": "print('flood ' * 2**20)",
    })
    results = tmp_path / "results.json"
    run = student(system, "grader", "check", str(folder), "--json", str(results))
    assert run.returncode == 1 and b"Traceback" not in run.stderr, run.stderr.decode()
    lost = {function for function, (got, worth) in points(results).items() if got < worth}
    assert lost == {"quadratic_grad", "chain_rule_grads", "quadratic_grad_by_hand", "mse_grads", "plot_fit"}
    assert "did not finish within" in feedback_of(results, "quadratic_grad")
    assert explain("tutorial_13", "en") in feedback_of(results, "chain_rule_grads")
    assert "exited before returning" in feedback_of(results, "quadratic_grad_by_hand")
    crash = feedback_of(results, "mse_grads")  # Windows' CRT ends a process raising SIGSEGV with an exit code
    assert "crashed" in crash or (sys.platform == "win32" and "exited" in crash)
    assert "printed more than" in feedback_of(results, "plot_fit")
    assert len(run.stdout) < 200_000  # the flood reached neither the table nor the terminal whole


def test_the_stubs_exit_1_and_every_student_command_runs_without_a_traceback(system, tmp_path):
    page, results = tmp_path / "page.html", tmp_path / "results.json"
    commands = [
        (["grader", "check", "exercises"], 1),
        (["grader", "check", "exercises", "--only", "predict", "--html", str(page), "--json", str(results)], 1),
        (["grader", "hint"], 0),
        (["grader", "hint", "mse_loss", "--level", "2"], 0),
        (["grader", "check", "no-such-folder"], 2),
    ]
    for arguments, code in commands:
        run = student(system, *arguments)
        assert run.returncode == code and b"Traceback" not in run.stderr + run.stdout, (arguments, run.stderr)
    assert "predict" in page.read_text("utf-8") and points(results) == {"predict": (0.0, 3.0)}


def test_a_chinese_windows_console_prints_every_character(system, tmp_path):
    """Code page 936 (GBK) lacks ✓ and ²: they come out as near equivalents, the Chinese as Chinese."""
    folder = write_submission(tmp_path / "王芳 的 作业", {"predict": "print('预测 ✓ x²')\nreturn w * x + b"})
    run = student(system, "grader", "check", str(folder), "--lang", "zh", encoding="cp936")
    printed = run.stdout.decode("cp936")
    assert run.returncode == 0 and b"Traceback" not in run.stderr, run.stderr.decode("cp936", "replace")
    assert "总分" in printed and "预测 v x^2" in printed


def test_the_pytest_plugin_grades_through_the_portable_worker(system, tmp_path):
    run = student(system, "pytest", "-p", "no:cacheprovider", "--submission", str(ROOT / "solutions"), "-q",
                  cwd=tmp_path)
    assert run.returncode == 0, run.stdout.decode()[-3000:]
    assert b" passed" in run.stdout and b"failed" not in run.stdout


def test_the_student_packages_build_where_students_work(system, tmp_path):
    for arguments in (["grader", "dist", "student", str(tmp_path / "kit.zip")],
                      ["grader", "dist", "student-wheel", str(tmp_path / "wheel")]):
        run = student(system, *arguments)
        assert run.returncode == 0 and b"Traceback" not in run.stderr, run.stderr.decode()
    assert (tmp_path / "kit.zip").stat().st_size > 0 and list((tmp_path / "wheel").glob("*.whl"))


def test_official_grading_refuses_the_portable_level_unless_named(system, tmp_path):
    (tmp_path / "class" / "alice").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "autograd_basics.py", tmp_path / "class" / "alice")
    run = student(system, "grader", "batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"))
    if system == "native" and not zygote_possible():
        pytest.skip("this system runs the zygote: the batch is not refused")
    assert run.returncode == 2 and b"--isolation portable" in run.stderr and b"Traceback" not in run.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


@needs_tmux
def test_watch_regrades_on_save_and_stops_on_ctrl_c(system, tmp_path):
    if system == "native":
        pytest.skip("tmux drives the watcher on Linux only")
    with watcher(tmp_path, pythonpath=f"{PLATFORMS / system}{os.pathsep}{ROOT}") as (session, work):
        wait_for(session, "0/10 functions done", 180)
        assert "self-check mode" in screen(session) and "bubblewrap" not in screen(session)
        shutil.copy(ROOT / "solutions" / "autograd_basics.py", work / "autograd_basics.py")
        wait_for(session, "3/10 functions done", 180)
        if system == "macos":  # the stand-in keeps termios: the keys work (Windows' msvcrt is not on Linux)
            assert "Points" not in screen(session)
            subprocess.run(["tmux", "send-keys", "-t", session, "l"], check=True)
            wait_for(session, "Points", 60)  # the list's header
        shutil.copy(ROOT / "solutions" / "linear_regression.py", work / "linear_regression.py")
        wait_for(session, "All functions done", 180)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-c"], check=True)
        wait_for(session, "EXITED 0", 60)


def test_the_notebooks_check_cells_run_where_students_work(system):
    """What an autograded cell of the nbgrader course runs, in the student's own kernel: the
    checks pass on the reference's functions and fail, with feedback, on a wrong one."""
    cell = ("import runpy, torch\n"
            "from grader.frontends.notebook import check\n"
            "from grader.lessons.autograd.checks import collect\n"
            f"namespace = runpy.run_path({str(ROOT / 'solutions' / 'autograd_basics.py')!r})\n"
            "claims = [c.claim for c in collect(hidden=False) if c.function == 'quadratic_grad']\n"
            "for claim in claims:\n"
            "    check('quadratic_grad', claim, namespace)\n"
            "namespace['quadratic_grad'] = lambda x: torch.tensor(8.0)\n"
            "try:\n"
            "    check('quadratic_grad', claims[0], namespace)\n"
            "except AssertionError as failed:\n"
            "    print('FAILED', failed)\n")
    paths = [*([str(PLATFORMS / system)] if system != "native" else []), str(ROOT)]
    run = subprocess.run([sys.executable, "-c", cell], cwd=ROOT, env=simulated(system) | {
        "PYTHONPATH": os.pathsep.join(paths)}, capture_output=True, text=True, timeout=FUNCTION_TIMEOUT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("✓ quadratic_grad") >= 1 and "FAILED quadratic_grad" in run.stdout
