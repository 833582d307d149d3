"""The command line: `python -m grader check|stubs|hint ...`."""

import argparse
import random
import sys
from enum import IntEnum
from pathlib import Path

from grader.lesson import FUNCTIONS
from grader.load import UsageError
from grader.messages import LANGUAGES, default_language


class Exit(IntEnum):
    FULL_MARKS = 0
    NOT_FULL_MARKS = 1
    USAGE = 2


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m grader", description="Grade the autograd lesson.")
    commands = top.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="grade the two lesson modules in a folder")
    check.add_argument("path", nargs="?", type=Path, default=Path("exercises"))
    check.add_argument("--hidden", action="store_true", help="add the hidden checks (instructors, CI)")
    check.add_argument("--json", type=Path, metavar="FILE", help="write Gradescope's results.json")
    check.add_argument("--lang", choices=LANGUAGES, default=default_language())
    check.add_argument("--seed", type=int, help="replay the random inputs of an earlier run")
    check.add_argument("--only", choices=FUNCTIONS, metavar="FUNCTION", help="grade one function")
    commands.add_parser("stubs", help="regenerate exercises/ from the marked regions of solutions/")
    return top


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        return COMMANDS[arguments.command](arguments)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return Exit.USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def check(arguments: argparse.Namespace) -> int:
    from grader.load import load_submission
    from grader.spawn import spawn_zygote

    load_submission(arguments.path)  # a usage error before any work
    if arguments.json is not None and not arguments.json.parent.is_dir():
        raise UsageError(f"cannot write {arguments.json}: the folder {arguments.json.parent} does not exist.")
    zygote = spawn_zygote()  # imports torch while this process does too

    from grader.grade import grade
    from grader.report.gradescope import write_gradescope
    from grader.report.table import print_table
    from grader.sandbox import Sandbox

    seed = arguments.seed if arguments.seed is not None else random.randrange(2**31)
    with Sandbox(process=zygote) as sandbox:
        result = grade(arguments.path, hidden=arguments.hidden, seed=seed, only=arguments.only, sandbox=sandbox)
    print_table(result, arguments.lang)
    if arguments.json is not None:
        write_gradescope(result, arguments.lang, arguments.json)
    return Exit.FULL_MARKS if result.score == result.max_score else Exit.NOT_FULL_MARKS


def stubs(arguments: argparse.Namespace) -> int:
    from grader.stubs import write_stubs

    for path in write_stubs():
        print(f"wrote {path}")
    return Exit.FULL_MARKS


COMMANDS = {"check": check, "stubs": stubs}
