"""The grader's checks inside a notebook: what the autograded cells of the nbgrader course
call. The same checks, inputs (for a given seed) and feedback as `python -m grader check`,
run on the functions the notebook defined; a failed check raises CheckFailed (an
AssertionError), so nbgrader gives the cell's points only when the check passes.

The student's function runs in a thread of the kernel, under the watcher's per-call limit
(its CPU time, read for the whole process, which waits meanwhile; and WALL_FACTOR times as
long by the clock, for code that sleeps). A thread, not a process: the notebook's functions
live in the kernel and cannot be sent elsewhere, and a thread is stopped in the same way on
Linux, macOS and Windows (an exception raised in it between two Python steps). A call stuck
in one long C call keeps its thread busy until that returns, but the cell ends on time.
"""

import ctypes
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from grader import ROOT
from grader.checks import Check
from grader.judge.verdict import verdict
from grader.lessons import Lesson, find
from grader.messages import LANGUAGES, claim, default_language, hint, say
from grader.plan import generator_for
from grader.report import render, wants_hint
from grader.results import Feedback, Status
from grader.sandbox import events
from grader.sandbox.child.host_os import CALL_SECONDS, POLL_SECONDS, WALL_FACTOR
from grader.sandbox.child.worker import run_call
from grader.sandbox.records import Call, CallError, ErrorKind, Outcome

SEED = int(os.environ.get("GRADER_SEED", "0"))


class CheckFailed(AssertionError):
    """A failed check, shown as its sentences: IPython prints what `_render_traceback_`
    returns instead of a traceback (which would lead into the grader's files, under the
    path where the instructor installed it)."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


class CallStopped(BaseException):
    """Raised inside the thread of a call that ran out of time."""


def check(function: str, claim_text: str, namespace: dict, seed: int = SEED,
          call_seconds: float = CALL_SECONDS, lesson: str | None = None) -> None:
    """`lesson`: a kit lesson's name or a lesson folder's path (the course's cells say which); None: the first."""
    lang = student_language()
    taught = find(lesson)
    found = find_check(taught, function, claim_text)
    inputs = found.inputs(generator_for(found, seed))
    call = Call(0, found.module, function, found.probe, "cpu", inputs)
    outcome = timed_call(lambda: run_call(SimpleNamespace(**namespace), vars(call)), call, call_seconds)
    status, feedback = verdict(found, "cpu", inputs, outcome)
    if feedback is not None:
        raise CheckFailed(failure(function, status, feedback, lang, taught)) from None
    print(say("notebook_passed", lang, function=function, claim=claim(claim_text, lang, taught)))


def student_language() -> str:
    """GRADER_LANG where it names a language of the catalogue, else the locale's."""
    wanted = os.environ.get("GRADER_LANG", "")
    return wanted if wanted in LANGUAGES else default_language()


def failure(function: str, status: Status, feedback: Feedback, lang: str, lesson: Lesson | None = None) -> str:
    lines = [f"{function}: {render(feedback, lang, lesson)}"]
    if wants_hint(status, feedback):
        lines.append(say("hint", lang, hint=hint(function, 1, lang, lesson)))
    return without_paths("\n".join(lines))


def without_paths(text: str) -> str:
    """`text` without the folders of the machine that grades (the kit's, the interpreter's, the
    home folder): nbgrader's feedback shows students what autograde printed on it."""
    folders = {str(ROOT), str(Path(sys.prefix)), str(Path(sys.base_prefix)), str(Path.home())}
    for folder in sorted((f for f in folders if len(f) > 1), key=len, reverse=True):
        text = text.replace(folder, "…")
    return text


def timed_call(run: Callable[[], dict], call: Call, seconds: float) -> Outcome:
    """The call's outcome, or a timeout once it used `seconds` of CPU time (or WALL_FACTOR
    times that of wall-clock time): then its thread is stopped and left behind."""
    answer: dict = {}
    worker = threading.Thread(target=lambda: answer.update(run()), name="grader-call", daemon=True)
    cpu_start, wall_deadline = time.process_time(), time.monotonic() + seconds * WALL_FACTOR
    worker.start()
    while worker.is_alive():
        worker.join(POLL_SECONDS)
        if worker.is_alive() and (time.process_time() - cpu_start > seconds or time.monotonic() > wall_deadline):
            stop(worker)
            return Outcome(error=CallError(ErrorKind.TIMEOUT, seconds=seconds))
    return events.outcome(answer, call)


def stop(worker: threading.Thread) -> None:
    """Raise CallStopped in `worker` at its next Python step (CPython's own call for it)."""
    assert worker.ident is not None  # started
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(CallStopped))


def find_check(lesson: Lesson, function: str, claim_text: str) -> Check:
    try:
        checks = lesson.checks(hidden=True)
    except ModuleNotFoundError:  # a student's copy holds the public checks only
        checks = lesson.checks(hidden=False)
    return next(c for c in checks if (c.function, c.claim) == (function, claim_text))
