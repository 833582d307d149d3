"""The command line: `python -m grader check|watch|hint|batch|merge|nbgrader|dist|stubs`."""

import argparse
import contextlib
import os
import random
import re
import sys
import warnings
from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from grader import ROOT, instructors_only
from grader.frontends.console import readable_everywhere
from grader.lessons import Lesson, find, kit_lessons
from grader.load import UsageError, holds_lesson
from grader.messages import LANGUAGES, default_language, say
from grader.sandbox.child.host_os import CALL_SECONDS, WALL_FACTOR
from grader.sandbox.spawn import ISOLATION_LEVELS, IsolationError
from grader.terminal import visible

if TYPE_CHECKING:
    from grader.instructor.batch import Summary
    from grader.instructor.roster import Roster
    from grader.instructor.settings import BatchSettings
    from grader.sandbox.host import Sandbox


GRADESCOPE_VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
# whose warnings a batch keeps off the instructor's terminal (nbgrader's gradebook warns through SQLAlchemy)
THIRD_PARTIES = ("nbformat", "sqlalchemy", "nbgrader", "traitlets", "jupyter_client")


class Exit(IntEnum):
    FULL_MARKS = 0
    NOT_FULL_MARKS = 1
    USAGE = 2


# argparse's own messages, as sentences of the catalogue (in the order they are tried)
ARGPARSE_MESSAGES = tuple((key, re.compile(pattern)) for key, pattern in (
    ("arg_required", r"the following arguments are required: (?P<names>.+)"),
    ("arg_unrecognized", r"unrecognized arguments: (?P<names>.+)"),
    ("arg_invalid_choice",
     r"argument (?P<argument>[^:]+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)"),
    ("arg_invalid_value", r"argument (?P<argument>[^:]+): invalid (?P<kind>int|float|Path) value: (?P<value>.+)"),
    ("arg_expected_value", r"argument (?P<argument>[^:]+): expected one argument"),
    ("arg_other", r"argument (?P<argument>[^:]+): (?P<message>.+)"),
))


class SentenceParser(argparse.ArgumentParser):
    """A usage error, argparse's own too, as one sentence in the student's language (no usage
    block above it), exit 2."""

    lang = "en"

    def error(self, message: str) -> NoReturn:
        problem = visible(argparse_sentence(message, self.lang))
        print(say("usage_error", self.lang, problem=problem, command=self.prog), file=sys.stderr)
        sys.exit(Exit.USAGE)


def argparse_sentence(message: str, lang: str) -> str:
    for key, pattern in ARGPARSE_MESSAGES:
        if found := pattern.fullmatch(message):
            fields = found.groupdict()
            if "kind" in fields:
                fields["kind"] = say(f"kind_{fields['kind'].lower()}", lang)
            return say(key, lang, **fields)
    return message


def requested_language(argv: list[str]) -> str:
    """The --lang of a command line that may not parse, else the locale's language."""
    for option, value in zip(argv, [*argv[1:], ""]):
        wanted = value if option == "--lang" else option.removeprefix("--lang=")
        if option.startswith("--lang") and wanted in LANGUAGES:
            return wanted
    return default_language()


def parser(lang: str = "en", lesson: Lesson | None = None) -> argparse.ArgumentParser:
    """The command line for `lesson` (its functions are --only's and hint's choices); its usage
    errors said in `lang` (subcommands' parsers share its class)."""
    taught = lesson or find(None)
    in_lang = type("Parser", (SentenceParser,), {"lang": lang})
    top = in_lang(prog="python -m grader", description="Grade a lesson of the kit.")
    commands = top.add_subparsers(dest="command", required=True)
    student_commands(commands, taught)
    for add in (instructor_commands, packaging_commands):
        add(commands)
    return top


