"""Benchmark: the grader against `import torch` and against `nbgrader autograde`, in one run.

1. A student's check: `python -m grader check solutions` (and with --hidden) beside
   `python -c "import torch"`, in pairs run one after the other; the median of the ratios.
2. The same notebook submissions (correct ones and common mistakes) are graded by both:
   nbgrader autograde on the course `python -m grader nbgrader build` makes, and grader
   batch on nbgrader's submitted/ folder, with every hidden check.
3. grader batch on classes of growing size: its start-up, how its time grows, and the peak
   memory (RSS) of the grader's process and of the largest of its workers and children.
Run from the checkout:
    python bench/compare.py [--pairs 5] [--sample 10] [--sizes 50 500] [--workers N]
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402 (jupyter's dependency, installed with the nbgrader extra)

from bench.make_class import KINDS, make_class  # noqa: E402
from tests.conftest import fill_notebooks  # noqa: E402

ENVIRONMENT = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_LANG": "en"}


def timed(command: list[str], cwd: Path, allowed: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env=ENVIRONMENT, capture_output=True, text=True)
    if run.returncode not in allowed:
        sys.exit(f"{' '.join(command)} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return time.perf_counter() - started


IMPORT_TORCH = [sys.executable, "-c", "import torch"]


def paired(command: list[str], pairs: int) -> tuple[float, float]:
    """The median seconds of `command`, and the median of its ratios to `import torch` run
    just before it (a pair sees the same load)."""
    seconds, ratios = [], []
    for _ in range(pairs):
        torch_seconds, command_seconds = timed(IMPORT_TORCH, ROOT), timed(command, ROOT, allowed=(0, 1))
        seconds.append(command_seconds)
        ratios.append(command_seconds / torch_seconds)
    return statistics.median(seconds), statistics.median(ratios)


def peak_memory(command: list[str]) -> tuple[float, float]:
    """The peak RSS, in MiB, of the process `command` starts and of the largest process below it."""
    process = psutil.Popen(command, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    own = below = 0
    while process.poll() is None:
        with contextlib.suppress(psutil.Error):
            own = max(own, process.memory_info().rss)
            below = max([below, *(child.memory_info().rss for child in process.children(recursive=True))])
        time.sleep(0.02)
    return own / 2**20, below / 2**20


def grader(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "grader", *arguments]


def same_submissions(work: Path, sample: int, workers: int) -> tuple[float, float]:
    course = work / "course"
    subprocess.run(grader("nbgrader", "build", str(course)), cwd=ROOT, env=ENVIRONMENT, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "autograd"], cwd=course,
                   env=ENVIRONMENT, check=True, capture_output=True)
    for i in range(sample):
        student = course / "submitted" / f"s{i:04d}" / "autograd"
        fill_notebooks(course / "release" / "autograd", student, KINDS[i % len(KINDS)])
    nbgrader_seconds = timed([sys.executable, "-m", "nbgrader", "autograde", "autograd", "--create"], course)
    batch_seconds = timed(grader("batch", str(course), "--out", str(work / "out-same"), "--workers", str(workers),
                                 "--seed", "0"), ROOT)
    return nbgrader_seconds / sample, batch_seconds / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=10, help="submissions graded by both (nbgrader is slow)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pairs", type=int, default=5, help="runs of each command beside import torch")
    arguments = parser.parse_args()
    torch_seconds = statistics.median(timed(IMPORT_TORCH, ROOT) for _ in range(arguments.pairs))
    print(f"on {os.cpu_count()} cores; python -c 'import torch': {torch_seconds:.2f} s (median of {arguments.pairs})")
    for label, command in (("check", grader("check", "solutions")),
                           ("check --hidden", grader("check", "solutions", "--hidden"))):
        seconds, ratio = paired(command, arguments.pairs)
        print(f"  grader {label:<15} {seconds:6.2f} s, {ratio:4.2f}x import torch (median of paired runs)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        nbgrader_each, batch_each = same_submissions(work, arguments.sample, arguments.workers)
        print(f"same {arguments.sample} notebook submissions, hidden checks included, {arguments.workers} workers:")
        print(f"  nbgrader autograde  {nbgrader_each:8.3f} s per submission")
        print(f"  grader batch        {batch_each:8.3f} s per submission (start-up included)")
        print(f"  ratio               {nbgrader_each / batch_each:8.1f}x")
        print("grader batch on classes of .py submissions:")
        start_up = class_seconds(work, 1, arguments.workers)
        print(f"  N = {1:5d}: {start_up:7.1f} s in all, {start_up / torch_seconds:4.2f}x import torch "
              f"(start-up: Python, torch, the workers, one submission)")
        for size in arguments.sizes:
            seconds = class_seconds(work, size, arguments.workers)
            each, marginal = seconds / size, (seconds - start_up) / (size - 1)
            print(f"  N = {size:5d}: {seconds:7.1f} s in all, {each:6.3f} s per submission "
                  f"({nbgrader_each / each:5.1f}x nbgrader); past start-up {marginal:6.3f} s "
                  f"({nbgrader_each / marginal:5.1f}x)")
        for size in arguments.sizes:
            own, below = peak_memory(grader("batch", str(work / f"class{size}"), "--out", str(work / f"mem{size}"),
                                            "--workers", str(arguments.workers), "--seed", "0"))
            print(f"  N = {size:5d}: peak RSS {own:6.0f} MiB in the grader, {below:6.0f} MiB in its largest worker")


def class_seconds(work: Path, size: int, workers: int) -> float:
    make_class(work / f"class{size}", size)
    command = grader("batch", str(work / f"class{size}"), "--out", str(work / f"out{size}"), "--workers", str(workers),
                     "--seed", "0")
    return timed(command, ROOT)


if __name__ == "__main__":
    main()
