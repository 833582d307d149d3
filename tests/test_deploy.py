"""The deploy targets, run as the platforms run them: the README's own commands build a
Gradescope autograder, a PrairieLearn question and the student wheel; then the real
run_autograder and run.sh grade a correct, a wrong and a hostile submission, as root, with
bubblewrap blocked as Docker blocks it, and the results must be the grader's own and right.

The layouts (/autograder, /grade) are folders of the test's own, named to the scripts by
AUTOGRADER_ROOT and GRADE_ROOT, their only difference from the platforms': a bind mount
onto the real paths would need a mount namespace (root, and no other run on this machine
using them at the same time), and these tests run beside others'. What setup.sh (or the
image) installs is this test's own environment, linked in as the layout's venv.
"""

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.instructor.deploy import Options
from grader.instructor.deploy.gradescope import graded as gradescope_results_of
from grader.lessons.autograd import API
from grader.lessons.autograd.checks import collect
from grader.messages import LANGUAGES, claim
from grader.results import CheckResult, Feedback, Grade, Status
from tests.conftest import ROOT, write_submission
from tests.corpus import MISTAKES
from tests.test_readme import blocks_tested_by

pytestmark = pytest.mark.sandbox
# what bwrap says in Docker's default seccomp profile, where it cannot make a namespace
DOCKER_BWRAP = "#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not permitted' >&2\nexit 1\n"
MAX_SCORE = sum(check.points for check in collect(hidden=True))
PUBLIC = collect(hidden=False)
HIDDEN = [check for check in collect(hidden=True) if check.hidden]
WRONG = MISTAKES["sgd_step rebinds p"]
# Right at the tutorial's x = 2 only: the public check passes, the hidden ones (random points) fail.
HARD_CODED = {"quadratic_grad": """
    x = torch.as_tensor(x, dtype=torch.float32).detach().requires_grad_(True)
    y = x**2 + 3 * x + 1
    y.backward()
    return torch.tensor(7.0)
"""}
FORGED = "FORGED"
# A submission that, at import, hunts for the reference (and would run it, passing every
# check), tries to change it, forges results.json, and forges it again at exit.
HOSTILE = '''
import atexit, glob, json, os, sys

LAYOUT = {layout!r}
FORGERY = {{"score": 1000, "max_score": 1, "gradable": True, "output": "{forged}", "tests": []}}

def forge():
    target = os.path.join(LAYOUT, "results", "results.json")
    try:
        with open(target, "w") as results:
            json.dump(FORGERY, results)
    except OSError:
        pass

def hunt():
    places = [LAYOUT, sys.prefix, "/autograder", "/grade"]
    for place in places:
        for path in glob.glob(os.path.join(place, "**", "{module}.py"), recursive=True):
            try:
                with open(path) as file:
                    text = file.read()
                with open(path, "a") as file:
                    file.write("\\nraise SystemExit('{forged}')\\n")
            except OSError:
                continue
            if "BEGIN SOLUTION" in text:
                print(text)
                return text
    return ""

forge()
atexit.register(forge)
'''
HOSTILE_TAIL = '''
exec(hunt(), globals())
'''


def environment(extra: dict[str, str], fake_bin: Path) -> dict[str, str]:
    """As the platform runs the scripts: no PYTHONPATH, no GRADER_ settings, bwrap blocked."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "LC_")) and k != "PYTHONPATH"}
    return {**kept, "LANG": "en_US.UTF-8", "PATH": f"{fake_bin}{os.pathsep}{Path(sys.executable).parent}"
            f"{os.pathsep}{os.environ['PATH']}", **extra}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The README's commands, run in a folder of their own."""
    folder = tmp_path_factory.mktemp("built")
    fake_bin = folder / "bin"
    fake_bin.mkdir()
    (fake_bin / "bwrap").write_text(DOCKER_BWRAP)
    (fake_bin / "bwrap").chmod(0o755)
    instructor = {**environment({}, fake_bin), "PYTHONPATH": str(ROOT)}
    for block in blocks_tested_by("tests/test_deploy.py"):
        done = subprocess.run(["bash", "-ec", block], cwd=folder, env=instructor, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"{block}\n{done.stdout}{done.stderr}"
    return folder


@pytest.fixture
def layout() -> Iterator[Path]:
    """A fresh platform root, in /tmp itself: the way to it is searchable, as on the platforms."""
    root = Path(tempfile.mkdtemp(prefix="grader-layout-"))
    try:
        yield root
    finally:
        shutil.rmtree(root)


def hostile(folder: Path, layout: Path) -> Path:
    folder.mkdir(parents=True)
    for module, functions in API.items():
        stubs = "".join(f"\ndef {f}(*args, **kwargs):\n    raise NotImplementedError\n" for f in functions)
        code = HOSTILE.format(layout=str(layout), module=module, forged=FORGED) + stubs + HOSTILE_TAIL
        (folder / f"{module}.py").write_text(textwrap.dedent(code), "utf-8")
    return folder


def digests(kit: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(kit.rglob("*.py"))}


def run_script(script: Path, variable: str, root: Path, built: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(script)], cwd=root, env=environment({variable: str(root)}, built / "bin"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done


def assert_hardened(printed: str) -> None:
    """The grader fell back from the blocked bubblewrap, and the children still have
    Landlock and seccomp (a uid of their own too, where the interpreter is not under /root)."""
    assert "no bubblewrap (bwrap: Creating new namespace failed: Operation not permitted)" in printed
    assert "(landlock)" not in printed and "(seccomp)" not in printed


# Gradescope


def gradescope(built: Path, root: Path, submission: Path) -> tuple[dict, str]:
    """Gradescope's layout: the zip in source/, run_autograder copied beside it, the hand-in
    in submission/ (here a folder down, as a zip or a repository gives it), its metadata."""
    with zipfile.ZipFile(built / "autograder.zip") as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "venv").symlink_to(sys.prefix)
    shutil.copytree(submission, root / "submission" / "my-work")
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "users": [{"name": "A Student"}]}))
    (root / "results").mkdir()
    before = digests(root / "source")
    done = run_script(root / "run_autograder", "AUTOGRADER_ROOT", root, built)
    assert digests(root / "source") == before, "the kit changed while grading"
    return json.loads((root / "results" / "results.json").read_text()), done.stdout


