"""The test module that `pytest --submission PATH` runs: one item per check and device."""

import pytest

from grader.checks import Check
from grader.grade import available_devices, grade
from grader.lessons import find
from grader.load import UsageError
from grader.messages import default_language
from grader.report import render
from grader.results import CheckResult, Grade, Status
from grader.terminal import visible

GRADE = pytest.StashKey[Grade]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    checks = find(metafunc.config.getoption("lesson")).checks(hidden=metafunc.config.getoption("hidden_checks"))
    devices = available_devices()
    cases = [
        pytest.param(
            check, device, id=f"{check.function}: {check.claim} ({device})",
            marks=[pytest.mark.points(check.points), pytest.mark.function(check.function)]
            + ([] if device in devices else [pytest.mark.skip(reason="torch sees no CUDA device")]),
        )
        for check in checks
        for device in ("cpu", "cuda")
    ]
    metafunc.parametrize(("check", "device"), cases)


@pytest.fixture(scope="session")
def grading(pytestconfig: pytest.Config) -> dict[tuple[str, str, str], CheckResult]:
    try:
        result = grade(
            pytestconfig.getoption("submission"),
            hidden=pytestconfig.getoption("hidden_checks"),
            seed=pytestconfig.getoption("grader_seed"),
            lesson=find(pytestconfig.getoption("lesson")),
        )
    except UsageError as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
    pytestconfig.stash[GRADE] = result
    return {(r.function, r.claim, r.device): r for r in result.results}


def test_check(check: Check, device: str, grading: dict, pytestconfig: pytest.Config) -> None:
    result = grading[(check.function, check.claim, device)]
    if result.status is not Status.PASS:
        lang = pytestconfig.getoption("grader_lang") or default_language()
        lesson = pytestconfig.stash[GRADE].lesson
        pytest.fail(f"{result.status.value}: {visible(render(result.feedback, lang, lesson))}", pytrace=False)
