"""What the grader reads of a submission: only regular files directly in its folder, up to
1 MiB. Each attack here puts something else by a lesson file's name; it is refused with a
note that says why, counts as missing, and gains nothing. And the reference solutions the
hidden checks compare with are run from their source, whatever bytecode sits beside them."""

import errno
import importlib.util
import marshal
import os
import shutil
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from grader.grade import grade
from grader.lessons.autograd import API
from grader.lessons.autograd.checks import reference_module
from grader.load import MAX_SOURCE_BYTES, load_submission
from grader.messages import LANGUAGES
from grader.report import render
from grader.results import Grade
from grader.sandbox.host import Sandbox
from tests.conftest import ROOT, SEED, points_lost, write_submission

pytestmark = pytest.mark.sandbox

SOLUTION = {module: ROOT / "solutions" / f"{module}.py" for module in API}

# The other module prints what the grader read for the linked one (the worker's job holds both
# sources): the output is shown to the student.
ACCOMPLICE = """
import sys

frame = sys._getframe()
while frame is not None and "job" not in frame.f_locals:
    frame = frame.f_back
print(frame and frame.f_locals["job"]["sources"])
"""
LEAK = {"linear_regression": ACCOMPLICE}


def graded(folder: Path, sandbox: Sandbox) -> Grade:
    return grade(folder, hidden=True, seed=SEED, sandbox=sandbox)


def everything_said(result: Grade) -> str:
    """All a student or an instructor could read of a grade, in every language."""
    feedback = [*result.notices, *(r.feedback for r in result.results if r.feedback)]
    return "\n".join([repr(result), result.output, *(render(f, lang) for f in feedback for lang in LANGUAGES)])


def note(result: Grade, file: str) -> str:
    """The English note about `file`; there is exactly one."""
    found = [render(n, "en") for n in result.notices if n.params.get("file") == file]
    assert len(found) == 1, found
    return found[0]


def assert_counted_missing(result: Grade, module: str) -> None:
    """The module gained nothing: each of its checks says the module was not found."""
    checks = [r for r in result.results if r.function in API[module]]
    assert checks and all(r.score == 0 for r in checks)
    assert {r.feedback.message for r in checks if r.feedback} == {"missing_module"}
    assert set(API[module]) <= points_lost(result)


def with_link(folder: Path, module: str, target: str | Path, preambles: dict[str, str] | None = None) -> Path:
    """A submission whose `module` is a link to `target` (the other module is the reference's)."""
    write_submission(folder, preambles=preambles or {})
    (folder / f"{module}.py").unlink()
    (folder / f"{module}.py").symlink_to(target)
    return folder


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail, not hang, if the grader blocks (opening a FIFO waits for a writer)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"grading did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("via", ["absolute", "/proc/self/cwd"])
def test_links_to_the_kit_solutions_score_nothing(tmp_path, sandbox, monkeypatch, via):
    monkeypatch.chdir(ROOT)  # /proc/self/cwd/solutions is the kit's solutions in the grader's process
    folder = tmp_path / "student"
    folder.mkdir()
    for solution in SOLUTION.values():
        target = solution if via == "absolute" else f"/proc/self/cwd/solutions/{solution.name}"
        (folder / solution.name).symlink_to(target)
    result = graded(folder, sandbox)
    assert result.score == 0
    for module in API:
        assert_counted_missing(result, module)
        assert f"{module}.py is a symbolic link" in note(result, f"{module}.py")


def test_a_link_to_the_shadow_file_shows_none_of_it(tmp_path, sandbox):
    try:
        shadow = [line for line in Path("/etc/shadow").read_text().splitlines() if line.strip()]
    except OSError:
        pytest.skip("/etc/shadow cannot be read here, so a leak of it could not be seen")
    result = graded(with_link(tmp_path / "student", "autograd_basics", "/etc/shadow", LEAK), sandbox)
    said = everything_said(result)
    assert [line for line in shadow if line in said] == []
    assert_counted_missing(result, "autograd_basics")
    assert "autograd_basics.py is a symbolic link" in note(result, "autograd_basics.py")