def lesson_named(argv: list[str] | None, lang: str) -> Lesson:
    """The lesson --lesson names (a kit lesson's name or a lesson folder), read before the rest."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lesson")
    spec = early.parse_known_args(argv)[0].lesson
    try:
        return find(spec)
    except (FileNotFoundError, ModuleNotFoundError, AttributeError) as error:
        names = ", ".join(lesson.name for lesson in kit_lessons())
        raise UsageError(say("no_such_lesson", lang, lesson=spec, names=names)) from error


def default_folder(lesson: Lesson) -> Path:
    """Where a lesson's exercises are, as the command line names them: relative to the kit
    (the first lesson's is exercises/, run from the kit or beside it), else as they are."""
    return lesson.exercises.relative_to(ROOT) if lesson.exercises.is_relative_to(ROOT) else lesson.exercises


def with_lesson(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument("--lesson", metavar="NAME|PATH", help="a kit lesson's name, or the folder of a lesson "
                         "of your own (default: the first lesson, graded from exercises/)")
    return command


def with_lang(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    languages = " or ".join(LANGUAGES)
    command.add_argument("--lang", choices=LANGUAGES, default=default_language(), help=f"{languages} (default: locale)")
    return command


def with_limits(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument("--call-seconds", type=float, default=CALL_SECONDS, metavar="SECONDS",
                         help=f"CPU time one call of a student's function may use (default: {CALL_SECONDS:g}; "
                         f"code that sleeps is stopped after {WALL_FACTOR} times as long)")
    return command


MAX_CALL_SECONDS = 3600


def check_call_seconds(arguments: argparse.Namespace) -> None:
    seconds = getattr(arguments, "call_seconds", CALL_SECONDS)
    if not 0 < seconds <= MAX_CALL_SECONDS:
        raise UsageError(say("call_seconds_range", arguments.lang, high=MAX_CALL_SECONDS))


def with_isolation(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument("--isolation", choices=ISOLATION_LEVELS, help="bwrap, process, portable, or auto: "
                         "bubblewrap where it can start, then process (Linux), then portable (default: "
                         "$GRADER_ISOLATION, else auto)")
    return command


def student_commands(commands: argparse._SubParsersAction, lesson: Lesson) -> None:
    functions = lesson.functions
    check = with_lesson(with_limits(with_isolation(with_lang(commands.add_parser(
        "check", help="grade the lesson's modules in a folder")))))
    check.add_argument("path", nargs="?", type=Path, default=None, help="default: the lesson's exercises/")
    check.add_argument("--hidden", action="store_true", help="add the hidden checks (instructors, CI)")
    check.add_argument("--json", type=Path, metavar="FILE", help="write Gradescope's results.json")
    check.add_argument("--seed", type=int, help="replay the random inputs of an earlier run")
    check.add_argument("--only", choices=functions, metavar="FUNCTION", help="grade one function")
    check.add_argument("--html", type=Path, metavar="FILE", help="write a feedback page with your plots")
    watch = with_lesson(with_limits(with_isolation(with_lang(commands.add_parser(
        "watch", help="grade, then grade again whenever you save")))))
    watch.add_argument("path", nargs="?", type=Path, default=None, help="default: the lesson's exercises/")
    hint = with_lesson(with_lang(commands.add_parser("hint", help="a hint for one function, giving away more at "
                                                     "each level")))
    hint.add_argument("function", nargs="?", choices=functions, metavar="FUNCTION",
                      help="default: the first unfinished one in --path")
    hint.add_argument("--path", type=Path, default=None, help="your exercises (default: the lesson's exercises/)")
    hint.add_argument("--level", type=int, choices=(1, 2, 3), default=1)


def instructor_commands(commands: argparse._SubParsersAction) -> None:
    batch = with_lesson(with_limits(with_isolation(with_lang(commands.add_parser(
        "batch", help="grade a whole class (hidden checks included)")))))
    batch.add_argument("submissions", type=Path, help="one folder per student, or nbgrader's submitted/ layout")
    batch.add_argument("--out", type=Path, required=True, metavar="DIR", help="where results and reports go")
    batch.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N")
    batch.add_argument("--shard", default="1/1", metavar="K/N", help="grade the K-th of N deterministic shares")
    batch.add_argument("--force", action="store_true", help="grade everyone again, changed or not")
    batch.add_argument("--regrade", nargs="+", metavar="NAME", help="grade these students again, changed or not")
    batch.add_argument("--seed", type=int, help="the hidden checks' random inputs (default: the seed the class "
                       "was graded with into --out, else drawn)")
    batch.add_argument("--reseed", action="store_true", help="a new seed for a class graded before: everyone "
                       "is graded again")
    batch.add_argument("--nbgrader-course", type=Path, metavar="DIR", help="also write the scores to its gradebook")
    batch.add_argument("--nbgrader-assignment", default="autograd", metavar="NAME")
    batch.add_argument("--roster", type=Path, metavar="CSV", help="folder, id, email...: joined into grades.csv; "
                       "also writes canvas.csv")
    merge = with_lesson(with_lang(commands.add_parser("merge", help="combine the outputs of batch shards")))
    merge.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    merge.add_argument("--out", type=Path, metavar="DIR", help="for grades.csv, report.html (default: 1st DIR)")
    merge.add_argument("--roster", type=Path, metavar="CSV", help="as for batch")
    merge.add_argument("--mixed-seeds", action="store_true", help="merge shards graded with different seeds")
    merge.add_argument("--keep-newest", action="store_true", help="where a student's results differ, keep the newest")


def packaging_commands(commands: argparse._SubParsersAction) -> None:
    nbgrader = commands.add_parser("nbgrader", help="the lesson as an nbgrader course")
    build = with_lesson(nbgrader.add_subparsers(dest="nbgrader_command", required=True).add_parser(
        "build", help="write nbgrader_config.py and source/<assignment>/"))
    build.add_argument("course", type=Path, metavar="COURSE_DIR")
    build.add_argument("--assignment", default="autograd", metavar="NAME")
    dist = commands.add_parser("dist", help="package the kit for distribution")
    targets = dist.add_subparsers(dest="dist_command", required=True)
    student = with_lesson(targets.add_parser("student", help="a zip for students: exercises and public checks only"))
    student.add_argument("zip", type=Path, metavar="OUT.zip")
    deploy_commands(targets)
    with_lesson(commands.add_parser("stubs", help="regenerate the lesson's stubs and reference run from its "
                                    "solutions"))


def deploy_commands(targets: argparse._SubParsersAction) -> None:
    """The students' wheel, and where instructors grade (grader/instructor/deploy/)."""
    wheel = with_lang(targets.add_parser("student-wheel", help="a wheel for students: no solutions, no hidden checks"))
    wheel.add_argument("out", type=Path, metavar="OUTDIR")
    gradescope = with_lesson(with_deploy_options(targets.add_parser("gradescope", help="a Gradescope autograder zip")))
    gradescope.add_argument("out", type=Path, metavar="OUT.zip")
    gradescope.add_argument("--hidden-visibility", choices=GRADESCOPE_VISIBILITIES, default="after_published",
                            help="when students see the hidden checks (default: after_published)")
    gradescope.add_argument("--leaderboard", action="store_true", help="put score and time on the leaderboard")
    prairielearn = with_lesson(with_deploy_options(targets.add_parser("prairielearn",
                                                                      help="a PrairieLearn question folder")))
    prairielearn.add_argument("out", type=Path, metavar="DIR")
    prairielearn.add_argument("--image", default="autograd-kit-grader", help="the grading image, built from "
                              "DIR/image/Dockerfile and pushed (default: autograd-kit-grader, a local build)")


def with_deploy_options(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    with_lang(command)
    command.add_argument("--seed", type=int, help="the hidden checks' random inputs, the same for every student "
                         "(default: drawn now)")
    command.add_argument("--time-limit", type=int, metavar="SECONDS", help="the kit's limit on grading one "
                         "submission (default: 120)")
    return with_limits(command)


def main(argv: list[str] | None = None) -> int:
    readable_everywhere()
    lang = requested_language(sys.argv[1:] if argv is None else argv)
    try:
        lesson = lesson_named(argv, lang)
    except UsageError as error:
        print(f"error: {visible(str(error))}", file=sys.stderr)
        return Exit.USAGE
    arguments = parser(lang, lesson).parse_args(argv)
    arguments.taught = lesson
    if getattr(arguments, "path", "") is None:
        arguments.path = default_folder(lesson)
    if getattr(arguments, "isolation", None):
        os.environ["GRADER_ISOLATION"] = arguments.isolation  # the zygotes and the notices read it
    try:
        check_call_seconds(arguments)
        return COMMANDS[arguments.command](arguments)
    except (UsageError, IsolationError) as error:
        print(visible(say("error_line", getattr(arguments, "lang", "en"), problem=str(error))), file=sys.stderr)
        return Exit.USAGE
    except ModuleNotFoundError as error:
        if not instructors_only(error.name or ""):
            raise
        print(say("error_line", getattr(arguments, "lang", "en"), problem=say("students_copy", arguments.lang)),
              file=sys.stderr)
        return Exit.USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def early_sandbox(path: Path, lesson: Lesson, call_seconds: float = CALL_SECONDS) -> "Sandbox":
    """Check the folder (a usage error before any work), then start the worker: it imports
    torch while this process imports it too."""
    from grader.load import load_submission
    from grader.sandbox.spawn import spawn_worker

    load_submission(path, lesson)
    worker = spawn_worker()
    from grader.sandbox.host import Limits, Sandbox

    return Sandbox(limits=Limits(call_seconds=call_seconds), zygote=worker)


def lesson_folder(path: Path, command: str, lang: str, lesson: Lesson) -> Path:
    """The folder to grade: `path`; where it lacks the lesson files, the folder run in (a student
    inside exercises/), or the one folder below `path` that holds them. Else where to run it."""
    if holds_lesson(path, lesson.api):
        return path
    if path == default_folder(lesson) and not path.exists():  # the default: the student is inside it, or beside
        path = Path(".")
        if holds_lesson(path, lesson.api):
            return path
    if not path.is_dir():
        raise UsageError(say("not_a_folder_here", lang, path=path, cwd=Path.cwd(), command=command))
    below = folders_below(path, lesson)
    if len(below) == 1:
        print(visible(say("found_lesson_in", lang, path=below[0])), file=sys.stderr)
        return below[0]
    files = " / ".join(f"{module}.py" for module in lesson.api)
    if below:
        folders = ", ".join(map(str, below))
        raise UsageError(say("lesson_folders_below", lang, path=path, folders=folders, command=command, first=below[0]))
    raise UsageError(say("no_lesson_here", lang, path=path.resolve() if path == Path(".") else path, files=files,
                         command=command))


def folders_below(path: Path, lesson: Lesson) -> list[Path]:
    try:
        return [child for child in sorted(path.iterdir()) if child.is_dir() and holds_lesson(child, lesson.api)]
    except OSError:  # a folder the student may not list
        return []


def check(arguments: argparse.Namespace) -> int:
    for output in (arguments.json, arguments.html):
        if output is not None and not output.parent.is_dir():
            raise UsageError(say("dist_parent_missing", arguments.lang, path=output, parent=output.parent))
    arguments.path = lesson_folder(arguments.path, "check", arguments.lang, arguments.taught)
    with early_sandbox(arguments.path, arguments.taught, arguments.call_seconds) as sandbox:
        from grader.grade import grade
        from grader.report.gradescope import write_gradescope
        from grader.report.table import print_table

        seed = arguments.seed if arguments.seed is not None else random.randrange(2**31)
        result = grade(arguments.path, hidden=arguments.hidden, seed=seed, only=arguments.only, sandbox=sandbox,
                       lesson=arguments.taught)
    shown = result if arguments.hidden else result.for_student()  # --hidden: an instructor's or CI's run
    print_table(shown, arguments.lang)
    if arguments.json is not None:
        write_gradescope(result, arguments.lang, arguments.json)
    if arguments.html is not None:
        from grader.report.html import write_feedback_page

        write_feedback_page(shown, arguments.lang, arguments.html)
    return Exit.FULL_MARKS if result.score == result.max_score else Exit.NOT_FULL_MARKS


def watch(arguments: argparse.Namespace) -> int:
    arguments.path = lesson_folder(arguments.path, "watch", arguments.lang, arguments.taught)
    with early_sandbox(arguments.path, arguments.taught, arguments.call_seconds) as sandbox:
        from grader.frontends.watch import watch as watch_and_grade
        from grader.messages import say

        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops it as q does
            watch_and_grade(arguments.path, arguments.lang, sandbox, lesson=arguments.taught)
        print(say("bye", arguments.lang))
    return Exit.FULL_MARKS


def hint(arguments: argparse.Namespace) -> int:
    from grader.messages import hint as hint_text
    from grader.messages import say

    function = arguments.function or first_unfinished_in(
        lesson_folder(arguments.path, "hint", arguments.lang, arguments.taught), arguments.taught)
    if function is None:
        from grader.report.student import all_done

        print(all_done(arguments.lang))
        return Exit.FULL_MARKS
    for level in range(1, arguments.level + 1):
        text = hint_text(function, level, arguments.lang, arguments.taught)
        print(say("hint_level", arguments.lang, level=level, function=function, hint=text))
    return Exit.FULL_MARKS


def first_unfinished_in(path: Path, lesson: Lesson) -> str | None:
    """The function the watcher shows: the first, in lesson order, that fails a public check."""
    with early_sandbox(path, lesson) as sandbox:
        from grader.grade import grade
        from grader.report.student import first_unfinished

        return first_unfinished(grade(path, hidden=False, seed=0, sandbox=sandbox, lesson=lesson))


def batch(arguments: argparse.Namespace) -> int:
    from grader.messages import say

    settings = batch_settings(arguments)  # every usage error comes here, before torch is imported
    lang, seed = settings.lang, settings.seed
    origin = say(seed.origin, lang)
    print(visible(say("batch_start", lang, root=settings.root, out=settings.out, seed=seed.value, origin=origin)),
          flush=True)
    with quiet_third_parties():
        summary = grade_the_class(settings)
        from grader.instructor.batch import summary_lines

        lines = summary_lines(summary, settings.roster, lang)
        if arguments.nbgrader_course is not None:
            from grader.instructor.gradebook import record_in_gradebook

            course = arguments.nbgrader_course
            count = record_in_gradebook(settings.out, course, arguments.nbgrader_assignment, lang, settings.lesson)
            lines.insert(-1, say("wrote_gradebook", lang, count=count, gradebook=course / "gradebook.db"))
    print(visible("\n".join(lines)))  # folder names and reasons come from the hand-ins
    return Exit.FULL_MARKS if summary.all_graded else Exit.NOT_FULL_MARKS  # 1: a hand-in was not graded


def grade_the_class(settings: "BatchSettings") -> "Summary":
    from grader.sandbox.spawn import require_containment, spawn_worker

    require_containment(settings.lang)
    # started first: the workers import torch while this process does (the batch kills them when done)
    zygotes = [spawn_worker() for _ in range(settings.workers)]
    try:
        from grader.instructor.batch import batch as grade_class

        return grade_class(settings, zygotes=zygotes)
    finally:
        for zygote in zygotes:
            zygote.kill()


def batch_settings(arguments: argparse.Namespace) -> "BatchSettings":
    """Every option checked, and the class's seed chosen: a usage error before any work."""
    from grader.instructor import settings as checks

    lang, root, out = arguments.lang, arguments.submissions, arguments.out
    if arguments.nbgrader_course is not None:
        from grader.instructor.gradebook import check_course

        check_course(arguments.nbgrader_course, arguments.nbgrader_assignment, lang)
    checks.check_out(root, out, lang)
    return checks.BatchSettings(
        root, out, checks.check_workers(arguments.workers, lang), checks.class_seed(out, arguments.seed,
                                                                                    arguments.reseed, lang),
        checks.parse_shard(arguments.shard, lang), lang, arguments.force,
        checks.chosen_students(root, arguments.regrade or [], lang), read_roster(arguments.roster, lang),
        arguments.call_seconds, lesson=arguments.taught)


@contextlib.contextmanager
def quiet_third_parties() -> Iterator[None]:
    """The libraries' warnings are not the instructor's to act on (nbformat's about notebooks
    without cell ids, SQLAlchemy's from nbgrader's gradebook): kept off their terminal."""
    with warnings.catch_warnings():
        for library in THIRD_PARTIES:
            warnings.filterwarnings("ignore", module=rf"{library}(\.|$)")
        yield


def read_roster(file: Path | None, lang: str) -> "Roster | None":
    from grader.instructor.roster import read_roster as read

    return None if file is None else read(file, lang)


def merge(arguments: argparse.Namespace) -> int:
    from grader.instructor.merge import Choices
    from grader.instructor.merge import merge as merge_folders
    from grader.instructor.summary import class_lines
    from grader.messages import say

    lang, roster = arguments.lang, read_roster(arguments.roster, arguments.lang)
    choices = Choices(mixed_seeds=arguments.mixed_seeds, keep_newest=arguments.keep_newest)
    records, grades_csv, report = merge_folders(arguments.folders, arguments.out or arguments.folders[0], lang,
                                                choices, roster, arguments.taught)
    print(visible("\n".join([say("merged", lang, count=len(records)), *class_lines(records, roster, lang),
                             say("wrote_outputs", lang, grades_csv=grades_csv, report=report)])))
    return Exit.FULL_MARKS


def nbgrader(arguments: argparse.Namespace) -> int:
    from grader.instructor.course import build_course

    if not arguments.assignment.replace("-", "").replace("_", "").isalnum():
        raise UsageError(f"--assignment {arguments.assignment!r}: use letters, digits, - and _ only.")
    for path in build_course(arguments.course, arguments.assignment, arguments.taught):
        print(f"wrote {path}")
    return Exit.FULL_MARKS


def dist(arguments: argparse.Namespace) -> int:
    from grader import ROOT
    from grader.instructor.dist import student_zip

    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "solutions").is_dir():
        raise UsageError("run dist from the kit's own checkout (it reads pyproject.toml and exercises/).")
    if arguments.dist_command != "student":
        from grader.instructor.deploy.commands import deploy
        from grader.messages import say

        for path in deploy(arguments):
            print(say("dist_wrote", arguments.lang, path=path))
        return Exit.FULL_MARKS
    if not arguments.zip.parent.is_dir():
        raise UsageError(f"cannot write {arguments.zip}: the folder {arguments.zip.parent} does not exist.")
    print(f"wrote {student_zip(arguments.zip, arguments.taught)}")
    return Exit.FULL_MARKS


def stubs(arguments: argparse.Namespace) -> int:
    from grader.instructor.stubs import write_stubs

    for path in write_stubs(arguments.taught):
        print(f"wrote {path}")
    return Exit.FULL_MARKS


COMMANDS = {
    "check": check, "watch": watch, "hint": hint, "batch": batch, "merge": merge, "nbgrader": nbgrader, "dist": dist,
    "stubs": stubs,
}
