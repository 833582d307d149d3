"""Write N realistic submissions: correct ones and the common mistakes of tests/test_mistakes.py."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import write_submission
from tests.corpus import CORRECT_VARIANTS, MISTAKES

KINDS = [{}, *CORRECT_VARIANTS.values(), *(m.bodies for m in MISTAKES.values() if not m.preambles)]


def make_class(folder: Path, count: int) -> list[Path]:
    """Student i gets kind i mod len(KINDS): about a fifth are correct, the rest err."""
    return [write_submission(folder / f"student{i:05d}", KINDS[i % len(KINDS)]) for i in range(count)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("count", type=int)
    arguments = parser.parse_args()
    make_class(arguments.folder, arguments.count)
