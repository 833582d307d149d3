"""Every fenced block in README.md is run by a test or says why it cannot be. The line just
before a block is either `<!-- tested: tests/test_x.py -->`, naming the test that reads the
block with `blocks_tested_by` and runs it, or `<!-- example: the reason it cannot run here -->`."""

import re
from dataclasses import dataclass

from tests.conftest import ROOT

README = ROOT / "README.md"
FENCE = re.compile(r"^```(?P<language>[\w-]*)\n(?P<text>.*?)^```$", re.M | re.S)
MARKER = re.compile(r"<!-- (?P<kind>tested|example): (?P<detail>\S.*?) -->\n\Z")


@dataclass(frozen=True)
class Block:
    line: int
    """where the block's opening fence is in the README"""
    language: str
    text: str
    kind: str | None
    """tested, example, or None for an unmarked block"""
    detail: str
    """the test that runs the block, or why it cannot run here"""


def blocks(markdown: str) -> list[Block]:
    found = []
    for fence in FENCE.finditer(markdown):
        before = markdown[: fence.start()]
        marker = MARKER.search(before[-500:])
        kind, detail = (marker["kind"], marker["detail"]) if marker else (None, "")
        found.append(Block(before.count("\n") + 1, fence["language"], fence["text"], kind, detail))
    return found


def blocks_tested_by(test: str) -> list[str]:
    """The README's blocks marked `<!-- tested: TEST -->`, for TEST (tests/test_x.py) to run."""
    return [block.text for block in blocks(README.read_text("utf-8")) if (block.kind, block.detail) == ("tested", test)]


def test_every_block_is_run_by_a_test_or_marked_as_an_example():
    unmarked = [block for block in blocks(README.read_text("utf-8")) if block.kind is None]
    assert not unmarked, (
        "no test runs these blocks of README.md: on the line just before each, put `<!-- tested: tests/test_x.py -->` "
        "(a test that runs it through blocks_tested_by) or `<!-- example: why it cannot run here -->`\n" + "\n".join(
            f"  line {block.line}: ```{block.language} {block.text.splitlines()[0][:70]!r}" for block in unmarked))


def test_each_tested_block_names_a_test_that_reads_it():
    for block in blocks(README.read_text("utf-8")):
        if block.kind == "tested":
            test = ROOT / block.detail
            assert test.is_file(), f"README.md line {block.line}: {block.detail} does not exist"
            assert f'blocks_tested_by("{block.detail}")' in test.read_text("utf-8"), (
                f"README.md line {block.line}: {block.detail} never calls blocks_tested_by(\"{block.detail}\")")


def test_a_block_is_marked_only_by_the_line_just_before_it():
    markdown = ("<!-- example: it deletes things -->\n```bash\nrm -r results\n```\n\n"
                "<!-- tested: tests/test_x.py -->\nsome text\n```bash\nls\n```\n```yaml\non: push\n```\n")
    assert [(b.line, b.kind, b.detail, b.text) for b in blocks(markdown)] == [
        (2, "example", "it deletes things", "rm -r results\n"), (8, None, "", "ls\n"), (11, None, "", "on: push\n")]
