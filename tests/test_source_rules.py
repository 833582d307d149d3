"""What the grader reads off the source: tricks that pass at run time but not on paper."""

import pytest

from grader.grade import grade
from grader.lessons.autograd import API
from tests.conftest import SEED, misconceptions, points_lost, write_submission

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


ALIASES = """
import torch
from torch import autograd as A

_back = torch.Tensor.backward
_on = torch.enable_grad


"""


@pytest.mark.parametrize("body", [
    "with _on():\n    leaf = x.detach().clone()\n    leaf.requires_grad = True\n"
    "    _back((leaf**2 + 3 * leaf + 1).sum())\nreturn leaf.grad",
    "with torch.set_grad_enabled(True):\n    leaf = x.detach().clone().requires_grad_()\n"
    "    (grad,) = A.grad((leaf**2 + 3 * leaf + 1).sum(), leaf)\nreturn grad",
    "def inner(v, on=_on):\n    with on():\n        v = v.detach().clone().requires_grad_()\n"
    "        getattr(v**2 + 3 * v + 1, 'sum')().backward()\n    return v.grad\nreturn inner(x)",
])
def test_autograd_through_a_module_level_alias_is_found(graded, body):
    result = graded({"quadratic_grad_by_hand": body}, {"autograd_basics": ALIASES})
    assert points_lost(result) == {"quadratic_grad_by_hand"}
    assert messages(result, "quadratic_grad_by_hand") == {"autograd_in_source"}


@pytest.mark.parametrize("dead", ["if False:", "if 0:", "while False:", "if not True:"])
def test_backward_under_a_constant_false_condition_is_not_a_call(graded, dead):
    by_hand = f"""
        x = torch.as_tensor(x, dtype=torch.float32)
        y = x**2 + 3 * x + 1
        {dead}
            y.backward()
        return 2 * x + 3
    """
    result = graded({"quadratic_grad": by_hand})
    assert points_lost(result) == {"quadratic_grad"}
    assert misconceptions(result, "quadratic_grad") == {"no_backward"}


def test_backward_after_the_return_is_not_a_call(graded):
    result = graded({"quadratic_grad": "x = torch.as_tensor(x, dtype=torch.float32)\nreturn 2 * x + 3\nx.backward()"})
    assert misconceptions(result, "quadratic_grad") == {"no_backward"}


def test_backward_through_getattr_or_an_alias_is_a_call(graded):
    through_getattr = """
        x = torch.as_tensor(x, dtype=torch.float32).detach().requires_grad_(True)
        getattr(x**2 + 3 * x + 1, "backward")()
        return x.grad
    """
    assert points_lost(graded({"quadratic_grad": through_getattr})) == set()
    through_alias = """
        x = torch.as_tensor(x, dtype=torch.float32).detach().requires_grad_(True)
        _back(x**2 + 3 * x + 1)
        return x.grad
    """
    assert points_lost(graded({"quadratic_grad": through_alias}, {"autograd_basics": ALIASES})) == set()


def test_the_reported_attack_scores_as_the_same_code_spelled_out(graded):
    """Aliases in the by-hand functions, dead backward calls in the autograd ones: on 32b2f68
    this scored 56/56, against 36 for the same code written plainly."""
    by_hand_with_autograd = {
        "quadratic_grad_by_hand": "with _on():\n    v = x.detach().clone().requires_grad_()\n"
                                  "    _back((v**2 + 3 * v + 1).sum())\nreturn v.grad",
        "quadratic_grad": "x = torch.as_tensor(x, dtype=torch.float32)\nif False:\n    x.backward()\nreturn 2 * x + 3",
    }
    plain = {
        "quadratic_grad_by_hand": "with torch.enable_grad():\n    v = x.detach().clone().requires_grad_()\n"
                                  "    (v**2 + 3 * v + 1).sum().backward()\nreturn v.grad",
        "quadratic_grad": "x = torch.as_tensor(x, dtype=torch.float32)\nreturn 2 * x + 3",
    }
    disguised = graded(by_hand_with_autograd, {"autograd_basics": ALIASES})
    spelled_out = graded(plain)
    assert disguised.score == spelled_out.score < disguised.max_score
    assert points_lost(disguised) == points_lost(spelled_out) == {"quadratic_grad", "quadratic_grad_by_hand"}


@pytest.mark.parametrize("reach", [
    "import sys\n_probes = sys.modules['grader.sandbox.child.' + 'probes']\n",
    "import gc\n_all = gc.get_objects()\n",
    "import sys\n_caller = sys._getframe(0).f_back\n",
    "_name = 'gra' + 'der'\n_mod = __import__(_name)\n",
    "import importlib\n_mod = importlib.import_module('gra' + 'der')\n",
    "import sys\n_modules = getattr(sys, 'mod' + 'ules')\n",
    "exec('import gra' + 'der')\n",
    "import types\n_run = types.FunctionType(compile('import gra' + 'der', 's', 'exec'), {})\n",
    "import ctypes\n",
    "import importlib.util\n_spec = importlib.util.find_spec('gra' + 'der')\n",
    "import sys\nsys.settrace(lambda frame, event, arg: None)\nsys.settrace(None)\n",
    "import operator, sys\n_modules = operator.attrgetter('mod' + 'ules')(sys)\n",
])
def test_reaching_the_grader_without_an_import_statement_counts_as_importing_it(graded, reach):
    result = graded(preambles={"linear_regression": reach})
    assert set(API["linear_regression"]) <= points_lost(result)
    assert messages(result, "predict") == {"reaches_grader"}


def test_autograd_in_a_helper_of_the_other_module_is_found(graded):
    helper = "import torch\n\n\ndef _through(value):\n    with torch.enable_grad():\n        return value\n\n\n"
    body = "from autograd_basics import _through as through\nerror = through(w * x + b - y)\n" \
           "return 2 * (error * x).mean(), 2 * error.mean()"
    result = graded({"mse_grads": body}, {"autograd_basics": helper})
    assert messages(result, "mse_grads") == {"autograd_in_source"}


@pytest.mark.parametrize("rebinding", [
    "quadratic_grad_by_hand = torch.enable_grad()(quadratic_grad_by_hand)",
    "quadratic_grad = lambda x: 2 * torch.as_tensor(x, dtype=torch.float32) + 3",
])
def test_a_graded_name_bound_again_at_module_level_is_read_as_bound(tmp_path, sandbox, rebinding):
    folder = write_submission(tmp_path / "s")
    with (folder / "autograd_basics.py").open("a", encoding="utf-8") as module:
        module.write(f"\n\n{rebinding}\n")
    result = grade(folder, hidden=True, seed=SEED, sandbox=sandbox)
    function = rebinding.split(" =")[0]
    assert points_lost(result) == {function}
    assert messages(result, function) == {"autograd_in_source" if "by_hand" in function else "no_backward_in_source"}
