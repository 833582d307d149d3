"""`python -m grader dist student-wheel|gradescope|prairielearn`: the arguments checked
(one sentence and exit code 2 for each mistake), then the package written."""

import argparse
import random
from pathlib import Path

from grader.instructor.deploy import MAX_SECONDS, MIN_SECONDS, Options, deployed_folder
from grader.load import UsageError
from grader.messages import say

SEED_LIMIT = 2**63


def deploy(arguments: argparse.Namespace) -> list[Path]:
    """What was written."""
    lang, out = arguments.lang, arguments.out
    if not out.absolute().parent.is_dir():
        raise UsageError(say("dist_parent_missing", lang, path=out, parent=out.absolute().parent))
    if arguments.dist_command == "student-wheel":
        from grader.instructor.deploy.wheel import student_wheel

        if out.exists() and not out.is_dir():
            raise UsageError(say("dist_not_a_folder", lang, path=out))
        out.mkdir(exist_ok=True)
        return [student_wheel(out, lang)]
    options = chosen(arguments)
    if arguments.dist_command == "gradescope":
        from grader.instructor.deploy.gradescope import gradescope_zip

        if out.is_dir():
            raise UsageError(say("dist_is_a_folder", lang, path=out))
        return [gradescope_zip(out, options, arguments.taught)]
    from grader.instructor.deploy.prairielearn import prairielearn_question

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(say("dist_folder_not_empty", lang, path=out))
    return prairielearn_question(out, options, arguments.image, arguments.taught)


def chosen(arguments: argparse.Namespace) -> Options:
    lang, seed, limit = arguments.lang, arguments.seed, arguments.time_limit
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        raise UsageError(say("seed_range", lang))
    if limit is not None and not MIN_SECONDS <= limit <= MAX_SECONDS:
        raise UsageError(say("time_limit_range", lang, low=MIN_SECONDS, high=MAX_SECONDS))
    given = {"time_limit": limit, "call_seconds": arguments.call_seconds,
             "hidden_visibility": getattr(arguments, "hidden_visibility", None),
             "leaderboard": getattr(arguments, "leaderboard", None)}  # the last two: Gradescope's only
    return Options(lang, random.randrange(2**31) if seed is None else seed,
                   **{key: value for key, value in given.items() if value is not None},
                   lesson=deployed_folder(arguments.taught))
