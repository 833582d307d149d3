"""Facts about the lesson that the grader needs: the students' API in lesson order, and
the lesson's data (the same numbers as make_data in linear_regression.py; a test
holds the two together)."""

import torch

API: dict[str, tuple[str, ...]] = {
    "autograd_basics": ("quadratic_grad", "chain_rule_grads", "quadratic_grad_by_hand"),
    "linear_regression": (
        "predict", "mse_loss", "mse_grads", "sgd_step", "zero_grads", "train", "plot_fit",
    ),
}
FUNCTIONS: tuple[str, ...] = tuple(name for names in API.values() for name in names)
MODULE_OF: dict[str, str] = {name: module for module, names in API.items() for name in names}


def lesson_data(n: int = 100, noise: float = 2.0, seed: int = 42) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(0, 10, n).reshape(-1, 1)
    return x, 2 * x + 1 + noise * torch.randn(x.shape, generator=generator)

# train is graded through the helpers it calls: when one of these fails, say so.
DEPENDS_ON: dict[str, tuple[str, ...]] = {"train": ("predict", "mse_loss", "sgd_step", "zero_grads")}
