"""What the grader reads off a submission's source, in its own process: the properties a
child could fake at run time. A by-hand function that reaches autograd, an autograd
exercise that never calls backward, a module that imports the grader (to patch what
observes it): each turns that function's passed checks into failures."""

import ast
from collections.abc import Iterator

from grader.lesson import API, BY_HAND, WITH_AUTOGRAD
from grader.results import Feedback, Names

AUTOGRAD = {"backward", "autograd", "enable_grad", "set_grad_enabled", "requires_grad", "requires_grad_", "func"}
OFF_LIMITS = ("grader", "solutions")


def source_findings(sources: dict[str, str | None]) -> dict[str, Feedback]:
    """Per student function, why its passed checks do not count."""
    findings: dict[str, Feedback] = {}
    for module, source in sources.items():
        tree = parsed(source)
        if tree is None:
            continue  # the worker reports the syntax error
        if imported := next(off_limits_imports(tree), None):
            findings |= {f: Feedback("imports_grader", {"module": imported}) for f in API[module]}
            continue
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        for name in set(API[module]) & functions.keys():
            nodes = reached(name, functions)
            names = attribute_names(nodes)
            if name in BY_HAND and names & AUTOGRAD:
                findings[name] = Feedback("autograd_in_source", {"names": Names(tuple(sorted(names & AUTOGRAD)))},
                                          "used_autograd")
            elif name in WITH_AUTOGRAD and not calls_backward(nodes, names):
                findings[name] = Feedback("no_backward_in_source", misconception="no_backward")
    return findings


def parsed(source: str | None) -> ast.Module | None:
    try:
        return ast.parse(source) if source is not None else None
    except (SyntaxError, ValueError):
        return None


def off_limits_imports(tree: ast.Module) -> Iterator[str]:
    """The kit's own packages, imported by name anywhere (import, from, __import__, import_module)."""
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            names = [str(node.args[0].value)] if called in ("__import__", "import_module") else []
        yield from (name for name in names if name.split(".")[0] in OFF_LIMITS)


def reached(name: str, functions: dict[str, ast.FunctionDef]) -> list[ast.FunctionDef]:
    """The function and the module's functions it calls by name, transitively."""
    seen, todo = {name}, [name]
    while todo:
        for node in ast.walk(functions[todo.pop()]):
            if isinstance(node, ast.Name) and node.id in functions and node.id not in seen:
                seen.add(node.id)
                todo.append(node.id)
    return [functions[n] for n in seen]


def calls_backward(nodes: list[ast.FunctionDef], names: set[str]) -> bool:
    """`y.backward()`, or `torch.autograd.grad(...)` (also imported as `grad`): not merely `x.grad`."""
    called = set()
    for node in (inner for function in nodes for inner in ast.walk(function)):
        if isinstance(node, ast.Call):
            called.add(node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", ""))
    return "backward" in called or ("grad" in called and "autograd" in names)


def attribute_names(nodes: list[ast.FunctionDef]) -> set[str]:
    """Attribute and plain names used: `x.backward`, `torch.autograd.grad`, `from torch import autograd`."""
    found = set()
    for node in (inner for function in nodes for inner in ast.walk(function)):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
    return found
