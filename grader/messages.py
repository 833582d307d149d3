"""Every sentence the grader says, looked up in one catalogue file per language: the
engine's (grader/catalogue/<lang>.toml), with the lesson's own (<lesson>/catalogue/<lang>.toml:
claims, hints, misconceptions, labels, notebook text) merged over it. Adding a language
is adding a file to each. Where no lesson is given, the first lesson's text is used."""

import locale
import os
import re
import string
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

if TYPE_CHECKING:
    from grader.lessons import Lesson

CATALOGUE = Path(__file__).parent / "catalogue"
# English first: it is the fallback, and the order bilingual texts are written in
LANGUAGES: tuple[str, ...] = tuple(sorted((p.stem for p in CATALOGUE.glob("*.toml")), key=lambda s: (s != "en", s)))


def catalogue(lang: str, lesson: "Lesson | None" = None) -> dict:
    """The engine's entries with the lesson's merged over them."""
    from grader.lessons import given

    return merged(lang, given(lesson).catalogue)


@cache
def merged(lang: str, lesson_catalogue: Path) -> dict:
    if lang not in LANGUAGES:
        raise KeyError(f"no catalogue for language {lang!r} (there are {', '.join(LANGUAGES)})")
    engine = tomllib.loads((CATALOGUE / f"{lang}.toml").read_text("utf-8"))
    file = lesson_catalogue / f"{lang}.toml"
    return merge(engine, tomllib.loads(file.read_text("utf-8")) if file.is_file() else {})


def merge(base: dict, over: dict) -> dict:
    return {**base, **{key: merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict)
                       else value for key, value in over.items()}}


def entry(section: str, key: str, lang: str, lesson: "Lesson | None" = None) -> str:
    """One entry, or a KeyError that says which file lacks it: a missing text is a grader bug."""
    table = catalogue(lang, lesson)
    for name in section.split("."):
        table = table.get(name, {})
    if key not in table:
        raise KeyError(f"{lang}.toml has no [{section}] entry {key!r}")
    return table[key]


def fields(template: str) -> set[str]:
    """The names of a template's str.format fields: {seconds:g} is 'seconds'."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def say(key: str, lang: str, lesson: "Lesson | None" = None, /, **params: object) -> str:
    template = entry("messages", key, lang, lesson)
    if fields(template) != set(params):
        raise ValueError(f"message {key!r} takes {sorted(fields(template))}, was given {sorted(params)}")
    return template.format(**params)


def explain(misconception: str, lang: str, lesson: "Lesson | None" = None) -> str:
    return entry("misconceptions", misconception, lang, lesson)


def claim(text: str, lang: str, lesson: "Lesson | None" = None) -> str:
    """A check's claim in `lang` (the English text is also its stable name, and its key)."""
    return entry("claims", text, lang, lesson)


def hint(function: str, level: int, lang: str, lesson: "Lesson | None" = None) -> str:
    """Level 1 gives the idea, 2 the torch calls, 3 the shape of the code."""
    return entry(f"hints.{function}", str(level), lang, lesson)


def figure_labels(lang: str, lesson: "Lesson | None" = None) -> dict[str, str]:
    """The figures' labels, keyed as the figures draw them."""
    return catalogue(lang, lesson)["labels"]


def needs_cjk_font(lang: str) -> bool:
    return catalogue(lang)["needs_cjk_font"]


def in_every_language(section: str, key: str, separator: str = " / ", lesson: "Lesson | None" = None) -> str:
    """One entry in every language, for the texts that students read whatever their locale
    (stubs, notebooks, the student README)."""
    return separator.join(entry(section, key, lang, lesson) for lang in LANGUAGES)


def default_language() -> str:
    """The language of the first locale variable set, if there is a catalogue for it."""
    variables = (os.environ.get(name) for name in ("LC_ALL", "LC_MESSAGES", "LANG"))
    value = next(filter(None, variables), None) or locale.getlocale()[0] or ""
    code = re.split(r"[^a-z]", value.lower())[0]  # zh_CN.UTF-8 is zh
    return code if code in LANGUAGES else "en"
