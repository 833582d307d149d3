"""The trust boundary shows in the folders: what runs beside student code (sandbox/child/)
imports nothing from the judging side, which a child would then hold in its memory."""

import ast
import os
import subprocess
import sys

from tests.conftest import ROOT

CHILD = ROOT / "grader" / "sandbox" / "child"
# the protocol both sides share, and the child side itself
ALLOWED = ("grader", "grader.sandbox", "grader.sandbox.frames", "grader.sandbox.wire", "grader.sandbox.records",
           "grader.sandbox.observations", "grader.sandbox.child")


def allowed(module: str) -> bool:
    return module in ALLOWED or module.startswith("grader.sandbox.child.")


def test_the_child_side_imports_only_the_protocol_and_itself_in_its_source():
    for file in CHILD.glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            kit = [name for name in names if name.split(".")[0] in ("grader", "solutions", "exercises")]
            assert all(allowed(name) or allowed(name.rsplit(".", 1)[0]) for name in kit), (file.name, kit)


def test_a_running_zygote_has_loaded_nothing_of_the_judging_side():
    probe = ("import sys, grader.sandbox.child.zygote, grader.sandbox.child.harden; "
             "print(' '.join(m for m in sys.modules if m.split('.')[0] in ('grader', 'solutions', 'exercises')))")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    loaded = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True,
                            check=True).stdout.split()
    assert "grader.sandbox.child.zygote" in loaded
    assert [module for module in loaded if not allowed(module)] == []
