"""Small frozen records that every step after the sandbox passes along."""

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.lessons import Lesson


@dataclass(frozen=True)
class Expected:
    """What a check expected: a tensor, a Python number, None, or a tuple or list of these."""

    value: Any


@dataclass(frozen=True)
class Names:
    """Names of functions or calls, read as a list in the sentence ("f and g")."""

    items: tuple[str, ...]


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"  # ran, but the answer or the behaviour is wrong
    ERROR = "error"  # could not run: exception, timeout, crash, missing function
    NOT_ATTEMPTED = "not attempted"  # still the stub's NotImplementedError


@dataclass(frozen=True)
class Feedback:
    """Why a check did not pass: a message id from the catalog with its parameters, and
    the misconception it points to, if one matches."""

    message: str
    params: dict = field(default_factory=dict)
    misconception: str | None = None
    detail: str = ""
    """the student's own traceback, shown to them"""
    cause: "Feedback | None" = None
    """what the message's {reason} is (an import that failed because of this)"""
    crash: bool = False
    """the process misbehaved (hung, died, flooded): listed for the instructor"""
    debug: str = ""
    """for the instructor only: a grader error's traceback, what was wrong with a frame"""
    blamed_on: tuple[str, ...] = ()
    """the helpers that make this function fail (it passes with their references in their place)"""


@dataclass(frozen=True)
class CheckResult:
    function: str
    claim: str
    device: str
    hidden: bool
    max_score: float
    score: float
    status: Status
    feedback: Feedback | None = None
    # what the student's code returned (wire data), for pages that draw it
    observation: Any = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return f"{self.function}: {self.claim} ({self.device})"


# Notices about the machine that graded, for the instructor's eyes: they would tell a student
# where the sandbox is weaker, and a student's own check, watcher, page and notebook never show them.
HOST_NOTICES = frozenset({"process_isolation", "portable_isolation", "defence_missing"})


@dataclass(frozen=True)
class Grade:
    """A whole grading: every check's result plus what the run needs to report."""

    results: list[CheckResult]
    output: str
    seed: int
    devices: list[str]
    seconds: float
    notices: list[Feedback] = field(default_factory=list)
    lesson: "Lesson | None" = field(default=None, compare=False, repr=False)
    """the lesson graded (None: the first of the series)"""

    def for_student(self) -> "Grade":
        """The grading as a student's own front ends show it: without HOST_NOTICES."""
        return replace(self, notices=[notice for notice in self.notices if notice.message not in HOST_NOTICES])

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 6)

    @property
    def max_score(self) -> float:
        return round(sum(r.max_score for r in self.results), 6)
