"""The checks as plain pytest items: `pytest --submission PATH [--hidden-checks]`.

Each check on each device becomes one test, marked with its points and function, so
instructors can use pytest's own tooling (-k, --junitxml, -x, plugins) on a grading.
"""

from pathlib import Path

import pytest

from grader.messages import LANGUAGES

SUITE = Path(__file__).with_name("suite.py")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograd-kit", "grading a lesson of the kit")
    group.addoption("--submission", type=Path, metavar="PATH", help="grade the lesson modules in PATH")
    group.addoption("--hidden-checks", action="store_true", help="add the hidden checks")
    group.addoption("--lesson", default=None, metavar="NAME|PATH", help="a kit lesson's name or a lesson folder "
                    "(default: the first lesson)")
    group.addoption("--grader-seed", type=int, default=0, metavar="N", help="seed of the random inputs")
    group.addoption("--grader-lang", choices=LANGUAGES, default=None, help="language of the feedback")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points a check is worth")
    config.addinivalue_line("markers", "function(name): the student function a check grades")
    if config.getoption("submission") is not None and config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(SUITE)]
