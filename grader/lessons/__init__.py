"""Lessons as data: the `Lesson` record the engine is given, and where lessons are found.

A lesson is a folder: `__init__.py` defines `LESSON`, a `Lesson`; `checks/public.py` and
`checks/hidden.py` its checks (students' copies leave the hidden ones out);
`catalogue/<lang>.toml` its text (claims, hints, misconceptions, notebook text, labels);
its marked solutions and generated stubs wherever `solutions` and `exercises` say. The
kit's own lessons are the folders here; an instructor's lesson is a folder anywhere,
given by its path (`--lesson PATH`). The engine names no lesson function: every fact
about the exercises comes from the record.
"""

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.checks import Check
    from grader.results import Grade

KIT_LESSONS = Path(__file__).parent


def no_checks() -> list["Check"]:
    return []


def no_figures(grade: "Grade", lang: str) -> list[tuple[str, str, str]]:
    return []


@dataclass(frozen=True, eq=False)
class Lesson:
    """Everything lesson-specific the engine needs; the engine takes it as a parameter. Each
    lesson is loaded once: two are the same lesson when they are the same object."""

    name: str
    """its key: a kit lesson's folder name (keys of exercises are (lesson, module, function))"""
    number: int
    """its place in the series: `python -m grader check` with no lesson grades the lowest"""
    api: Mapping[str, tuple[str, ...]]
    """the student modules, each with its graded functions, in lesson order"""
    folder: Path
    """the lesson's folder: its catalogue/ and checks/"""
    solutions: Path
    """the marked reference solutions, one .py per module (the single source of the stubs)"""
    exercises: Path
    """where the stubs are generated, and what `check` grades by default"""
    public: Callable[[], list["Check"]] = no_checks
    hidden: Callable[[], list["Check"]] = no_checks
    """loads the hidden checks (ModuleNotFoundError in a student's copy, which leaves them out)"""
    depends_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """a function graded through the helpers it calls: its failures are blamed on them"""
    stand_ins: Callable[[str], str] | None = None
    """the source of a function's public stand-in, for blame's re-runs (never the reference)"""
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """other right stand-ins of a function that calls helpers, tried in turn"""
    by_hand: tuple[str, ...] = ()
    """functions that must work with autograd off (no autograd anywhere they reach)"""
    with_autograd: tuple[str, ...] = ()
    """functions that must let autograd do the work (call backward or torch.autograd.grad)"""
    no_backward: Mapping[str, str] = field(default_factory=dict)
    """the misconception a with_autograd function's missing backward points to (else gradients_by_hand)"""
    common_errors: tuple[tuple[str, str], ...] = ()
    """(a piece of an error message, the misconception): the errors learners meet in this lesson"""
    script_names: frozenset[str] = frozenset()
    """the names of the tutorial's own script: a NameError on one is its code pasted into a function"""
    example_function: str = ""
    """the function the student README's hint example names"""
    page_figures: Callable[["Grade", str], list[tuple[str, str, str]]] = no_figures
    """hook: (title, PNG data URI, a sentence under the title or "") for the feedback page"""
    demo_cells: Mapping[str, str] = field(default_factory=dict)
    """hook: per module, a notebook cell that runs the finished module (not graded)"""
    reference_run: Callable[[], Any] | None = None
    """hook: runs the reference, for the data the public checks need (with solutions only)"""
    reference_run_file: Path | None = None
    """where `stubs` writes the reference run, so students' copies need no solutions"""

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(name for names in self.api.values() for name in names)

    @property
    def module_of(self) -> dict[str, str]:
        return {name: module for module, names in self.api.items() for name in names}

    @property
    def catalogue(self) -> Path:
        return self.folder / "catalogue"

    def key(self, function: str) -> tuple[str, str, str]:
        """An exercise's key: (lesson, module, function)."""
        return self.name, self.module_of[function], function

    def checks(self, hidden: bool) -> list["Check"]:
        """The public checks, and the hidden ones if asked, each knowing its module and the
        lesson's common errors."""
        found = self.public() + (self.hidden() if hidden else [])
        return [replace(c, module=self.module_of[c.function], errors=c.errors + self.common_errors,
                        script_names=self.script_names) for c in found]

    def reference(self, function: str) -> Callable:
        """The reference solution of `function`, loaded only in the grader's process."""
        from grader.checks import reference_module

        return getattr(reference_module(self.module_of[function], self.solutions), function)


def kit_lessons() -> list[Lesson]:
    """The kit's own lessons, in series order."""
    return sorted((named(folder.name) for folder in KIT_LESSONS.iterdir() if (folder / "__init__.py").is_file()),
                  key=lambda lesson: lesson.number)


def first() -> Lesson:
    return kit_lessons()[0]


@cache
def named(name: str) -> Lesson:
    """A kit lesson by its folder name."""
    return importlib.import_module(f"{__name__}.{name}").LESSON


def find(spec: str | Path | None = None) -> Lesson:
    """A lesson by a kit lesson's name, or by the path of a lesson folder; the first lesson for None."""
    if spec is None:
        return first()
    if isinstance(spec, str) and (KIT_LESSONS / spec / "__init__.py").is_file() and "/" not in spec:
        return named(spec)
    return from_folder(Path(spec).resolve())


@cache
def from_folder(folder: Path) -> Lesson:
    """A lesson folder outside the kit, loaded as a package of its own (its modules import
    each other relatively, or as `<package>.checks`)."""
    init = folder / "__init__.py"
    if not init.is_file():
        raise FileNotFoundError(f"{folder} is not a lesson folder: it has no __init__.py defining LESSON")
    package = f"grader_lesson_{folder.name}"
    spec = importlib.util.spec_from_file_location(package, init, submodule_search_locations=[str(folder)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    spec.loader.exec_module(module)
    return module.LESSON


def given(lesson: Lesson | None) -> Lesson:
    """The lesson a front end passed in, else the first of the series (what `check` grades with no lesson named)."""
    return lesson if lesson is not None else first()
