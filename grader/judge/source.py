"""What the grader reads off a submission's source, in its own process: the properties a
child could fake at run time. A by-hand function that reaches autograd, an autograd
exercise that never calls backward, a module that reaches into the grader (an import,
`sys.modules`, `gc`, frames: to patch what observes it): each turns that function's
passed checks into failures. The source is read as it would run (judge/reading.py):
dead branches do not count, aliases are seen through. These rules are a net, not the
verdict: a check passes on values the grader verifies (lesson/checks)."""

import ast
from collections.abc import Iterator

from grader.judge.reading import Scope, function_scope, live_walk, module_scope, named_by_string, raw_terms
from grader.lessons import Lesson, given
from grader.results import Feedback, Names

AUTOGRAD = {"backward", "autograd", "enable_grad", "set_grad_enabled", "requires_grad", "requires_grad_", "func"}
OFF_LIMITS = ("grader", "solutions")
# What reaches another module's objects without naming it in an import: the module table,
# the garbage collector's object lists, the frames of the callers, code hidden in strings.
REACHING_MODULES = {"gc", "inspect", "ctypes", "runpy"}
REACHING_NAMES = {
    "modules", "_getframe", "currentframe", "f_back", "f_globals", "f_locals", "f_builtins", "tb_frame",
    "gi_frame", "cr_frame", "ag_frame", "__globals__", "__dict__", "__builtins__", "__subclasses__",
    "get_objects", "get_referrers", "get_referents", "vars", "exec", "eval", "compile", "FunctionType",
    "CodeType", "__import__", "find_spec", "module_from_spec", "exec_module", "spec_from_file_location",
    "load_module", "SourceFileLoader", "settrace", "setprofile", "_current_frames", "__getattribute__",
}
COMPUTED_NAME_TAKERS = {"getattr", "setattr", "delattr", "hasattr", "import_module", "attrgetter", "methodcaller"}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
Table = dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, Scope]]


def source_findings(sources: dict[str, str | None], lesson: Lesson | None = None) -> dict[str, Feedback]:
    lesson = given(lesson)
    """Per student function, why its passed checks do not count."""
    trees = {module: tree for module, source in sources.items() if (tree := parsed(source)) is not None}
    scopes = {module: module_scope(tree) for module, tree in trees.items()}  # (a syntax error: the worker says)
    findings: dict[str, Feedback] = {}
    for module, tree in trees.items():
        if reach := reaching(tree):
            findings |= {f: reach for f in lesson.api[module]}
        else:
            findings |= function_findings(lesson, module, callable_table(module, trees, scopes), scopes[module])
    return findings


def parsed(source: str | None) -> ast.Module | None:
    try:
        return ast.parse(source) if source is not None else None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def callable_table(module: str, trees: dict[str, ast.Module], scopes: dict[str, Scope]) -> Table:
    """The functions a module can call by name: those of the student modules it imports, then
    its own (which shadow them), each with the scope it was written in."""
    table: Table = {}
    for other in [m for m in trees if m != module and imports(trees[module], m)] + [module]:
        table |= {node.name: (node, scopes[other]) for node in trees[other].body if isinstance(node, FUNCTIONS)}
    return table


def imports(tree: ast.Module, module: str) -> bool:
    return any(name.split(".")[0] == module for node in live_walk(tree) for name in imported_names(node))


def function_findings(lesson: Lesson, module: str, table: Table, scope: Scope) -> dict[str, Feedback]:
    found: dict[str, Feedback] = {}
    for name in lesson.api[module]:
        own = [table[name]] if name in table and table[name][1] is scope else []
        # the def, and what the module binds to the name besides (`name = wrap(name)`, a lambda): each
        # may be what runs, so each must keep the rules
        definitions = own + [(value, scope) for value in scope.values.get(name, [])]
        if not definitions:
            continue  # the worker reports the missing function
        reads = reached(definitions, table)
        names = set().union(*(read_scope.expanded(raw_terms(node)) for node, read_scope in reads))
        if name in lesson.by_hand and names & AUTOGRAD:
            found[name] = Feedback("autograd_in_source", {"names": Names(tuple(sorted(names & AUTOGRAD)))},
                                   "used_autograd")
        elif name in lesson.with_autograd and not all(calls_backward(reached([d], table)) for d in definitions):
            found[name] = Feedback("no_backward_in_source", misconception=lesson.no_backward.get(name, "no_backward"))
    return found


