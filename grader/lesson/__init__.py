"""Facts about the lesson that the grader needs: the students' API in lesson order."""

import json
from functools import cache
from pathlib import Path

API: dict[str, tuple[str, ...]] = {
    "autograd_basics": ("quadratic_grad", "chain_rule_grads", "quadratic_grad_by_hand"),
    "linear_regression": (
        "predict", "mse_loss", "mse_grads", "sgd_step", "zero_grads", "train", "plot_fit",
    ),
}
FUNCTIONS: tuple[str, ...] = tuple(name for names in API.values() for name in names)
MODULE_OF: dict[str, str] = {name: module for module, names in API.items() for name in names}


# train is graded through the helpers it calls: when one of these fails, say so.
DEPENDS_ON: dict[str, tuple[str, ...]] = {"train": ("predict", "mse_loss", "sgd_step", "zero_grads")}

# Read off the source in the grader, where the child cannot forge it: these must work
# with autograd off (no backward, no autograd API anywhere they reach)...
BY_HAND: tuple[str, ...] = ("quadratic_grad_by_hand", "mse_grads")
# ...and these must let autograd do the work (call backward or torch.autograd.grad).
WITH_AUTOGRAD: tuple[str, ...] = ("quadratic_grad", "chain_rule_grads", "train")

REFERENCE_RUN = Path(__file__).parent / "reference_run.json"


@cache
def reference_run() -> dict:
    """w, b and the losses of the reference train() on make_data(): written by
    `python -m grader stubs` from solutions/, so students' copies need no solutions."""
    return json.loads(REFERENCE_RUN.read_text("utf-8"))
