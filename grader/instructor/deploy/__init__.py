"""Deploy the kit where instructors grade: a Gradescope autograder zip (gradescope.py), a
PrairieLearn question (prairielearn.py), and a wheel for students (wheel.py).

What both platforms share, here: which of the kit's files go with the grader, the options
an instructor picks (written beside the kit as deploy.json, read back by run.py on the
platform), and grading one hand-in there: its files found anywhere below the folder the
platform gives (intake.py, as batch finds a student's), graded with every check.

The kit is never pip-installed on a platform: an installed copy sits in site-packages,
which a child may read; run from its own folder, only the grader's process reads the
reference, and run_autograder and run.sh make that folder unreadable to other uids too.
"""

import json
import tempfile
from dataclasses import asdict, dataclass, replace
from importlib.metadata import version
from pathlib import Path

from grader import ROOT
from grader.instructor.dist import requirements
from grader.instructor.intake import Intake, Student, prepare
from grader.instructor.student_results import KEPT_FROM_STUDENTS
from grader.lessons import KIT_LESSONS, Lesson, find, first
from grader.load import UsageError
from grader.messages import say
from grader.report import function_feedback, function_points, render
from grader.results import Grade
from grader.sandbox.host import Limits

TEMPLATES = Path(__file__).parent / "templates"
OPTIONS = "deploy.json"  # beside the kit, on the platform
KIT = ("grader", "solutions")  # what grading needs (the stubs and the tests stay behind)
KIT_SUFFIXES = (".py", ".toml", ".json")
MIN_SECONDS, MAX_SECONDS = 10, 270  # twice the limit plus a minute fits PrairieLearn's 600 s


@dataclass(frozen=True)
class Options:
    """What the instructor chose at `python -m grader dist`, as the platform's run reads it."""

    lang: str
    seed: int
    """every student meets the same hidden inputs; `check --hidden --seed` replays them"""
    time_limit: float = Limits().job_seconds
    call_seconds: float = Limits().call_seconds
    """the CPU time one call of a student's function may use"""
    """the kit's own limit on one submission's checks, in seconds"""
    hidden_visibility: str = "after_published"
    """Gradescope: when students see the hidden checks"""
    leaderboard: bool = False
    """Gradescope: add the score and the time to the assignment's leaderboard"""
    lesson: str = ""
    """the lesson graded: "" for the first, a kit lesson's name, or the folder (relative to the
    deployed kit) an instructor's own lesson was copied to"""


def options_json(options: Options) -> str:
    """deploy.json; the lesson only where it is not the first (a first lesson's deploy.json is as it always was)."""
    chosen = {key: value for key, value in asdict(options).items() if key != "lesson" or value}
    return json.dumps(chosen, indent=2) + "\n"


def read_options(kit: Path = ROOT) -> Options:
    return Options(**json.loads((kit / OPTIONS).read_text("utf-8")))


def kit_files() -> list[str]:
    """The kit's files that grading needs, relative to its checkout."""
    return [p.relative_to(ROOT).as_posix() for p in grading_files([ROOT / folder for folder in KIT])]


def grading_files(folders: list[Path]) -> list[Path]:
    files = [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]
    return [p for p in files if p.suffix in KIT_SUFFIXES and "__pycache__" not in p.parts]


def lesson_files(lesson: Lesson) -> dict[str, Path]:
    """An instructor's own lesson (a folder outside the kit), by where it goes in the deployed
    kit: lessons/<name>/ (its solutions must be inside it); none for the kit's own."""
    if lesson.folder.parent == KIT_LESSONS:
        return {}
    if not lesson.solutions.is_relative_to(lesson.folder):
        raise UsageError(f"{lesson.folder}: to deploy a lesson, keep its solutions/ inside its folder")
    return {f"{deployed_folder(lesson)}/{p.relative_to(lesson.folder).as_posix()}": p
            for p in grading_files([lesson.folder])}


def deployed_folder(lesson: Lesson) -> str:
    """Where the lesson goes in the deployed kit, as Options.lesson names it."""
    return "" if lesson == first() else lesson.name if lesson.folder.parent == KIT_LESSONS else f"lessons/{lesson.name}"


def deployed_lesson(options: Options, kit: Path = ROOT) -> Lesson:
    if "/" in options.lesson:
        return find(kit / options.lesson)
    return find(options.lesson or None)


def requirements_txt() -> str:
    return "\n".join(requirements()) + "\n"


def torch_version() -> str:
    """The torch the instructor's kit runs with (its public version: 2.13.0, not 2.13.0+cpu)."""
    return version("torch").split("+")[0]


def template(name: str, **fields: object) -> str:
    return (TEMPLATES / name).read_text("utf-8").format(**fields)


def grade_hand_in(folder: Path, options: Options) -> Grade | Intake:
    """The hand-in graded with every check, or, where no lesson file is found, why not."""
    from grader.grade import grade  # torch: only once the platform runs
    from grader.sandbox.host import Sandbox

    with tempfile.TemporaryDirectory(prefix="grader-hand-in-") as scratch:
        lesson = deployed_lesson(options)
        intake = prepare(Student("submission", folder.name, folder), Path(scratch), lesson)
        if intake.path is None:
            return intake
        with Sandbox(limits=Limits(call_seconds=options.call_seconds, job_seconds=options.time_limit)) as sandbox:
            result = grade(intake.path, hidden=True, seed=options.seed, sandbox=sandbox, lesson=lesson)
    return replace(result, notices=[*result.notices, *intake.notes])


def for_students(result: Grade) -> Grade:
    """Without the notices that would tell a student where the sandbox is weaker."""
    return replace(result, notices=[n for n in result.notices if n.message not in KEPT_FROM_STUDENTS])


def public_part(result: Grade) -> Grade:
    """The public checks' results alone, with what a student may read of the notices."""
    return replace(for_students(result), results=[r for r in result.results if not r.hidden])


def hidden_checks(result: Grade) -> int:
    """How many hidden checks ran (a check counts once, on however many devices)."""
    return len({(r.function, r.claim) for r in result.results if r.hidden})


def summary(result: Grade, lang: str) -> str:
    """The whole grading as plain text, for the instructor's log: every check's feedback, the
    total and the seed, then what the code printed."""
    lines = [*checked_lines(result, lang), f"{say('total', lang)}: {result.score:g}/{result.max_score:g}, "
             f"{say('seed', lang, seed=result.seed)}"]
    if result.output.strip():
        lines += ["", f"--- {say('student_output', lang)} ---", result.output]
    return "\n".join(lines)


def student_summary(result: Grade, lang: str) -> str:
    """What a student reads before the hidden checks are shown: the public checks' feedback
    and points, and how many hidden checks ran; of those, no name, feedback or points. Not
    what the code printed either: it ran on the hidden checks' inputs too."""
    public = public_part(result)
    count = hidden_checks(result)
    return "\n".join([*checked_lines(public, lang), say("public_total", lang, score=public.score,
                                                        max_score=public.max_score),
                      *([say("hidden_checks_ran", lang, count=count)] if count else [])])


def checked_lines(result: Grade, lang: str) -> list[str]:
    """The notices, then a line per function with its points and feedback."""
    lines = [render(notice, lang, result.lesson) for notice in result.notices]
    for function, (got, worth) in function_points(result).items():
        lines.append(f"{function}: {got:g}/{worth:g}: {function_feedback(result, function, lang)}")
    return lines


def not_graded_text(intake: Intake, lang: str) -> list[str]:
    assert intake.reason is not None  # every hand-in that cannot be graded says why
    return [render(intake.reason, lang), *(render(note, lang) for note in intake.notes)]