def reaching(tree: ast.Module) -> Feedback | None:
    """How the module reaches into the grader, if it does."""
    if imported := next(off_limits_imports(tree), None):
        return Feedback("imports_grader", {"module": imported})
    if way := next(reaching_ways(tree), None):
        return Feedback("reaches_grader", {"name": way})
    return None


def off_limits_imports(tree: ast.Module) -> Iterator[str]:
    """The kit's own packages, imported by name anywhere (import, from, __import__, import_module)."""
    for node in live_walk(tree):
        yield from (name for name in imported_names(node) if name.split(".")[0] in OFF_LIMITS)


def imported_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        return [str(node.args[0].value)] if called_name(node) in ("__import__", "import_module") else []
    return []


def reaching_ways(tree: ast.Module) -> Iterator[str]:
    """The names through which code reaches objects it did not import by name: `sys.modules`,
    `gc`, frames, `exec`; and a module or attribute named by a string computed at run time."""
    switches = set(mode_switches(tree))
    for node in live_walk(tree):
        if isinstance(node, ast.Call) and called_name(node) in COMPUTED_NAME_TAKERS and computed(node):
            yield f"{called_name(node)}(...)"
        names = [name.split(".")[0] for name in imported_names(node)]
        names += [node.attr] if isinstance(node, ast.Attribute) and id(node) not in switches else []
        names += [node.id] if isinstance(node, ast.Name) else []
        names += [text] if isinstance(node, ast.Call) and (text := named_by_string(node)) else []
        yield from (name for name in names if name in REACHING_NAMES or name in REACHING_MODULES)


def mode_switches(tree: ast.Module) -> Iterator[int]:
    """The ids of `x.eval` in calls `x.eval()` with no argument: a torch module's switch to
    evaluation mode, which runs no code of its own (the builtin eval needs the code to run)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "eval" \
                and not node.args and not node.keywords:
            yield id(node.func)


def computed(node: ast.Call) -> bool:
    """Whether the name a getattr or import_module takes is not a constant string."""
    position = 0 if called_name(node) in ("import_module", "attrgetter", "methodcaller") else 1
    argument = node.args[position] if len(node.args) > position else None
    return not (isinstance(argument, ast.Constant) and isinstance(argument.value, str))


def called_name(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def reached(definitions: list[tuple[ast.AST, Scope]], table: Table) -> list[tuple[ast.AST, Scope]]:
    """The definitions and the functions they use, by name or through an alias, transitively;
    each with the scope to read it in."""
    reads: list[tuple[ast.AST, Scope]] = []
    seen: set[int] = set()
    todo = list(definitions)
    while todo:
        node, module = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        scope = function_scope(node, module) if isinstance(node, (*FUNCTIONS, ast.Lambda)) else module
        reads.append((node, scope))
        todo += [table[name] for name in scope.expanded(raw_terms(node)) & table.keys()]
    return reads


def calls_backward(reads: list[tuple[ast.AST, Scope]]) -> bool:
    """Live code calls `y.backward()` or `torch.autograd.grad(...)` (`grad` imported from
    autograd, `torch.func.grad`), by name or through an alias: not merely `x.grad`."""
    for node, scope in reads:
        for call in (inner for inner in live_walk(node) if isinstance(inner, ast.Call)):
            called = scope.expanded(raw_terms(call.func))
            if "backward" in called or ("grad" in called and called & {"autograd", "func"}):
                return True
    return False
