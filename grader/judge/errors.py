"""What a student's exception points to, read from its type, its message and the names in it,
where no piece of text alone says it (the checks' `errors` match pieces of PyTorch's messages).

- NameError, UnboundLocalError on a name of the tutorial's script (w, b, learning_rate):
  its code pasted into a function, which has only its own arguments (and, where the
  function assigns the name, `w -= …`, makes it a local one that has no value yet);
- AttributeError of a tensor or of torch: a name misspelled (zero for zero_, no_grads),
  with the closest name there is;
- matmul on a 0-d tensor: `x @ w` where the lesson's w is a scalar; `.item()` on a tensor of
  many elements: a number where a tensor is needed.
"""

import difflib
import re
from functools import cache

import torch

from grader.lessons import given
from grader.results import Feedback

NAMED = re.compile(r"(?:name|local variable) '(\w+)'")
MISSING_ATTRIBUTE = re.compile(r"^('Tensor' object|module 'torch') has no attribute '(\w+)'")
OWNERS = {"'Tensor' object": (torch.Tensor, "."), "module 'torch'": (torch, "torch.")}  # where, and how it is written
PIECES = (
    ("arguments to matmul need to be at least 1D", "matmul_with_scalar"),
    ("cannot be converted to Scalar", "number_for_tensor"),
)


def error_feedback(name: str, message: str, detail: str, script_names: frozenset[str] | None = None,
                   ) -> Feedback | None:
    """The feedback for an exception these rules read; None for the others. `script_names`:
    the names the lesson's tutorial script gives its tensors and settings, which the
    exercises' functions receive otherwise (the first lesson's where not given)."""
    if (attribute := MISSING_ATTRIBUTE.match(message)) and (closest := closest_attribute(*attribute.groups())):
        return Feedback("no_such_attribute", {"message": message, "suggestion": closest}, "misspelled_method", detail)
    names = given(None).script_names if script_names is None else script_names
    mistake = name_mistake(name, message, names) or next((m for piece, m in PIECES if piece in message), None)
    return Feedback("raised", {"type": name, "message": message}, mistake, detail) if mistake else None


def name_mistake(name: str, message: str, script_names: frozenset[str]) -> str | None:
    """A name not defined, or read before the function gave it a value."""
    if name not in ("NameError", "UnboundLocalError") or not (named := NAMED.search(message)):
        return None
    if named[1] in script_names:  # read before assigned: the tutorial's loop pasted into a function, `w -= …` and all
        return "tutorial_names_unbound" if name == "UnboundLocalError" else "tutorial_names"
    return "unbound_local" if name == "UnboundLocalError" else "undefined_name"


def closest_attribute(owner: str, name: str) -> str | None:
    found = difflib.get_close_matches(name, public_names(owner), n=1, cutoff=0.75)
    return OWNERS[owner][1] + found[0] if found else None


@cache
def public_names(owner: str) -> list[str]:
    return [name for name in dir(OWNERS[owner][0]) if not name.startswith("_")]
