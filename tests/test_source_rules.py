"""What the grader reads off the source: tricks that pass at run time but not on paper."""

import pytest

from grader.lesson import API
from tests.conftest import misconceptions, points_lost

pytestmark = pytest.mark.sandbox


def messages(result, function):
    return {r.feedback.message for r in result.results if r.function == function and r.feedback}


def test_autograd_switched_back_on_inside_a_by_hand_function_does_not_count(graded):
    sneaky = """
        with torch.enable_grad():
            leaf = x.detach().clone().requires_grad_(True)
            (leaf**2 + 3 * leaf + 1).sum().backward()
        return leaf.grad
    """
    result = graded({"quadratic_grad_by_hand": sneaky})
    assert points_lost(result) == {"quadratic_grad_by_hand"}
    assert messages(result, "quadratic_grad_by_hand") == {"autograd_in_source"}
    assert misconceptions(result, "quadratic_grad_by_hand") == {"used_autograd"}


def test_autograd_reached_through_a_helper_of_the_module_is_found(graded):
    helper = "def slope(x):\n    x = x.detach().requires_grad_()\n    with torch.enable_grad():\n" \
             "        (x**2 + 3 * x + 1).sum().backward()\n    return x.grad\n\n\n"
    result = graded({"quadratic_grad_by_hand": "return slope(x)"}, {"autograd_basics": "import torch\n\n\n" + helper})
    assert messages(result, "quadratic_grad_by_hand") == {"autograd_in_source"}


def test_a_gradient_written_by_hand_does_not_pass_the_autograd_exercise(graded):
    forged = """
        x = torch.tensor(float(x), requires_grad=True)
        x.grad = 2 * x.detach() + 3
        return x.grad
    """
    result = graded({"quadratic_grad": forged})
    assert points_lost(result) == {"quadratic_grad"}
    assert misconceptions(result, "quadratic_grad") == {"no_backward"}


def test_torch_autograd_grad_counts_as_autograd(graded):
    functional = """
        x = torch.as_tensor(x, dtype=torch.float32).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(x**2 + 3 * x + 1, x)
        return grad
    """
    assert points_lost(graded({"quadratic_grad": functional})) == set()


@pytest.mark.parametrize("reach", [
    "from grader.sandbox.child import probes\nprobes.describe = lambda value: {'kind': 'tensor'}\n",
    "import importlib\nimportlib.import_module('grader.sandbox.wire')\n",
    "__import__('solutions.linear_regression')\n",
])
def test_a_module_that_imports_the_grader_gets_nothing_for_it(graded, reach):
    result = graded(preambles={"linear_regression": reach})
    # (what it patched may spoil later calls of the other module too: its own loss)
    assert set(API["linear_regression"]) <= points_lost(result)
    assert messages(result, "plot_fit") <= {"imports_grader", "import_failed", "unreadable"}
