"""An isolating grader for lessons given as data: load, run isolated, judge, score, report.

Folders by role: lessons/ (each lesson a folder of data the engine is given: its API,
checks, catalogue), sandbox/ (the host side of the isolation) with sandbox/child/ (what
runs beside student code), judge/, report/, frontends/ (cli, watch, pytest plugin,
notebook checks) and instructor/ (batch, the nbgrader course, deploy packages), which a
student's copy leaves out.
"""

from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the kit's checkout (or site-packages when installed)

# What a student's copy leaves out (`python -m grader dist student`): the hidden checks,
# and the instructor's tools, which need them or the solutions.
INSTRUCTORS_ONLY = ("grader.lessons.*.checks.hidden", "grader.instructor")


def instructors_only(module: str) -> bool:
    return any(fnmatchcase(module, name) or fnmatchcase(module, f"{name}.*") for name in INSTRUCTORS_ONLY)
