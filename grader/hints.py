"""Hints, written once in exercises/hints.toml, three levels each, English and Chinese."""

from functools import cache
from importlib import resources

import tomllib


@cache
def all_hints() -> dict:
    return tomllib.loads(resources.files("exercises").joinpath("hints.toml").read_text("utf-8"))


def hint(function: str, level: int, lang: str) -> str:
    return all_hints()[function][lang][level - 1]