def test_the_autograder_zip_follows_gradescopes_specification(built):
    with zipfile.ZipFile(built / "autograder.zip") as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        options = json.loads(archive.read("deploy.json"))
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "requirements.txt", "solutions/linear_regression.py"} <= set(names)
    assert all(modes[name] & stat.S_IXUSR for name in ("setup.sh", "run_autograder"))
    assert "grader/lessons/autograd/checks/hidden.py" in names
    assert not any(n.startswith(("tests/", "exercises/")) for n in names)
    assert options == {"lang": "en", "seed": 2026, "time_limit": 120, "call_seconds": 5.0,
                       "hidden_visibility": "after_published", "leaderboard": False}
    assert '"torch==2.13.0"' in setup and "download.pytorch.org/whl/cpu" in setup


def test_the_hostile_submission_finds_the_reference_and_forges_the_results_without_the_sandbox(built, layout,
                                                                                               tmp_path):
    """The attack is real: run as a plain process in the same layout, it succeeds."""
    with zipfile.ZipFile(built / "autograder.zip") as archive:
        archive.extractall(layout / "source")
    (layout / "results").mkdir()
    attacker = hostile(tmp_path / "hostile", layout) / "linear_regression.py"
    done = subprocess.run([sys.executable, str(attacker)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "BEGIN SOLUTION" in done.stdout
    assert json.loads((layout / "results" / "results.json").read_text())["output"] == FORGED
    assert FORGED in (layout / "source" / "solutions" / "linear_regression.py").read_text()


def test_gradescope_grades_a_correct_submission_with_every_check(built, layout, tmp_path):
    results, printed = gradescope(built, layout, write_submission(tmp_path / "correct"))
    assert results["score"] == results["max_score"] == MAX_SCORE
    assert results["stdout_visibility"] == "hidden" and results["execution_time"] > 0
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}
    assert "Public checks: 30/30" in results["output"] and "bubblewrap" not in results["output"]
    assert f"{len(HIDDEN)} hidden checks also ran" in results["output"]
    assert_hardened(printed)


def test_gradescope_grades_a_wrong_submission_down_and_says_why(built, layout, tmp_path):
    results, _ = gradescope(built, layout, write_submission(tmp_path / "wrong", WRONG.bodies))
    lost = {t["name"].split(":")[0] for t in results["tests"] if t["score"] < t["max_score"]}
    assert lost == WRONG.loses and 0 < results["score"] < MAX_SCORE
    assert "in place" in results["output"]


def test_a_hostile_submission_neither_reads_the_reference_nor_forges_gradescopes_results(built, layout, tmp_path):
    results, printed = gradescope(built, layout, hostile(tmp_path / "hostile", layout))
    assert results["score"] == 0 and results["max_score"] == MAX_SCORE and len(results["tests"]) >= len(PUBLIC + HIDDEN)
    assert FORGED not in json.dumps(results) and "BEGIN SOLUTION" not in json.dumps(results)
    assert "not implemented yet" in results["output"]
    assert_hardened(printed)


def hidden_texts(results: dict) -> list[str]:
    """What would tell a student about the hidden checks: their claims in every language, and
    each hidden test's feedback."""
    claims = [claim(check.claim, lang) for check in HIDDEN for lang in LANGUAGES]
    return claims + [t["output"] for t in results.get("tests", ()) if t.get("visibility", "visible") != "visible"
                     and t["output"]]


def test_before_publication_gradescope_shows_no_hidden_checks_name_feedback_or_points(built, layout, tmp_path):
    results, printed = gradescope(built, layout, write_submission(tmp_path / "hard-coded", HARD_CODED))
    hidden = [t for t in results["tests"] if t["visibility"] != "visible"]
    assert len(hidden) >= len(HIDDEN) and {t["visibility"] for t in hidden} == {"after_published"}
    assert any(t["score"] < t["max_score"] for t in hidden) and "random points" in printed  # the instructor's log
    leaked = [text for text in hidden_texts(results) if text in results["output"]]
    assert not leaked and "quadratic_grad: 2/2: all checks passed" in results["output"]
    assert "Public checks: 30/30" in results["output"] and f"{len(HIDDEN)} hidden checks also ran" in results["output"]
    assert results["score"] < MAX_SCORE  # the hidden checks count: Gradescope keeps the total from students


@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "visible"])
def test_the_hidden_checks_keep_the_visibility_asked_for_and_stay_out_of_the_output(visibility):
    secret = "SECRET expected tensor(8.823)"
    results = [CheckResult("predict", PUBLIC[3].claim, "cpu", False, 2.0, 2.0, Status.PASS),
               CheckResult("predict", HIDDEN[4].claim, "cpu", True, 2.0, 0.0, Status.FAIL, Feedback(
                   "raised", {"type": "ValueError", "message": secret}))]
    grade = Grade(results, "printed on a hidden input\n", seed=5, devices=["cpu"], seconds=1.0)
    written = gradescope_results_of(grade, Options("en", 5, hidden_visibility=visibility, leaderboard=True))
    assert [t["visibility"] for t in written["tests"]] == ["visible", visibility]
    assert secret in written["tests"][1]["output"] and HIDDEN[4].claim in written["tests"][1]["name"]
    for text in (secret, HIDDEN[4].claim, "printed on a hidden input", "0/2", "2/4"):
        assert text not in written["output"], text
    assert "Public checks: 2/2" in written["output"] and "1 hidden checks also ran" in written["output"]
    assert written["leaderboard"][0]["value"] == 2  # the leaderboard is public at once: public points only