def test_a_link_to_the_graders_environment_shows_none_of_it(tmp_path, sandbox):
    # what the link would show: the environment this process started with (a variable set
    # later, with os.environ or monkeypatch.setenv, never appears in /proc/self/environ)
    environ = [entry for entry in Path("/proc/self/environ").read_bytes().decode(errors="replace").split("\0")
               if len(entry.partition("=")[2]) >= 4]
    assert environ
    result = graded(with_link(tmp_path / "student", "autograd_basics", "/proc/self/environ", LEAK), sandbox)
    said = everything_said(result)
    assert [entry for entry in environ if entry in said] == []
    assert_counted_missing(result, "autograd_basics")
    assert "autograd_basics.py is a symbolic link" in note(result, "autograd_basics.py")


def test_links_to_another_students_files_copy_nothing(tmp_path, sandbox):
    alice = write_submission(tmp_path / "alice")
    mallory = tmp_path / "mallory"
    mallory.mkdir()
    (mallory / "autograd_basics.py").symlink_to("../alice/autograd_basics.py")  # relative
    (mallory / "linear_regression.py").symlink_to(alice / "linear_regression.py")  # absolute
    result = graded(mallory, sandbox)
    assert result.score == 0
    for module in API:
        assert_counted_missing(result, module)
        assert "is a symbolic link" in note(result, f"{module}.py")


def test_a_fifo_does_not_hang_the_grader(tmp_path, sandbox):
    folder = write_submission(tmp_path / "student")
    (folder / "autograd_basics.py").unlink()
    os.mkfifo(folder / "autograd_basics.py")
    with deadline(120):
        result = graded(folder, sandbox)
    assert_counted_missing(result, "autograd_basics")
    assert "autograd_basics.py is not a regular file" in note(result, "autograd_basics.py")
    assert not points_lost(result) & set(API["linear_regression"])  # the rest is still graded


def test_a_file_over_the_cap_is_refused_not_truncated(tmp_path, sandbox):
    # a full solution padded to 2 MiB: cut at 1 MiB, it would still be a full solution
    folder = write_submission(tmp_path / "student")
    file = folder / "autograd_basics.py"
    file.write_text(file.read_text() + "#\n" * 2**20)
    result = graded(folder, sandbox)
    assert_counted_missing(result, "autograd_basics")
    assert note(result, "autograd_basics.py").startswith("autograd_basics.py is larger than 1 MiB")


def test_a_file_at_the_cap_is_read(tmp_path):
    folder = write_submission(tmp_path / "student")
    file = folder / "autograd_basics.py"
    file.write_bytes(file.read_bytes().ljust(MAX_SOURCE_BYTES - 1, b"#") + b"\n")
    submission = load_submission(folder)
    assert submission.notes == [] and len(submission.sources["autograd_basics"].encode()) == MAX_SOURCE_BYTES


def test_a_folder_by_a_modules_name_is_refused(tmp_path, sandbox):
    folder = write_submission(tmp_path / "student")
    (folder / "autograd_basics.py").unlink()
    (folder / "autograd_basics.py").mkdir()
    result = graded(folder, sandbox)
    assert_counted_missing(result, "autograd_basics")
    assert "autograd_basics.py is not a regular file" in note(result, "autograd_basics.py")


def test_a_linked_notebook_is_refused(tmp_path, sandbox):
    elsewhere = tmp_path / "elsewhere" / "linear_regression.ipynb"
    elsewhere.parent.mkdir()
    code = nbformat.v4.new_code_cell(SOLUTION["linear_regression"].read_text())
    nbformat.write(nbformat.v4.new_notebook(cells=[code]), elsewhere)
    folder = write_submission(tmp_path / "student")
    (folder / "linear_regression.py").unlink()
    (folder / "linear_regression.ipynb").symlink_to(elsewhere)
    result = graded(folder, sandbox)
    assert_counted_missing(result, "linear_regression")
    assert "linear_regression.ipynb is a symbolic link" in note(result, "linear_regression.ipynb")


def test_a_socket_by_a_modules_name_is_refused(tmp_path, monkeypatch):
    folder = write_submission(tmp_path / "student")
    (folder / "autograd_basics.py").unlink()
    monkeypatch.chdir(folder)  # a relative name: socket paths are limited to about 100 bytes
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind("autograd_basics.py")
        submission = load_submission(folder)
    assert submission.sources["autograd_basics"] is None
    assert [(n.message, n.params) for n in submission.notes] == [("file_not_regular", {"file": "autograd_basics.py"})]


