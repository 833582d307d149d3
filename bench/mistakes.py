"""Benchmark: how much of a lesson's mistake corpus (tests/corpus.py for the first lesson,
tests/corpus_digits.py for the digits lesson) the checks catch and name.

Each mistake is graded twice, with the public checks only (what `check` and `watch` run)
and with the hidden ones too. Per function, of the mistakes that must cost it points:
caught (it lost points), named (its feedback names the expected misconception, or, for a
function broken by a helper, blames that helper), and named in each language (what the
student reads about the function, rendered in that language, holds the misconception's
explanation, or the helper's name); and false fails (it lost points though the mistake is
elsewhere, or in a correct variant). Run from the checkout:
    python bench/mistakes.py [--lesson digits]
"""

import argparse
import importlib
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.grade import grade  # noqa: E402
from grader.lessons import Lesson, find  # noqa: E402
from grader.messages import LANGUAGES, explain  # noqa: E402
from grader.report import function_feedback  # noqa: E402
from grader.results import Grade  # noqa: E402
from grader.sandbox.host import Sandbox  # noqa: E402
from tests.conftest import SEED, write_submission  # noqa: E402
from tests.corpus import Mistake  # noqa: E402

CORPORA = {"autograd": "tests.corpus", "digits": "tests.corpus_digits"}

RUNS = {"public": False, "hidden": True}


def lost(result: Grade) -> set[str]:
    return {r.function for r in result.results if r.score < r.max_score}


def broken(mistake: Mistake) -> set[str]:
    """The functions the mistake rewrites (a method's "Class.method" is its class)."""
    return {name.split(".")[0] for name in mistake.bodies}


def named(result: Grade, function: str, mistake: Mistake) -> bool:
    feedbacks = [r.feedback for r in result.results if r.function == function and r.feedback]
    if function in broken(mistake):
        return any(f.misconception == mistake.misconception for f in feedbacks) if mistake.misconception else False
    return any(set(f.blamed_on) & broken(mistake) for f in feedbacks)


def named_in(result: Grade, function: str, mistake: Mistake, lang: str) -> bool:
    """Whether the student reads the name: the explanation, or the helper to fix first."""
    shown = function_feedback(result, function, lang)
    if function in broken(mistake):
        return mistake.misconception is not None and explain(mistake.misconception, lang, result.lesson) in shown
    return any(helper in shown for helper in broken(mistake))


def tally(sandbox: Sandbox, folder: Path, lesson: Lesson) -> dict[str, Counter]:
    corpus = importlib.import_module(CORPORA[lesson.name])
    counts = {run: Counter() for run in RUNS}
    cases = [*corpus.MISTAKES.values(), *(Mistake(bodies, set(), None) for bodies in corpus.CORRECT_VARIANTS.values())]
    for number, mistake in enumerate(cases):
        submission = write_submission(folder / str(number), mistake.bodies, mistake.preambles, lesson)
        for run, hidden in RUNS.items():
            count(counts[run], grade(submission, hidden=hidden, seed=SEED, sandbox=sandbox, lesson=lesson), mistake)
    return counts


def count(counter: Counter, result: Grade, mistake: Mistake) -> None:
    for function in mistake.loses:
        caught = function in lost(result)
        counter[function, "due"] += 1
        counter[function, "caught"] += caught
        counter[function, "named"] += caught and named(result, function, mistake)
        for lang in LANGUAGES:
            counter[function, lang] += caught and named_in(result, function, mistake, lang)
    for function in lost(result) - mistake.loses:
        counter[function, "false fail"] += 1


COLUMNS = ("caught", "named", *LANGUAGES)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--lesson", choices=sorted(CORPORA), default="autograd")
    lesson = find(options.parse_args().lesson)
    corpus = importlib.import_module(CORPORA[lesson.name])
    with tempfile.TemporaryDirectory() as folder, Sandbox() as sandbox:
        counts = tally(sandbox, Path(folder), lesson)
    print(f"{len(corpus.MISTAKES)} mistakes and {len(corpus.CORRECT_VARIANTS)} correct variants from "
          f"{corpus.__name__.replace('.', '/')}.py")
    header = " / ".join(COLUMNS[:2]) + " / named in " + " / ".join(LANGUAGES) + " / false fails"
    print(f"{'function':<24}" + "".join(f"{run + ': ' + header:>62}" for run in RUNS))
    for function in lesson.functions:
        cells = [" / ".join(f"{c[function, key]}/{c[function, 'due']}" for key in COLUMNS)
                 + f" / {c[function, 'false fail']}" for c in counts.values()]
        print(f"{function:<24}" + "".join(f"{cell:>62}" for cell in cells))
    for run, c in counts.items():
        due = sum(c[f, "due"] for f in lesson.functions)
        shares = ", ".join(f"{key} {total}/{due} ({total / due:.0%})"
                           for key in COLUMNS for total in [sum(c[f, key] for f in lesson.functions)])
        print(f"{run}: {shares}; false fails {sum(c[f, 'false fail'] for f in lesson.functions)}")


if __name__ == "__main__":
    main()
