"""Benchmark: how much of the kit's mistake corpus (tests/corpus.py) the checks catch and name.

Each mistake is graded twice, with the public checks only (what `check` and `watch` run)
and with the hidden ones too. Per function, of the mistakes that must cost it points:
caught (it lost points), named (its feedback names the expected misconception, or, for a
function broken by a helper, blames that helper); and false fails (it lost points though
the mistake is elsewhere, or in a correct variant). Run from the checkout:
    python bench/mistakes.py
"""

import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.grade import grade  # noqa: E402
from grader.lesson import FUNCTIONS  # noqa: E402
from grader.results import Grade  # noqa: E402
from grader.sandbox.host import Sandbox  # noqa: E402
from tests.conftest import SEED, write_submission  # noqa: E402
from tests.corpus import CORRECT_VARIANTS, MISTAKES, Mistake  # noqa: E402

RUNS = {"public": False, "hidden": True}


def lost(result: Grade) -> set[str]:
    return {r.function for r in result.results if r.score < r.max_score}


def named(result: Grade, function: str, mistake: Mistake) -> bool:
    feedbacks = [r.feedback for r in result.results if r.function == function and r.feedback]
    if function in mistake.bodies:
        return any(f.misconception == mistake.misconception for f in feedbacks) if mistake.misconception else False
    return any(set(f.blamed_on) & mistake.bodies.keys() for f in feedbacks)


def tally(sandbox: Sandbox, folder: Path) -> dict[str, Counter]:
    counts = {run: Counter() for run in RUNS}
    cases = [*MISTAKES.values(), *(Mistake(bodies, set(), None) for bodies in CORRECT_VARIANTS.values())]
    for number, mistake in enumerate(cases):
        submission = write_submission(folder / str(number), mistake.bodies, mistake.preambles)
        for run, hidden in RUNS.items():
            result = grade(submission, hidden=hidden, seed=SEED, sandbox=sandbox)
            for function in mistake.loses:
                counts[run][function, "due"] += 1
                counts[run][function, "caught"] += function in lost(result)
                counts[run][function, "named"] += function in lost(result) and named(result, function, mistake)
            for function in lost(result) - mistake.loses:
                counts[run][function, "false fail"] += 1
    return counts


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, Sandbox() as sandbox:
        counts = tally(sandbox, Path(folder))
    print(f"{len(MISTAKES)} mistakes and {len(CORRECT_VARIANTS)} correct variants from tests/corpus.py")
    print(f"{'function':<24}" + "".join(f"{run + ': caught / named / false fails':>40}" for run in RUNS))
    for function in FUNCTIONS:
        cells = [f"{c[function, 'caught']}/{c[function, 'due']} / {c[function, 'named']}/{c[function, 'due']} / "
                 f"{c[function, 'false fail']}" for c in counts.values()]
        print(f"{function:<24}" + "".join(f"{cell:>40}" for cell in cells))
    for run, c in counts.items():
        due, caught, named_ = (sum(c[f, key] for f in FUNCTIONS) for key in ("due", "caught", "named"))
        print(f"{run}: caught {caught}/{due}, named {named_}/{due} ({named_ / due:.0%} of the functions that "
              f"must lose points), false fails {sum(c[f, 'false fail'] for f in FUNCTIONS)}")


if __name__ == "__main__":
    main()
