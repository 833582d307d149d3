"""The README's Slurm recipe (tools/slurm/) run for real: a one-node Slurm cluster on localhost
that the test starts (munged, slurmctld and slurmd in the foreground, every file in a
temporary folder, no cgroups), a small class graded in 3 array tasks and merged once they
all succeeded; the merged grades.csv is a single `batch` run's."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.make_class import make_class
from tests.conftest import ROOT
from tests.test_readme import blocks_tested_by

pytestmark = pytest.mark.sandbox
PROGRAMS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scancel")
missing = [program for program in PROGRAMS if shutil.which(program) is None]
if missing:
    pytest.skip(f"Slurm is not installed ({', '.join(missing)} missing: apt-get install slurm-wlm munge)",
                allow_module_level=True)
if os.geteuid() != 0:
    pytest.skip("slurmd starts each job as its user, which takes root", allow_module_level=True)

NODE = "grader-node"
WAIT_SECONDS = 120
CONF = """ClusterName=autograd-kit
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={controller_port}
SlurmdPort={node_port}
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder}/munge.socket
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# the 4 CPUs a shard asks for, on any machine
SlurmdParameters=config_overrides
ReturnToService=2
NodeName={node} NodeHostname={host} NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
PartitionName=grading Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


@dataclass
class Cluster:
    folder: Path
    daemons: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def environment(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.folder / "slurm.conf"), "PYTHONPATH": str(ROOT),
                "KIT_VENV": sys.prefix, "GRADER_LANG": "en"}

    def start(self, name: str, *command: str) -> None:
        with (self.folder / f"{name}.log").open("w") as log:  # the daemon keeps its own copy
            self.daemons[name] = subprocess.Popen(command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                                  stdin=subprocess.DEVNULL)

    def run(self, *command: str, cwd: Path | None = None, timeout: float = 60,
            **environment: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=cwd or self.folder, env=self.environment | environment,
                              capture_output=True, text=True, timeout=timeout)

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}:\n{path.read_text()[-2000:]}" for path in sorted(self.folder.glob("*.log")))

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Poll `condition` until it holds; fail, with the daemons' logs, if it has not within WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            dead = [name for name, daemon in self.daemons.items() if daemon.poll() is not None]
            if dead or time.monotonic() > deadline:
                reason = f"{', '.join(dead)} exited" if dead else f"not within {WAIT_SECONDS} s"
                pytest.fail(f"{what}: {reason}.\n{self.logs()}")
            time.sleep(0.2)

    def node_is_idle(self) -> bool:
        return self.run("sinfo", "--noheader", "--nodes", NODE, "--format", "%t").stdout.strip() == "idle"

    def job_state(self, job: str) -> str:
        """COMPLETED, FAILED, CANCELLED, ...: what `scontrol show job` says of a job."""
        shown = self.run("scontrol", "show", "job", "--oneliner", job).stdout
        return next((item.split("=", 1)[1] for item in shown.split() if item.startswith("JobState=")), "unknown")

    def queue_is_empty(self) -> bool:
        queue = self.run("squeue", "--noheader")
        return queue.returncode == 0 and not queue.stdout.strip()

    def stop(self) -> None:
        """Cancel what is still queued or running, then stop every daemon, the last started first."""
        try:
            if "slurmctld" in self.daemons and self.daemons["slurmctld"].poll() is None:
                self.run("scancel", "--full", "--user", "root")
                self.wait_for(self.queue_is_empty, "the jobs left running did not end after scancel")
        finally:
            for daemon in reversed(self.daemons.values()):
                daemon.terminate()
                try:
                    daemon.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """munged with a key of its own, slurmctld and slurmd on localhost, the node idle."""
    folder = tmp_path / "slurm"
    for part in ("state", "spool"):
        (folder / part).mkdir(parents=True)
    folder.chmod(0o700)  # munged refuses a key or socket others could reach
    cluster = Cluster(folder)
    try:
        subprocess.run(["mungekey", "--create", "--keyfile", str(folder / "munge.key")], check=True)
        cluster.start("munged", "munged", "--foreground", "--force", f"--socket={folder}/munge.socket",
                      f"--key-file={folder}/munge.key", f"--pid-file={folder}/munged.pid",
                      f"--seed-file={folder}/munged.seed")
        cluster.wait_for((folder / "munge.socket").exists, "munged did not open its socket")
        conf = CONF.format(host=socket.gethostname().split(".")[0], folder=folder, node=NODE,
                           controller_port=free_port(), node_port=free_port())
        (folder / "slurm.conf").write_text(conf)
        cluster.start("slurmctld", "slurmctld", "-D", "-f", str(folder / "slurm.conf"))
        cluster.start("slurmd", "slurmd", "-D", "-f", str(folder / "slurm.conf"), "-N", NODE)
        cluster.wait_for(cluster.node_is_idle, f"the node {NODE} did not come up idle")
        yield cluster
    finally:
        cluster.stop()


def job_outputs(folder: Path) -> str:
    return "\n".join(f"--- {path.name}:\n{path.read_text()[-3000:]}" for path in sorted(folder.glob("*.out")))


def test_the_readme_recipe_grades_a_class_in_three_array_tasks_and_merges_it(cluster, tmp_path):
    if not (Path(sys.prefix) / "bin" / "activate").is_file():
        pytest.skip("the recipe activates a virtual environment: run the tests from one (tox does)")
    (recipe,) = blocks_tested_by("tests/test_slurm.py")
    seed = re.search(r"grade-shards\.sbatch \S+ \S+ (\d+)", recipe)[1]  # SUBMISSIONS RESULTS SEED
    checkout = tmp_path / "checkout"  # where the README runs it: the kit's tools/, the class in submissions/
    checkout.mkdir()
    (checkout / "tools").symlink_to(ROOT / "tools")
    students = {folder.name for folder in make_class(checkout / "submissions", 8)}
    whole = tmp_path / "whole"
    single = cluster.run(sys.executable, "-m", "grader", "batch", str(checkout / "submissions"), "--out", str(whole),
                         "--seed", seed, "--workers", "1", timeout=600)
    assert single.returncode == 0, single.stderr

    # 3 shards instead of the header's 16; each sbatch returns once its job has ended
    run = cluster.run("bash", "-c", recipe, cwd=checkout, timeout=900, SBATCH_ARRAY_INX="1-3", SBATCH_WAIT="1")
    merge_job = re.findall(r"Submitted batch job (\d+)", run.stdout)
    state = cluster.job_state(merge_job[-1]) if merge_job else "unsubmitted"  # --wait says 0 for a cancelled job too
    assert state == "COMPLETED", f"the merge job ended {state}:\n{run.stdout}{run.stderr}\n{job_outputs(checkout)}"

    results = checkout / "results"
    parts = [{p.parent.name for p in (results / f"shard-{k}").glob("*/results.json")} for k in (1, 2, 3)]
    assert all(parts) and sum(map(len, parts)) == len(students) and set().union(*parts) == students, parts
    assert (results / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    assert (results / "report.html").is_file()
