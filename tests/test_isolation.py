"""Isolation adapts to the host: bubblewrap where it can start, the fallback where it is
missing or blocked (Docker, Gradescope, GitHub's ubuntu-latest), said once, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.sandbox
# What bwrap prints where AppArmor restricts unprivileged user namespaces (ubuntu-latest).
BLOCKED = "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n"


def fake_bwrap(folder: Path) -> dict[str, str]:
    folder.mkdir()
    (folder / "bwrap").write_text(BLOCKED)
    (folder / "bwrap").chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
            "COLUMNS": "200"}


def check(environment: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", "solutions", "--lang", "en", *options], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=600)


def test_a_blocked_bubblewrap_falls_back_and_says_why(tmp_path):
    run = check(fake_bwrap(tmp_path / "bin"))
    assert run.returncode == 0, run.stdout + run.stderr  # graded in full, in the fallback
    assert "no bubblewrap (bwrap: setting up uid map: Permission denied)" in " ".join(run.stdout.split())
    assert "Traceback" not in run.stderr


def test_asking_for_a_blocked_bubblewrap_is_one_sentence_and_exit_2(tmp_path):
    run = check(fake_bwrap(tmp_path / "bin"), "--isolation", "bwrap")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: --isolation bwrap: bubblewrap cannot start here (bwrap: setting up uid map: Permission denied)."]


def test_a_missing_bubblewrap_falls_back_and_says_so(tmp_path):
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.symlink_to(sys.executable)
    environment = {**os.environ, "PATH": str(tmp_path / "bin"), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    run = check(environment)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no bubblewrap (bwrap is not installed)" in " ".join(run.stdout.split())
