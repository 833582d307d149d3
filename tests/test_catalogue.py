"""The message catalogue: every language has every entry, each template takes the fields the
code gives it, and every misconception, claim and hint the grader looks up is there."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.lessons import KIT_LESSONS, Lesson, find, kit_lessons
from grader.lessons.autograd import FUNCTIONS
from grader.lessons.autograd.checks import collect
from grader.messages import LANGUAGES, catalogue, fields, say
from grader.sandbox.records import ErrorKind
from tests.conftest import ROOT

SOURCES = sorted((ROOT / "grader").rglob("*.py"))
OTHERS = [lang for lang in LANGUAGES if lang != "en"]


def flattened(table: dict, prefix: str = "") -> dict[str, object]:
    """{"messages.total": "Total", "hints.train.1": ...}: one path per entry."""
    found: dict[str, object] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        found.update(flattened(value, f"{path}.") if isinstance(value, dict) else {path: value})
    return found


def parsed(files: list[Path]) -> Iterator[ast.AST]:
    for file in files:
        yield from ast.walk(ast.parse(file.read_text("utf-8"), str(file)))


def text(node: ast.expr | None) -> str | None:
    """A string literal's value; None for anything else."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def calls(tree: Iterator[ast.AST], name: str) -> Iterator[tuple[str, ast.Call]]:
    """(key, call) for the calls of `name(...)` whose first argument is a literal string."""
    for node in tree:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name and node.args:
            if (key := text(node.args[0])) is not None:
                yield key, node


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def literal_keys(node: ast.expr | None) -> set[str] | None:
    """The keys of a dict literal with literal string keys; None for anything else."""
    keys = [text(k) for k in node.keys] if isinstance(node, ast.Dict) else [None]
    return None if None in keys else {k for k in keys if k is not None}


def say_uses(tree: Iterator[ast.AST]) -> Iterator[tuple[str, set[str], str]]:
    """(key, the field names given, where) for each say("key", lang, field=...); a call with
    **params cannot be read and is left out."""
    for key, call in calls(tree, "say"):
        if all(k.arg is not None for k in call.keywords):
            yield key, {k.arg for k in call.keywords if k.arg}, f"line {call.lineno}"


def feedback_uses(tree: Iterator[ast.AST]) -> Iterator[tuple[str, set[str], str]]:
    """(key, the field names given, where) for each Feedback("key", {...}) with literal params."""
    for key, call in calls(tree, "Feedback"):
        params = call.args[1] if len(call.args) > 1 else keyword(call, "params")
        given = set() if params is None else literal_keys(params)
        if given is not None:
            # report.render fills {reason} with the cause's own text
            yield key, given | ({"reason"} if keyword(call, "cause") else set()), f"line {call.lineno}"


def field_mismatches(tree: Iterator[ast.AST], file: str, lesson: Lesson | None = None) -> list[str]:
    nodes = list(tree)
    uses = [*say_uses(iter(nodes)), *feedback_uses(iter(nodes))]
    messages = catalogue("en", lesson)["messages"]
    return [f"{file} {where}: {key!r} given {sorted(given)}, its template takes "
            f"{sorted(fields(messages[key])) if key in messages else 'nothing: there is no such message'}"
            for key, given, where in uses if key not in messages or fields(messages[key]) != given]


def misconceptions_used(tree: Iterator[ast.AST]) -> set[str]:
    """misconception="id", Feedback(key, params, "id"), the keys of wrong_answers dicts (a
    lambda's, or those a named function returns) and the ids in errors=((text, id), ...)."""
    nodes = list(tree)
    returned = {n.name: [r.value for r in ast.walk(n) if isinstance(r, ast.Return)]
                for n in nodes if isinstance(n, ast.FunctionDef)}
    used: set[str] = set()
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        named = [keyword(node, "misconception")]
        if isinstance(node.func, ast.Name) and node.func.id == "Feedback" and len(node.args) > 2:
            named.append(node.args[2])
        used |= {m for m in map(text, named) if m is not None}
        answers = keyword(node, "wrong_answers")
        dicts = [answers.body] if isinstance(answers, ast.Lambda) else returned.get(getattr(answers, "id", ""), [])
        used |= {key for d in dicts for key in literal_keys(d) or ()}
        errors = keyword(node, "errors")
        pairs = errors.elts if isinstance(errors, ast.Tuple) else []
        used |= {m for p in pairs if isinstance(p, ast.Tuple) and (m := text(p.elts[-1])) is not None}
    return used


