"""Every character the kit prints reaches a console that cannot show it as something readable.

A Chinese Windows console (code page 936, GBK) or a Western one (1252) shows Chinese or
accents but not every symbol the kit writes (✓, ², …); Python would raise UnicodeEncodeError
in the middle of a report. The streams are told to write such a character as a near
equivalent instead, and only where their encoding lacks it.
"""

import codecs
import io
import sys
import unicodedata

NEAR = {"✓": "v", "✗": "x", "→": "->", "²": "^2", "³": "^3", "…": "...", "·": ".", "−": "-", "×": "x", "“": '"',
        "”": '"', "‘": "'", "’": "'", "━": "-", "┃": "|"}
HANDLER = "grader-near-equivalent"


def near_equivalent(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(substitute(character, error.encoding) for character in text), error.end


def substitute(character: str, encoding: str) -> str:
    for candidate in (NEAR.get(character, ""), unicodedata.normalize("NFKC", character)):
        if candidate and candidate != character and encodable(candidate, encoding):
            return candidate
    return "?"


def encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def readable_everywhere() -> None:
    """stdout and stderr write what their encoding lacks as a near equivalent."""
    codecs.register_error(HANDLER, near_equivalent)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and not stream.encoding.lower().startswith("utf"):
            stream.reconfigure(errors=HANDLER)
