"""The notebook's check cells as a student's kernel runs them: the watcher's per-call limit,
every line in the student's language, a sentence instead of a traceback, no folder of the
machine that grades; and the first hint in each released solution cell."""

import runpy
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader import ROOT
from grader.frontends import notebook
from grader.frontends.notebook import CheckFailed, check
from grader.instructor.course import build_course
from grader.lessons.autograd.checks import collect
from grader.messages import hint

pytestmark = pytest.mark.sandbox


def claims(function: str) -> list[str]:
    return [c.claim for c in collect(hidden=False) if c.function == function]


def namespace(module: str, **replaced: str) -> dict:
    """The reference's functions, as a notebook defines them, with some rewritten."""
    functions = runpy.run_path(str(ROOT / "solutions" / f"{module}.py"))
    for source in replaced.values():
        exec(textwrap.dedent(source), functions)
    return functions


ENDLESS_TRAIN = """
def train(x, y, lr=0.01, epochs=100):
    w, b = init_params(x.device)
    while True:
        w = w + 0
"""
SLEEPING_TRAIN = """
def train(x, y, lr=0.01, epochs=100):
    import time
    time.sleep(3600)
"""


@pytest.mark.parametrize("train", [ENDLESS_TRAIN, SLEEPING_TRAIN], ids=["endless", "sleeping"])
def test_a_train_that_never_ends_fails_its_cell_after_the_call_limit(train):
    functions = namespace("linear_regression", train=train)
    with pytest.raises(CheckFailed) as failed:
        check("train", claims("train")[0], functions, call_seconds=0.5)
    assert "did not finish within 0.5 s of CPU time" in str(failed.value)


def test_every_line_is_in_chinese_under_grader_lang_zh(monkeypatch, capsys):
    monkeypatch.setenv("GRADER_LANG", "zh")
    for claim in claims("quadratic_grad"):
        check("quadratic_grad", claim, namespace("autograd_basics"))
    passed = capsys.readouterr().out.splitlines()
    assert len(passed) == len(claims("quadratic_grad")) and all(line.startswith("✓ quadratic_grad:") for line in passed)
    assert not any(claim in "\n".join(passed) for claim in claims("quadratic_grad"))  # the English claims
    with pytest.raises(CheckFailed) as failed:
        check("quadratic_grad", claims("quadratic_grad")[0], namespace("autograd_basics", wrong="""
            def quadratic_grad(x):
                raise NotImplementedError()
        """))
    said = str(failed.value)
    assert "尚未实现" in said and "提示" in said and "not implemented" not in said


def test_an_unknown_grader_lang_falls_back_to_the_locale(monkeypatch):
    monkeypatch.setenv("GRADER_LANG", "klingon")
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert notebook.student_language() == "zh"


def test_no_folder_of_the_grading_machine_reaches_the_feedback():
    planted = f"{ROOT}/grader/secret.py and {ROOT.parent}"
    functions = namespace("autograd_basics", wrong=f"""
        def quadratic_grad(x):
            raise FileNotFoundError({planted!r})
    """)
    with pytest.raises(CheckFailed) as failed:
        check("quadratic_grad", claims("quadratic_grad")[0], functions)
    assert str(ROOT) not in str(failed.value) and "FileNotFoundError" in str(failed.value)


def test_a_failed_check_cell_shows_sentences_not_a_traceback_in_a_kernel():
    nbclient = pytest.importorskip("nbclient")
    cells = [
        "import torch\ndef quadratic_grad(x):\n    return torch.tensor(8.0)",
        "from grader.frontends.notebook import check\n"
        f"check('quadratic_grad', {claims('quadratic_grad')[0]!r}, globals())",
    ]
    book = new_notebook(cells=[new_code_cell(cell) for cell in cells])
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    (error,) = [o for o in book.cells[1].outputs if o.output_type == "error"]
    shown = "\n".join(error.traceback)
    assert error.ename == "CheckFailed" and shown.startswith("quadratic_grad: ")
    assert "expected" in shown and "Traceback" not in shown and "notebook.py" not in shown and str(ROOT) not in shown


def test_each_released_solution_cell_starts_with_its_first_hint(tmp_path):
    from nbgrader.preprocessors import ClearSolutions

    build_course(tmp_path, "autograd")
    source = nbformat.read(tmp_path / "source" / "autograd" / "linear_regression.ipynb", as_version=4)
    released, _ = ClearSolutions(code_stub={"python": "raise NotImplementedError()"}).preprocess(source, {})
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    assert solutions and all("raise NotImplementedError()" in code for code in solutions.values())
    for grade_id, code in solutions.items():
        function = grade_id.removeprefix("solution-")
        for lang in ("en", "zh"):
            assert f"# {hint(function, 1, lang)[:12]}" in code, (function, lang)