# opt-in: a 1 GB environment, and pip's own configuration must hold torch==2.13.0 (on PyPI it is a CUDA build)
@pytest.mark.skipif(os.environ.get("GRADER_TEST_SETUP") != "1", reason="GRADER_TEST_SETUP=1 runs setup.sh for real")
def test_setup_sh_builds_an_environment_that_grades_with_every_defence(built, layout, tmp_path):
    with zipfile.ZipFile(built / "autograder.zip") as archive:
        archive.extractall(layout / "source")
    shutil.copy(layout / "source" / "run_autograder", layout / "run_autograder")
    (layout / "run_autograder").chmod(0o755)
    system = {"PATH": "/usr/bin:/bin", "AUTOGRADER_ROOT": str(layout), "TORCH_INDEX_URL": ""}  # the image's python3
    setup = subprocess.run(["bash", str(layout / "source" / "setup.sh")], env=system, capture_output=True, text=True,
                           timeout=1200)
    assert setup.returncode == 0, setup.stderr[-3000:]
    shutil.copytree(write_submission(tmp_path / "correct"), layout / "submission")
    graded = subprocess.run([str(layout / "run_autograder")], env={**system, "PATH": f"{built / 'bin'}:/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=600)
    assert "lacks a defence" not in graded.stdout, graded.stdout  # a uid of its own too: Python is not under /root
    assert json.loads((layout / "results" / "results.json").read_text())["score"] == MAX_SCORE


# PrairieLearn


def prairielearn(built: Path, root: Path, submission: Path) -> tuple[dict, str]:
    """PrairieLearn's /grade: the question's tests/, the student's files, data.json."""
    shutil.copytree(built / "autograd-question" / "tests", root / "tests")
    shutil.copytree(submission, root / "student")
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps({"params": {}, "submitted_answers": {}}))
    (root / "tests" / "run.sh").chmod(0o755)  # PrairieLearn makes the entry point executable
    before = digests(root / "tests")
    done = run_script(root / "tests" / "run.sh", "GRADE_ROOT", root, built)
    assert digests(root / "tests") == before, "the kit changed while grading"
    return json.loads((root / "results" / "results.json").read_text()), done.stdout


def test_the_question_folder_is_a_prairielearn_question(built):
    question = built / "autograd-question"
    info = json.loads((question / "info.json").read_text())
    assert info["gradingMethod"] == "External" and info["type"] == "v3"
    assert info["externalGradingOptions"] == {"enabled": True, "image": "you/autograd-kit-grader",
                                              "entrypoint": "/grade/tests/run.sh", "timeout": 300}
    page = (question / "question.html").read_text()
    assert all(f'file-name="{module}.py"' in page for module in API) and "pl-external-grader-results" in page
    assert all((question / f"{module}.py").read_text() == (ROOT / "exercises" / f"{module}.py").read_text()
               for module in API)
    assert (question / "tests" / "kit" / "solutions").is_dir() and (question / "image" / "Dockerfile").is_file()


def test_prairielearn_grades_a_correct_submission(built, layout, tmp_path):
    results, printed = prairielearn(built, layout, write_submission(tmp_path / "correct"))
    assert results["gradable"] is True and results["score"] == 1
    assert results["message"].startswith("56 of 56 points") and "bubblewrap" not in results["output"] + printed
    assert all(t["points"] == t["max_points"] > 0 and t["message"] == "passed" for t in results["tests"])


def test_prairielearn_grades_a_wrong_submission_down(built, layout, tmp_path):
    results, _ = prairielearn(built, layout, write_submission(tmp_path / "wrong", WRONG.bodies))
    failed = [t for t in results["tests"] if t["points"] < t["max_points"]]
    assert {t["name"].split(":")[0] for t in failed} == WRONG.loses and 0 < results["score"] < 1
    assert all(t["message"] for t in failed)


def test_a_hostile_submission_neither_reads_the_reference_nor_forges_prairielearns_results(built, layout, tmp_path):
    results, _ = prairielearn(built, layout, hostile(tmp_path / "hostile", layout))
    assert results["gradable"] is True and results["score"] == 0 and len(results["tests"]) >= len(PUBLIC)
    assert FORGED not in json.dumps(results) and "BEGIN SOLUTION" not in json.dumps(results)


def test_prairielearn_shows_no_hidden_checks_name_feedback_or_points_and_counts_them_in_the_score(built, layout,
                                                                                                   tmp_path):
    """PrairieLearn shows all of results.json at once, and what run.sh prints may reach students too."""
    results, printed = prairielearn(built, layout, write_submission(tmp_path / "hard-coded", HARD_CODED))
    shown = json.dumps(results, ensure_ascii=False) + printed
    assert not [text for text in hidden_texts(results) if text in shown] and "random points" not in shown
    assert len(results["tests"]) == len(PUBLIC) and all(t["points"] == t["max_points"] for t in results["tests"])
    assert 0 < results["score"] < 1 and f"{len(HIDDEN)} hidden checks also ran" in results["message"]


def test_a_hand_in_without_the_lesson_files_is_not_gradable_on_prairielearn(built, layout, tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("hello")
    results, _ = prairielearn(built, layout, tmp_path / "other")
    assert results["gradable"] is False and "autograd_basics.py" in results["format_errors"][0]


# the student wheel


def test_the_student_wheel_holds_no_reference_and_no_hidden_checks(built):
    (wheel,) = (built / "wheels").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        text = "\n".join(archive.read(name).decode() for name in names)
    assert wheel.name.startswith("autograd_kit_student-")
    lesson = "grader/lessons/autograd"
    assert {"grader/__init__.py", f"{lesson}/catalogue/zh.toml", f"{lesson}/reference_run.json",
            f"{lesson}/checks/public.py", "exercises/linear_regression.py"} <= set(names)
    assert not any(name.startswith(("solutions/", "grader/instructor/")) for name in names)
    assert "exercises/digits/digit_classifier.py" in names  # every lesson of the kit, stubs only
    assert not any(name.endswith("checks/hidden.py") for name in names)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert not [c.claim for c in HIDDEN if c.claim in text] and all(c.claim in text for c in PUBLIC)
    assert "autograd_kit = grader.frontends.pytest_plugin" in text  # pytest --submission works


# the command's mistakes


@pytest.mark.parametrize(("arguments", "said"), [
    (["gradescope", "missing/autograder.zip"], "the folder"),
    (["gradescope", "a.zip", "--time-limit", "5"], "--time-limit must be between 10 and 270 seconds"),
    (["prairielearn", "q", "--seed", "-1"], "--seed must be between"),
    (["prairielearn", "."], "is not an empty folder"),
    (["gradescope", "."], "is a folder: give the zip file's name"),
    (["student-wheel", "x"], "x is a file: give a folder"),
])
def test_a_mistake_in_the_command_is_one_sentence_and_exit_2(tmp_path, arguments, said):
    (tmp_path / "x").write_text("")
    done = subprocess.run([sys.executable, "-m", "grader", "dist", *arguments, "--lang", "en"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
