"""How values read in feedback, in each language: what the student's code returned (typed
observations), what was expected (`Expected`), and lists of names (`Names`). Judges put
these records in a Feedback's parameters; writers turn them into words here, per language."""

from typing import Any

import torch

from grader.messages import entry
from grader.results import Expected, Names
from grader.sandbox.observations import NoneValue, Opaque, Scalar, SequenceValue, TensorValue

SHOWN_ITEMS = 6


Phrased = TensorValue | Scalar | NoneValue | SequenceValue | Opaque | Expected | Names


def phrased(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """A Feedback's parameters ready for its template: records in words, the rest as they are."""
    return {key: phrase(value, lang) if isinstance(value, Phrased) else value for key, value in params.items()}


def phrase(value: Phrased, lang: str) -> str:
    match value:
        case TensorValue():
            return tensor_phrase(value.data, lang)
        case Scalar():
            return words("python_value", lang).format(value=scalar_text(value), type=value.type)
        case NoneValue():
            return "None"
        case SequenceValue():
            return sequence_phrase([phrase(item, lang) for item in value.items])
        case Opaque():
            return words("object", lang).format(type=value.type)
        case Names():
            return words("list_separator", lang).join(value.items)
        case Expected():
            return expected_phrase(value.value, lang)


def scalar_text(value: Scalar) -> str:
    """A float to the digits the checks compare (161.10255432128906 as 161.1026, 7.0 as 7.0),
    anything else as Python writes it."""
    if not isinstance(value.value, float):
        return repr(value.value)
    text = f"{value.value:.7g}"
    return text if any(sign in text for sign in ".en") else f"{text}.0"  # e: 1e+20, n: nan and inf


def expected_phrase(value: Any, lang: str) -> str:
    if isinstance(value, torch.Tensor):
        return tensor_phrase(value.detach().cpu(), lang)
    if isinstance(value, (tuple, list)):
        return sequence_phrase([expected_phrase(item, lang) for item in value])
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value)


def tensor_phrase(data: torch.Tensor, lang: str) -> str:
    """Its values (the first six, flattened) and its shape."""
    if data.dim() == 0:
        return f"tensor({data.item():.4g})"
    values = ", ".join(f"{v:.4g}" for v in data.flatten()[:SHOWN_ITEMS].tolist())
    more = ", …" if data.numel() > SHOWN_ITEMS else ""
    return words("tensor", lang).format(values=f"[{values}{more}]", shape=tuple(data.shape))


def sequence_phrase(items: list[str]) -> str:
    """A tuple as Python writes it, whatever the language: it is code."""
    return "(" + ", ".join(items[:SHOWN_ITEMS]) + (", …" if len(items) > SHOWN_ITEMS else "") + ")"


def words(key: str, lang: str) -> str:
    return entry("values", key, lang)
