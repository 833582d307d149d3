"""The command line: `python -m grader check|watch|hint|batch|merge|nbgrader|dist|stubs`."""

import argparse
import os
import random
import sys
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from grader import instructors_only
from grader.lesson import FUNCTIONS
from grader.load import UsageError
from grader.messages import LANGUAGES, default_language
from grader.sandbox.spawn import ISOLATION_LEVELS, IsolationError

if TYPE_CHECKING:
    from grader.sandbox.host import Sandbox


class Exit(IntEnum):
    FULL_MARKS = 0
    NOT_FULL_MARKS = 1
    USAGE = 2


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m grader", description="Grade the autograd lesson.")
    commands = top.add_subparsers(dest="command", required=True)
    for add in (student_commands, instructor_commands, packaging_commands):
        add(commands)
    return top


def with_lang(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    languages = " or ".join(LANGUAGES)
    command.add_argument("--lang", choices=LANGUAGES, default=default_language(), help=f"{languages} (default: locale)")
    return command


def with_isolation(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument("--isolation", choices=ISOLATION_LEVELS, help="bwrap, process, or auto: bubblewrap where it "
                         "can start (default: $GRADER_ISOLATION, else auto)")
    return command


def student_commands(commands: argparse._SubParsersAction) -> None:
    check = with_isolation(with_lang(commands.add_parser("check", help="grade the two lesson modules in a folder")))
    check.add_argument("path", nargs="?", type=Path, default=Path("exercises"))
    check.add_argument("--hidden", action="store_true", help="add the hidden checks (instructors, CI)")
    check.add_argument("--json", type=Path, metavar="FILE", help="write Gradescope's results.json")
    check.add_argument("--seed", type=int, help="replay the random inputs of an earlier run")
    check.add_argument("--only", choices=FUNCTIONS, metavar="FUNCTION", help="grade one function")
    check.add_argument("--html", type=Path, metavar="FILE", help="write a feedback page with your plots")
    watch = with_isolation(with_lang(commands.add_parser("watch", help="grade, then grade again whenever you save")))
    watch.add_argument("path", nargs="?", type=Path, default=Path("exercises"))
    hint = with_lang(commands.add_parser("hint", help="a hint for one function, giving away more at each level"))
    hint.add_argument("function", choices=FUNCTIONS, metavar="FUNCTION")
    hint.add_argument("--level", type=int, choices=(1, 2, 3), default=1)


def instructor_commands(commands: argparse._SubParsersAction) -> None:
    batch = with_isolation(with_lang(commands.add_parser("batch", help="grade a whole class (hidden checks included)")))
    batch.add_argument("submissions", type=Path, help="one folder per student, or nbgrader's submitted/ layout")
    batch.add_argument("--out", type=Path, required=True, metavar="DIR", help="where results and reports go")
    batch.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N")
    batch.add_argument("--shard", default="1/1", metavar="K/N", help="grade the K-th of N deterministic shares")
    batch.add_argument("--force", action="store_true", help="grade again those already graded")
    batch.add_argument("--seed", type=int, help="the hidden checks' random inputs")
    batch.add_argument("--nbgrader-course", type=Path, metavar="DIR", help="also write the scores to its gradebook")
    batch.add_argument("--nbgrader-assignment", default="autograd", metavar="NAME")
    merge = with_lang(commands.add_parser("merge", help="combine the outputs of batch shards"))
    merge.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    merge.add_argument("--out", type=Path, metavar="DIR", help="for grades.csv, report.html (default: 1st DIR)")


def packaging_commands(commands: argparse._SubParsersAction) -> None:
    nbgrader = commands.add_parser("nbgrader", help="the lesson as an nbgrader course")
    build = nbgrader.add_subparsers(dest="nbgrader_command", required=True).add_parser(
        "build", help="write nbgrader_config.py and source/<assignment>/")
    build.add_argument("course", type=Path, metavar="COURSE_DIR")
    build.add_argument("--assignment", default="autograd", metavar="NAME")
    dist = commands.add_parser("dist", help="package the kit for distribution")
    student = dist.add_subparsers(dest="dist_command", required=True).add_parser(
        "student", help="a zip for students: exercises and public checks only")
    student.add_argument("zip", type=Path, metavar="OUT.zip")
    commands.add_parser("stubs", help="regenerate exercises/ and the reference run from solutions/")


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    if getattr(arguments, "isolation", None):
        os.environ["GRADER_ISOLATION"] = arguments.isolation  # the zygotes and the notices read it
    try:
        return COMMANDS[arguments.command](arguments)
    except (UsageError, IsolationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return Exit.USAGE
    except ModuleNotFoundError as error:
        if not instructors_only(error.name or ""):
            raise
        print("error: this copy of the kit has no hidden checks and no instructor tools (a student's copy).",
              file=sys.stderr)
        return Exit.USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def early_sandbox(path: Path) -> "Sandbox":
    """Check the folder (a usage error before any work), then start the worker: it imports
    torch while this process imports it too."""
    from grader.load import load_submission
    from grader.sandbox.spawn import spawn_zygote

    load_submission(path)
    zygote = spawn_zygote()
    from grader.sandbox.host import Sandbox

    return Sandbox(zygote=zygote)


def check(arguments: argparse.Namespace) -> int:
    for output in (arguments.json, arguments.html):
        if output is not None and not output.parent.is_dir():
            raise UsageError(f"cannot write {output}: the folder {output.parent} does not exist.")
    with early_sandbox(arguments.path) as sandbox:
        from grader.grade import grade
        from grader.report.gradescope import write_gradescope
        from grader.report.table import print_table

        seed = arguments.seed if arguments.seed is not None else random.randrange(2**31)
        result = grade(arguments.path, hidden=arguments.hidden, seed=seed, only=arguments.only, sandbox=sandbox)
    print_table(result, arguments.lang)
    if arguments.json is not None:
        write_gradescope(result, arguments.lang, arguments.json)
    if arguments.html is not None:
        from grader.report.html import write_feedback_page

        write_feedback_page(result, arguments.lang, arguments.html)
    return Exit.FULL_MARKS if result.score == result.max_score else Exit.NOT_FULL_MARKS


def watch(arguments: argparse.Namespace) -> int:
    with early_sandbox(arguments.path) as sandbox:
        from grader.frontends.watch import watch as watch_and_grade
        from grader.messages import say

        try:
            watch_and_grade(arguments.path, arguments.lang, sandbox)
        except KeyboardInterrupt:
            print(say("bye", arguments.lang))
    return Exit.FULL_MARKS


def hint(arguments: argparse.Namespace) -> int:
    from grader.messages import hint as hint_text
    from grader.messages import say

    for level in range(1, arguments.level + 1):
        text = hint_text(arguments.function, level, arguments.lang)
        print(say("hint_level", arguments.lang, level=level, function=arguments.function, hint=text))
    return Exit.FULL_MARKS


def batch(arguments: argparse.Namespace) -> int:
    from grader.instructor.batch import batch as grade_class
    from grader.instructor.batch import parse_shard

    if arguments.workers < 1:
        raise UsageError("--workers must be at least 1.")
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**31)
    shard_of = parse_shard(arguments.shard)
    course = arguments.nbgrader_course
    if course is not None and not (course / "gradebook.db").is_file():
        raise UsageError(f"{course} has no gradebook.db: build the course and run nbgrader generate_assignment first.")
    grade_class(arguments.submissions, arguments.out, workers=arguments.workers, seed=seed, lang=arguments.lang,
                force=arguments.force, shard_of=shard_of)
    if course is not None:
        from grader.instructor.gradebook import record_in_gradebook

        count = record_in_gradebook(arguments.out, course, arguments.nbgrader_assignment)
        print(f"wrote the scores of {count} students into {course / 'gradebook.db'}")
    return Exit.FULL_MARKS


def merge(arguments: argparse.Namespace) -> int:
    from grader.report.class_report import write_class_outputs

    missing = [folder for folder in arguments.folders if not folder.is_dir()]
    if missing:
        raise UsageError(f"{missing[0]} is not a folder of batch results.")
    summary = write_class_outputs(arguments.folders, arguments.out or arguments.folders[0], arguments.lang)
    print(f"merged: mean score {summary['mean_score']}/{summary['max_score']}; wrote {summary['grades_csv']} "
          f"and {summary['report']}")
    return Exit.FULL_MARKS


def nbgrader(arguments: argparse.Namespace) -> int:
    from grader.instructor.course import build_course

    if not arguments.assignment.replace("-", "").replace("_", "").isalnum():
        raise UsageError(f"--assignment {arguments.assignment!r}: use letters, digits, - and _ only.")
    for path in build_course(arguments.course, arguments.assignment):
        print(f"wrote {path}")
    return Exit.FULL_MARKS


def dist(arguments: argparse.Namespace) -> int:
    from grader import ROOT
    from grader.instructor.dist import student_zip

    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "solutions").is_dir():
        raise UsageError("run dist from the kit's own checkout (it reads pyproject.toml and exercises/).")
    if not arguments.zip.parent.is_dir():
        raise UsageError(f"cannot write {arguments.zip}: the folder {arguments.zip.parent} does not exist.")
    print(f"wrote {student_zip(arguments.zip)}")
    return Exit.FULL_MARKS


def stubs(arguments: argparse.Namespace) -> int:
    from grader.instructor.stubs import write_stubs

    for path in write_stubs():
        print(f"wrote {path}")
    return Exit.FULL_MARKS


COMMANDS = {
    "check": check, "watch": watch, "hint": hint, "batch": batch, "merge": merge, "nbgrader": nbgrader, "dist": dist,
    "stubs": stubs,
}