@pytest.mark.parametrize("lang", OTHERS)
def test_every_entry_is_in_every_language(lang):
    english, other = flattened(catalogue("en")), flattened(catalogue(lang))
    assert sorted(english.keys() - other.keys()) == [], f"missing in {lang}.toml"
    assert sorted(other.keys() - english.keys()) == [], f"in {lang}.toml but not in en.toml"
    assert all(type(other[path]) is type(english[path]) for path in english)


@pytest.mark.parametrize("lang", OTHERS)
def test_every_template_takes_the_same_fields_in_every_language(lang):
    english, other = catalogue("en")["messages"], catalogue(lang)["messages"]
    assert {k: fields(t) for k, t in other.items()} == {k: fields(t) for k, t in english.items()}


@pytest.mark.parametrize("file", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_message_the_code_says_takes_the_fields_it_is_given(file):
    assert field_mismatches(parsed([file]), file.name, lesson_of(file)) == []


def lesson_of(file: Path) -> Lesson | None:
    """The kit lesson a file of grader/lessons/<name>/ belongs to (its messages are its catalogue's)."""
    parts = file.relative_to(KIT_LESSONS).parts if file.is_relative_to(KIT_LESSONS) else ()
    return find(parts[0]) if len(parts) > 1 else None


def test_the_field_check_reads_the_calls():
    # a wrong field, a missing key, and a missing {reason}: all three caught
    source = 'say("seed", lang, sed=1)\nFeedback("no_such_key")\nFeedback("import_failed", {"module": m})\n'
    assert len(field_mismatches(ast.walk(ast.parse(source)), "example")) == 3
    assert len(list(say_uses(parsed(SOURCES)))) > 20 and len(list(feedback_uses(parsed(SOURCES)))) > 20


def test_every_error_kind_has_a_message():
    # the judge says an error without parameters as Feedback(error.kind.value)
    assert sorted({kind.value for kind in ErrorKind} - catalogue("en")["messages"].keys()) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_misconception_the_grader_names_is_explained(lang):
    used = misconceptions_used(parsed(SOURCES))
    # one of each kind the walk reads: a lambda's dict, a function's dict, errors=, misconception=, Feedback's third
    assert {"tutorial_13", "rebinding", "used_autograd", "detached_loss", "out_of_memory"} <= used
    engine = [file for file in SOURCES if lesson_of(file) is None]
    for lesson in kit_lessons():  # the engine's and the lesson's own, in the lesson's catalogue
        named = misconceptions_used(parsed(engine + [file for file in SOURCES if lesson_of(file) is lesson]))
        if not lesson.script_names:  # what a NameError on one of the tutorial script's names says
            named -= {"tutorial_names", "tutorial_names_unbound"}
        assert sorted(named - catalogue(lang, lesson)["misconceptions"].keys()) == [], lesson.name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_check_claims_in_every_language(lang):
    claims = {check.claim for check in collect(hidden=True)}
    assert sorted(claims - catalogue(lang)["claims"].keys()) == []


def test_the_english_claims_are_the_checks_names():
    # the English text names a check in results.json and the gradebook, and seeds its inputs
    assert catalogue("en")["claims"] == {check.claim: check.claim for check in collect(hidden=True)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_function_has_three_hints(lang):
    hints = catalogue(lang)["hints"]
    assert {function: sorted(levels) for function, levels in hints.items()} == {f: ["1", "2", "3"] for f in FUNCTIONS}


def test_say_fills_a_template():
    assert say("seed", "en", seed=3) == "seed 3 (replay with --seed 3)"
    assert say("timeout", "zh", seconds=2.5) == "用了 2.5 秒 CPU 时间仍没有结束(死循环?)"


@pytest.mark.parametrize("params", [{}, {"seed": 1, "extra": 2}, {"sed": 1}], ids=["missing", "extra", "misspelt"])
def test_say_raises_on_wrong_fields(params):
    with pytest.raises(ValueError, match="seed"):
        say("seed", "en", **params)


def test_say_raises_on_a_missing_key():
    with pytest.raises(KeyError, match="no_such_message"):
        say("no_such_message", "en")


@pytest.mark.parametrize(("value", "lang"), [("zh_CN.UTF-8", "zh"), ("zh", "zh"), ("en_GB.UTF-8", "en"),
                                             ("xx_YY.UTF-8", "en"), ("C.UTF-8", "en")])
def test_the_default_language_follows_the_locale(monkeypatch, value, lang):
    from grader.messages import default_language

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", value)
    assert default_language() == lang
