"""Isolation adapts to the host: bubblewrap where it can start, the fallback where it is
missing or blocked (Docker, Gradescope, GitHub's ubuntu-latest), said once, never a traceback.
Under bubblewrap, the sandbox shows only what the zygote needs: of the kit, the part it runs."""

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from grader.grade import grade
from grader.results import Feedback, Grade
from grader.sandbox import spawn
from grader.sandbox.child import harden
from grader.sandbox.host import Sandbox
from grader.sandbox.spawn import (
    ETC,
    IsolationError,
    bubblewrap_command,
    bubblewrap_problem,
    isolation_available,
    isolation_notice,
    worker_environment,
)
from tests.conftest import ROOT, SEED, TEST_LIMITS, points_lost, write_submission

pytestmark = pytest.mark.sandbox
needs_bubblewrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
# What bwrap prints where AppArmor restricts unprivileged user namespaces (ubuntu-latest).
BLOCKED = "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n"


def fake_bwrap(folder: Path) -> Path:
    folder.mkdir()
    (folder / "bwrap").write_text(BLOCKED)
    (folder / "bwrap").chmod(0o755)
    return folder


def with_fake_bwrap(folder: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{fake_bwrap(folder)}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
            "COLUMNS": "200"}


def check(environment: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", "solutions", "--lang", "en", *options], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=600)


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    """The probe's answer is cached per process: each test here asks afresh, and leaves no answer behind."""
    bubblewrap_problem.cache_clear()
    yield
    bubblewrap_problem.cache_clear()


def test_the_probe_says_why_a_blocked_bubblewrap_is_not_used(tmp_path, monkeypatch, fresh_probe):
    monkeypatch.setenv("PATH", f"{fake_bwrap(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    assert not isolation_available()
    reason = "bwrap: setting up uid map: Permission denied"
    assert isolation_notice() == Feedback("process_isolation", {"reason": reason})
    monkeypatch.setenv("GRADER_ISOLATION", "bwrap")
    with pytest.raises(IsolationError, match="uid map: Permission denied"):
        isolation_available()


def test_a_blocked_bubblewrap_falls_back_and_says_why_to_the_instructor_only(tmp_path):
    environment = with_fake_bwrap(tmp_path / "bin")
    run = check(environment, "--hidden")
    assert run.returncode == 0, run.stdout + run.stderr  # graded in full, in the fallback
    assert "no bubblewrap (bwrap: setting up uid map: Permission denied)" in " ".join(run.stdout.split())
    assert "Traceback" not in run.stderr
    students = check(environment)  # a student's own check says nothing of the host
    assert students.returncode == 0 and "bubblewrap" not in students.stdout and "Threat model" not in students.stdout


def test_asking_for_a_blocked_bubblewrap_is_one_sentence_and_exit_2(tmp_path):
    run = check(with_fake_bwrap(tmp_path / "bin"), "--isolation", "bwrap")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: --isolation bwrap: bubblewrap cannot start here (bwrap: setting up uid map: Permission denied)."]


def test_a_missing_bubblewrap_falls_back_and_says_so(tmp_path):
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.symlink_to(sys.executable)
    environment = {**os.environ, "PATH": str(tmp_path / "bin"), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    run = check(environment, "--hidden")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no bubblewrap (bwrap is not installed)" in " ".join(run.stdout.split())


def in_the_sandbox(code: str) -> subprocess.CompletedProcess:
    """`code` run by the zygote's interpreter in the zygote's view, without the child's own defences."""
    return subprocess.run([*bubblewrap_command(), sys.executable, "-c", code], env=worker_environment(),
                          capture_output=True, text=True, timeout=120)


VIEW = f"""
import ast
import os
print(sorted(os.listdir({str(ROOT)!r})), sorted(os.listdir({str(ROOT / "grader")!r})))
print(sorted(os.listdir("/etc")))
try:
    import solutions
    print("IMPORTED", solutions.__path__)
except ImportError:
    print("no solutions")
import grader.sandbox.child.zygote
print("the zygote imports")
"""


@needs_bubblewrap
def test_the_view_holds_of_the_kit_only_what_the_zygote_runs():
    run = in_the_sandbox(VIEW)
    assert run.returncode == 0, run.stderr
    kit, etc, solutions, zygote = run.stdout.splitlines()
    venv = Path(sys.prefix).resolve()  # tox makes its venv inside the checkout: that much shows too
    shown = ["grader", *([venv.relative_to(ROOT).parts[0]] if venv.is_relative_to(ROOT) else [])]
    assert kit == f"{sorted(shown)} ['__init__.py', 'sandbox']"  # no .git, solutions, lesson or exercises
    assert set(ast.literal_eval(etc)) <= {Path(path).name for path in ETC}
    assert solutions == "no solutions"  # though the editable install maps `solutions` to the checkout
    assert zygote == "the zygote imports"


def test_an_installed_kit_shows_the_packages_beside_it_but_none_of_its_own(tmp_path, monkeypatch):
    venv = tmp_path.resolve() / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    for package in ("grader", "solutions", "exercises", "torch"):
        (site / package).mkdir(parents=True)
    (venv / "pyvenv.cfg").touch()
    monkeypatch.setattr(spawn, "ROOT", site)
    arguments = spawn.beside_kit(venv)
    bound = {arguments[at + 1] for at, option in enumerate(arguments) if option == "--ro-bind"}
    assert bound == {str(site / "torch"), str(venv / "pyvenv.cfg")}  # the zygote's part is bound apart


@pytest.mark.parametrize("running", ["from a checkout", "installed"])
def test_landlock_grants_an_installed_kits_venv_without_the_kit(tmp_path, monkeypatch, running):
    """Landlock grants folders whole: the venv's root may not be one of them, or the copy of
    the solutions in its site-packages is readable (lib64 is a link to lib, as venvs make it).
    Installed, the kit's root is that site-packages: its other packages (torch) stay readable."""
    venv = tmp_path.resolve() / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    for package in ("grader", "solutions", "exercises", "torch"):
        (site / package).mkdir(parents=True)
    (venv / "lib64").symlink_to("lib")
    (venv / "bin").mkdir()
    monkeypatch.setattr(harden.sys, "prefix", str(venv))
    monkeypatch.setattr(harden.sys, "base_prefix", str(venv))
    monkeypatch.setattr(harden.sys, "path", [str(site)])
    root = tmp_path / "checkout" if running == "from a checkout" else site
    granted = {os.path.realpath(path) for path in harden.readable_paths(str(root))}
    assert str(venv / "bin") in granted and str(site / "torch") in granted
    assert not any(str(site / "solutions").startswith(path) for path in granted)
    assert str(venv) not in granted and str(venv / "lib") not in granted


@needs_bubblewrap
def test_the_private_tmp_is_capped():
    run = in_the_sandbox("open('/tmp/filler', 'wb').write(bytes(100 * 2**20))")
    assert run.returncode != 0 and "No space left on device" in run.stderr, run.stderr


@pytest.fixture(scope="module")
def bubblewrapped() -> Iterator[Sandbox]:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_ISOLATION", "bwrap")
        with Sandbox(limits=TEST_LIMITS) as started:
            yield started


def attacked(sandbox: Sandbox, folder: Path, attack: str) -> Grade:
    """A submission whose by-hand derivative is right once `attack` has run. What is tested is
    what the child sees, so the source rules, which refuse some of these attacks before they run
    (tests/test_source_rules.py), are left out."""
    body = f"{attack}\nreturn 2 * x + 3"
    write_submission(folder, {"quadratic_grad_by_hand": body}, {"autograd_basics": "import os\n"})
    with mock.patch("grader.grade.source_findings", return_value={}):
        return grade(folder, hidden=False, seed=SEED, sandbox=sandbox)


# Each is missing from the sandbox, not just refused: the view itself leaves it out.
ATTACKS = {
    "read the .git": (f"open({str(ROOT / '.git' / 'HEAD')!r}).read()", "FileNotFoundError"),
    "list the solutions": (f"os.listdir({str(ROOT / 'solutions')!r})", "FileNotFoundError"),
    # spelt so that the source rule against importing the solutions does not see it
    "import the solutions": ("__import__('solu' + 'tions.autograd_basics')", "ModuleNotFoundError"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_kit_is_out_of_reach(bubblewrapped, tmp_path, attack):
    code, error = ATTACKS[attack]
    result = attacked(bubblewrapped, tmp_path / "thief", code)
    assert points_lost(result) == {"quadratic_grad_by_hand"}
    lost = [r.feedback for r in result.results if r.function == "quadratic_grad_by_hand" and r.feedback]
    assert {(f.message, f.params.get("type")) for f in lost} == {("raised", error)}, lost


def test_a_job_cannot_fill_the_private_tmp(bubblewrapped, tmp_path):
    # 100 MiB, in its own folder in /tmp, in files under the cap on one file
    filler = "for n in range(100):\n    open(f'filler-{n}', 'wb').write(bytes(2**20 - 1))"
    result = attacked(bubblewrapped, tmp_path / "filler", filler)
    assert points_lost(result) == {"quadratic_grad_by_hand"}
    after = attacked(bubblewrapped, tmp_path / "honest", "")
    assert after.score == after.max_score  # what it wrote went with its job
