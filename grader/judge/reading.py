"""Reading a submission's source as it would run, for the source rules (judge/source.py).

Two things a plain walk over a function's body gets wrong, and this reading does not:
- code that can never run: a branch under a constant condition (`if False:`, `if 0:`,
  `while False:`, the other side of `if True:`), an operand that `and`/`or` never
  reaches, statements after a `return`, `raise`, `break` or `continue`;
- names that stand for something else: `_back = torch.Tensor.backward` or
  `from torch import autograd as A` at module level, a default argument, a local
  alias, `getattr(x, "backward")`, `setattr(torch.Tensor, "b", ...)`. Every name a
  function uses is read as every name its bindings mention, in the nearest scope that
  binds it (the function's own, else the module's), transitively.

What it cannot read, said plainly: a condition or a name computed at run time (`if
len([]):`, `getattr(x, "back" + "ward")`). The rules that use it err on the safe side
where they can (judge/source.py), and no verdict rests on them alone.
"""

import ast
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

ENDS_BLOCK = (ast.Return, ast.Raise, ast.Break, ast.Continue)
NAME_TAKERS = {"getattr", "setattr", "hasattr", "delattr", "attrgetter", "methodcaller"}


def constant_truth(test: ast.expr) -> bool | None:
    """The truth of a condition that is a constant (`False`, `0`, `not 1`, `[]`); None otherwise."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, (ast.List, ast.Tuple, ast.Set)) and not test.elts:
        return False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        truth = constant_truth(test.operand)
        return None if truth is None else not truth
    return None


def live_walk(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk, without the parts that can never run."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(live_children(current))


def live_children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        return branches(node)
    if isinstance(node, ast.BoolOp):
        return short_circuit(node)
    children: list[ast.AST] = []
    for _, value in ast.iter_fields(node):
        if isinstance(value, list):
            children += reachable([item for item in value if isinstance(item, ast.AST)])
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


def reachable(items: Sequence[ast.AST]) -> list[ast.AST]:
    """A block's statements up to the first that leaves it."""
    end = next((index for index, item in enumerate(items) if isinstance(item, ENDS_BLOCK)), len(items))
    return list(items[: end + 1])


def branches(node: ast.If | ast.While | ast.IfExp) -> list[ast.AST]:
    """The condition and the branches it can take (a loop's `else` runs when its condition is false)."""
    body = node.body if isinstance(node.body, list) else [node.body]
    orelse = node.orelse if isinstance(node.orelse, list) else [node.orelse]
    truth = constant_truth(node.test)
    taken = (reachable(body) if truth is not False else []) + (reachable(orelse) if truth is not True else [])
    return [node.test, *taken]


def short_circuit(node: ast.BoolOp) -> list[ast.AST]:
    """`False and x`, `True or x`: the operands up to the constant that decides."""
    decides = isinstance(node.op, ast.Or)
    end = next((index for index, value in enumerate(node.values) if constant_truth(value) is decides),
               len(node.values))
    return list(node.values[: end + 1])


def named_by_string(node: ast.Call) -> str | None:
    """The constant attribute name of `getattr(x, "name")`, `attrgetter("name")` and their kind."""
    called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if called not in NAME_TAKERS:
        return None
    position = 0 if called in ("attrgetter", "methodcaller") else 1
    argument = node.args[position] if len(node.args) > position else None
    return argument.value if isinstance(argument, ast.Constant) and isinstance(argument.value, str) else None


@lru_cache(maxsize=4096)  # a function is read once per rule and per function that reaches it
def raw_terms(node: ast.AST) -> frozenset[str]:
    """The names and attribute names that the live code under `node` mentions."""
    found: set[str] = set()
    for inner in live_walk(node):
        if isinstance(inner, ast.Attribute):
            found.add(inner.attr)
        elif isinstance(inner, ast.Name):
            found.add(inner.id)
        elif isinstance(inner, ast.alias):
            found.update(inner.name.split("."))
        elif isinstance(inner, ast.ImportFrom) and inner.module:
            found.update(inner.module.split("."))
        elif isinstance(inner, ast.Call) and (name := named_by_string(inner)):
            found.add(name)
    return frozenset(found)