def test_an_unreadable_file_is_refused(tmp_path, monkeypatch):
    # as root a chmod 000 file is still readable, so the refusal the kernel would give is simulated
    folder = write_submission(tmp_path / "student")
    real_open = os.open

    def refuse(path: Path, *args: int) -> int:
        if Path(path).name == "autograd_basics.py":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, *args)

    monkeypatch.setattr(os, "open", refuse)
    submission = load_submission(folder)
    assert submission.sources["autograd_basics"] is None
    assert "could not be opened for reading" in render(submission.notes[0], "en")


def test_a_refused_module_falls_back_to_its_regular_notebook(tmp_path):
    folder = write_submission(tmp_path / "student")
    code = nbformat.v4.new_code_cell(SOLUTION["linear_regression"].read_text())
    nbformat.write(nbformat.v4.new_notebook(cells=[code]), folder / "linear_regression.ipynb")
    (folder / "linear_regression.py").unlink()
    (folder / "linear_regression.py").symlink_to(SOLUTION["linear_regression"])
    submission = load_submission(folder)
    assert "def train(" in submission.sources["linear_regression"]
    assert [n.message for n in submission.notes] == ["file_is_link"]


def test_the_folder_itself_may_be_a_link(tmp_path):
    folder = write_submission(tmp_path / "student")
    (tmp_path / "link").symlink_to(folder)
    submission = load_submission(tmp_path / "link")
    assert submission.notes == [] and all(submission.sources.values())


def test_the_reference_ignores_planted_bytecode(tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", solutions, ignore=shutil.ignore_patterns("__pycache__"))
    source = solutions / "linear_regression.py"
    # valid bytecode of a poisoned module, stamped with the real source's mtime and size, as the
    # import system checks them: what a student's code run without isolation could leave there
    poisoned = compile(source.read_text() + "\ndef predict(x, w, b):\n    return 'planted'\n", str(source), "exec")
    stamp = source.stat()
    header = importlib.util.MAGIC_NUMBER + b"\0\0\0\0" + b"".join(
        (int(value) & 0xFFFFFFFF).to_bytes(4, "little") for value in (stamp.st_mtime, stamp.st_size))
    pyc = Path(importlib.util.cache_from_source(str(source)))
    pyc.parent.mkdir()
    pyc.write_bytes(header + marshal.dumps(poisoned))

    spec = importlib.util.spec_from_file_location("imported_as_usual", source)
    imported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(imported)
    assert imported.predict(1, 2, 3) == "planted"  # the attack works on an ordinary import

    assert reference_module("linear_regression", solutions).predict(1, 2, 3) == 5
    assert reference_module("autograd_basics", solutions).quadratic_grad(2.0) == 7
    assert [p.name for p in pyc.parent.iterdir()] == [pyc.name]  # and it wrote no bytecode of its own


def test_a_bom_and_crlf_source_reads_as_cpython_imports_it(tmp_path, sandbox):
    # Windows Notepad's "UTF-8": a BOM, and CRLF line ends; CPython imports it as it is
    folder = write_submission(tmp_path / "student")
    for module in API:
        file = folder / f"{module}.py"
        file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes().replace(b"\n", b"\r\n"))
    submission = load_submission(folder)
    assert submission.notes == []
    for module in API:
        assert submission.sources[module] == SOLUTION[module].read_text("utf-8")
    result = graded(folder, sandbox)
    assert result.score == result.max_score


@pytest.mark.parametrize("encoding", ["gbk", "utf-16"])
def test_a_source_in_another_encoding_is_decoded_with_a_note(tmp_path, encoding):
    folder = write_submission(tmp_path / "student")
    source = "# 线性回归:梯度下降\n" + SOLUTION["linear_regression"].read_text("utf-8")
    (folder / "linear_regression.py").write_bytes(source.encode(encoding))
    submission = load_submission(folder)
    assert submission.sources["linear_regression"] == source
    assert note(Grade([], "", 0, [], 0.0, submission.notes), "linear_regression.py").startswith(
        "linear_regression.py is not saved as UTF-8: it was read as ")


def test_a_source_no_encoding_reads_is_read_with_replacements_and_a_note(tmp_path):
    folder = write_submission(tmp_path / "student")
    (folder / "autograd_basics.py").write_bytes(b"x = '\xff\xfe\xff'\n")
    submission = load_submission(folder)
    assert submission.sources["autograd_basics"] == "x = '\ufffd\ufffd\ufffd'\n"
    assert [n.message for n in submission.notes] == ["source_undecodable"]
