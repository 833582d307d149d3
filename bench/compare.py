"""Benchmark: `python -m grader batch` against `nbgrader autograde`, in the same run.

1. The same notebook submissions (correct ones and common mistakes) are graded by both:
   nbgrader autograde on the course `python -m grader nbgrader build` makes, and grader
   batch on nbgrader's submitted/ folder, with every hidden check.
2. grader batch on classes of growing size shows how its time grows.
Prints seconds per submission for each, and the ratio. Run from the checkout:
    python bench/compare.py [--sample 10] [--sizes 50 500] [--workers N]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.make_class import KINDS, make_class  # noqa: E402
from tests.conftest import fill_notebooks  # noqa: E402

ENVIRONMENT = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_LANG": "en"}


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env=ENVIRONMENT, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return time.perf_counter() - started


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
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        nbgrader_each, batch_each = same_submissions(work, arguments.sample, arguments.workers)
        print(f"same {arguments.sample} notebook submissions, hidden checks included, {arguments.workers} workers:")
        print(f"  nbgrader autograde  {nbgrader_each:8.3f} s per submission")
        print(f"  grader batch        {batch_each:8.3f} s per submission (start-up included)")
        print(f"  ratio               {nbgrader_each / batch_each:8.1f}x")
        print("grader batch on classes of .py submissions:")
        start_up = class_seconds(work, 1, arguments.workers)
        print(f"  N = {1:5d}: {start_up:7.1f} s in all (mostly start-up: Python, torch, the workers)")
        for size in arguments.sizes:
            seconds = class_seconds(work, size, arguments.workers)
            each, marginal = seconds / size, (seconds - start_up) / (size - 1)
            print(f"  N = {size:5d}: {seconds:7.1f} s in all, {each:6.3f} s per submission "
                  f"({nbgrader_each / each:5.1f}x nbgrader); past start-up {marginal:6.3f} s "
                  f"({nbgrader_each / marginal:5.1f}x)")


def class_seconds(work: Path, size: int, workers: int) -> float:
    make_class(work / f"class{size}", size)
    command = grader("batch", str(work / f"class{size}"), "--out", str(work / f"out{size}"), "--workers", str(workers),
                     "--seed", "0")
    return timed(command, ROOT)


if __name__ == "__main__":
    main()