@dataclass(eq=False)  # a scope is itself: it keys function_scope's cache
class Scope:
    """What each name bound in one scope may stand for: what is bound to it, and its terms."""

    values: dict[str, list[ast.AST]] = field(default_factory=dict)
    """the expressions (or statements: an import, a class) bound to each name"""
    bindings: dict[str, set[str]] = field(default_factory=dict)
    """the terms of those: every name and attribute name they mention"""
    outer: "Scope | None" = None

    def bind(self, name: str, value: ast.AST | None) -> None:
        """`name` bound to `value` (None: a parameter, bound to whatever the caller passes)."""
        self.bindings.setdefault(name, set()).update(raw_terms(value) if value is not None else ())
        self.values.setdefault(name, []).extend([value] if value is not None else [])

    def lookup(self, name: str) -> set[str]:
        if name in self.bindings:
            return self.bindings[name]
        return self.outer.lookup(name) if self.outer else set()

    def expanded(self, names: AbstractSet[str]) -> set[str]:
        """The names, and everything their bindings stand for, transitively."""
        found, todo = set(names), list(names)
        while todo:
            for more in self.lookup(todo.pop()) - found:
                found.add(more)
                todo.append(more)
        return found


def module_scope(tree: ast.Module) -> Scope:
    """The module's bindings: its top-level statements, and names a function declares global."""
    scope = Scope()
    for statement in reachable(list(tree.body)):
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bind_all(statement, scope)
    for function in (node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))):
        declared = {name for node in ast.walk(function) if isinstance(node, ast.Global) for name in node.names}
        for target, value in bindings_in(function):
            if set(target_names(target)) & declared:
                bind_pair(target, value, scope)
    return scope


@lru_cache(maxsize=1024)
def function_scope(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, module: Scope) -> Scope:
    """A function's own bindings (its parameters, with their defaults, and what it assigns)."""
    scope = Scope(outer=module)
    arguments = function.args
    for argument in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
        scope.bind(argument.arg, None)
    for rest in (arguments.vararg, arguments.kwarg):
        if rest is not None:
            scope.bind(rest.arg, None)
    positional = arguments.posonlyargs + arguments.args
    defaults = list(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
    defaults += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
    for argument, default in defaults:
        scope.bind(argument.arg, default)
    for target, value in bindings_in(function):
        bind_pair(target, value, scope)
    return scope


def bindings_in(node: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    return [pair for inner in live_walk(node) if inner is not node for pair in bound(inner)]


def bind_all(statement: ast.AST, scope: Scope) -> None:
    for inner in live_walk(statement):
        for target, value in bound(inner):
            bind_pair(target, value, scope)


def bind_pair(target: ast.AST, value: ast.AST, scope: Scope) -> None:
    for name in target_names(target):
        scope.bind(name, value)


def bound(node: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """(target, value) pairs for the ways Python binds a name."""
    if isinstance(node, ast.Assign):
        return [(target, node.value) for target in node.targets]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value is not None:
        return [(node.target, node.value)]
    if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        return [(node.target, node.iter)]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [(node.optional_vars, node.context_expr)]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(ast.Name(alias.asname or alias.name.split(".")[0]), node) for alias in node.names]
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and hasattr(node, "name"):
        return [(ast.Name(node.name), node)]
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setattr" and len(node.args) == 3:
        name = named_by_string(node)
        return [(ast.Name(name), node.args[2])] if name else []
    return []


def target_names(target: ast.AST) -> list[str]:
    """The names a target binds: `a`, `a, b`, `*a`, and `x.attr` or `x[...]` (read as binding `attr`, `x`)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for item in target.elts for name in target_names(item)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    if isinstance(target, ast.Attribute):
        return [target.attr]
    if isinstance(target, ast.Subscript):
        return target_names(target.value)
    return []
