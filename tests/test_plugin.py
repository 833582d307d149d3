"""The checks as pytest items, seen through pytest itself."""

import pytest

from grader.lessons.autograd.checks import collect
from tests.conftest import ROOT, write_submission

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.sandbox


def test_each_check_is_a_pytest_item_with_points(pytester, tmp_path):
    submission = write_submission(tmp_path / "s", {"zero_grads": "pass"})
    run = pytester.runpytest_subprocess("--submission", str(submission), "-p", "no:cacheprovider", "-rs")
    outcomes = run.parseoutcomes()
    public = collect(hidden=False)
    broken = [c for c in public if c.function in ("zero_grads", "train")]
    assert outcomes["failed"] == len(broken)  # zero_grads and train's public checks, on the CPU
    assert outcomes["passed"] == len(public) - len(broken)
    assert outcomes["skipped"] == len(public)  # CUDA: said why
    run.stdout.fnmatch_lines(["*Likely: the gradients were never cleared*", "*torch sees no CUDA device*"])


def test_points_are_markers(pytester):
    pytester.makeconftest(
        """
        def pytest_collection_modifyitems(items):
            total = sum(item.get_closest_marker("points").args[0] for item in items)
            print(f"TOTAL POINTS {total}")
        """
    )
    run = pytester.runpytest_subprocess("--submission", str(ROOT / "solutions"), "--hidden-checks", "-s", "--co")
    run.stdout.fnmatch_lines([f"*TOTAL POINTS {2 * sum(c.points for c in collect(hidden=True))}*"])  # CPU and CUDA
