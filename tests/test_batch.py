"""Batch grading as an instructor runs it: a real `python -m grader batch` on a small class."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grader.lessons.autograd import API
from tests.browser import chromium_page, images_rendered, needs_chromium
from tests.conftest import ROOT, write_submission
from tests.test_mistakes import MISTAKES

pytestmark = pytest.mark.sandbox
needs_bubblewrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
SLOW = {"train": "import time\\ntime.sleep(1.5)\\nreturn init_params(x.device) + ([0.0] * epochs,)"}
# Both imports hang until the worker stops them: grading this takes two call limits, however fast the machine.
STALLED = {module: "import time\ntime.sleep(3600)\n" for module in API}


def run_grader(*arguments: str, wait: bool = True, **options) -> subprocess.CompletedProcess | subprocess.Popen:
    command = [sys.executable, "-m", "grader", *arguments, "--lang", "en"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "150"}
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600, **options)


def make_class(root: Path, kinds: dict[str, dict]) -> Path:
    for name, bodies in kinds.items():
        write_submission(root / name, bodies)
    return root


def grades(out: Path) -> dict[str, dict]:
    with (out / "grades.csv").open(encoding="utf-8-sig") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


CLASS = {
    "ada": {},
    "bo": MISTAKES["sgd_step rebinds p"][0],
    "chen": MISTAKES["mse_loss sums instead of averaging"][0],
    "dana": {},
    "eli": MISTAKES["zero_grads does nothing"][0],
}


def test_a_class_is_graded_with_results_pages_and_a_report(tmp_path):
    root, out = make_class(tmp_path / "class", CLASS), tmp_path / "out"
    run = run_grader("batch", str(root), "--out", str(out), "--workers", "2", "--seed", "5")
    assert run.returncode == 0, run.stderr
    assert "graded 5 of 5 students" in run.stdout
    table = grades(out)
    assert set(table) == set(CLASS)
    for student, row in table.items():
        results = json.loads((out / student / "results.json").read_text())
        assert float(row["score"]) == results["score"]
        assert (out / student / "feedback.html").is_file()
        assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}
    assert table["ada"]["score"] == table["ada"]["max_score"]
    assert table["bo"]["sgd_step"] == "0" and table["bo"]["predict"] == table["ada"]["predict"]  # full marks
    assert float(table["chen"]["score"]) < float(table["chen"]["max_score"])
    assert "rebinding" in json.loads((out / "bo" / "results.json").read_text())["extra_data"]["misconceptions"]


def test_running_again_resumes_and_force_regrades(tmp_path):
    root, out = make_class(tmp_path / "class", {"ada": {}, "bo": {}}), tmp_path / "out"
    assert run_grader("batch", str(root), "--out", str(out), "--seed", "1").returncode == 0
    write_submission(root / "cy", {})
    again = run_grader("batch", str(root), "--out", str(out), "--seed", "1")
    assert "graded 1 of 3 students (2 already done)" in again.stdout
    forced = run_grader("batch", str(root), "--out", str(out), "--seed", "1", "--force")
    assert "graded 3 of 3 students (0 already done)" in forced.stdout
    assert len(grades(out)) == 3


def test_ctrl_c_keeps_what_finished_and_the_next_run_finishes_the_rest(tmp_path):
    kinds = {"s0": {}, "s2": {}, "s3": {}}
    root, out = make_class(tmp_path / "class", kinds), tmp_path / "out"
    # Ctrl-C comes while s1 is being graded.
    write_submission(root / "s1", preambles=STALLED)
    kinds["s1"] = {}
    batch = run_grader("batch", str(root), "--out", str(out), "--workers", "1", "--seed", "2", wait=False)
    while not (out / "s0" / "results.json").exists() and batch.poll() is None:
        time.sleep(0.05)
    os.killpg(batch.pid, signal.SIGINT)
    _, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 130, stderr
    kept = sorted(p.parent.name for p in out.glob("*/results.json"))
    assert kept == ["s0"]
    assert not list(out.glob("*/.*.partial"))
    for file in out.glob("*/results.json"):
        json.loads(file.read_text())  # whole, never half-written
    resumed = run_grader("batch", str(root), "--out", str(out), "--workers", "1", "--seed", "2")
    assert f"graded {len(kinds) - len(kept)} of {len(kinds)}" in resumed.stdout
    assert set(grades(out)) == set(kinds)


def test_a_worker_killed_from_outside_loses_no_submission(tmp_path):
    kinds = {f"s{i}": (SLOW if i % 3 == 0 else {}) for i in range(9)}
    root, out = make_class(tmp_path / "class", kinds), tmp_path / "out"
    write_submission(root / "s9", preambles=STALLED)  # the batch is still running when a zygote is killed
    batch = run_grader("batch", str(root), "--out", str(out), "--workers", "2", "--seed", "3", wait=False)
    deadline = time.monotonic() + 120
    while not any(out.glob("*/results.json")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the workers are busy now
    killed = kill_a_zygote(batch.pid, deadline)
    _, stderr = batch.communicate(timeout=300)
    assert killed and batch.returncode == 0, stderr
    table = grades(out)
    assert set(table) == {*kinds, "s9"}  # each exactly once: one row per student
    for name, bodies in kinds.items():
        results = json.loads((out / name / "results.json").read_text())
        assert "worker_lost" not in results["extra_data"]["crashes"]
        if not bodies:
            assert results["score"] == results["max_score"]


def kill_a_zygote(parent: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            try:
                zygote = entry.name.isdigit() and b"grader.sandbox.child.zygote" in (entry / "cmdline").read_bytes()
                if zygote and descends_from(int(entry.name), parent):
                    os.kill(int(entry.name), signal.SIGKILL)
                    return True
            except OSError:
                continue
        time.sleep(0.1)
    return False


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return False


def test_shards_partition_the_class_and_merge_into_one_report(tmp_path):
    kinds = {f"s{i}": (MISTAKES["predict flattens the column"][0] if i % 2 else {}) for i in range(7)}
    root = make_class(tmp_path / "class", kinds)
    whole = tmp_path / "whole"
    assert run_grader("batch", str(root), "--out", str(whole), "--seed", "9").returncode == 0
    shards = [tmp_path / f"shard{k}" for k in (1, 2, 3)]
    for k, folder in enumerate(shards, start=1):
        assert run_grader("batch", str(root), "--out", str(folder), "--shard", f"{k}/3", "--seed", "9").returncode == 0
    parts = [set(p.parent.name for p in folder.glob("*/results.json")) for folder in shards]
    assert sum(len(part) for part in parts) == len(kinds) and set().union(*parts) == set(kinds)
    merged = tmp_path / "merged"
    assert run_grader("merge", *map(str, shards), "--out", str(merged)).returncode == 0
    assert grades(merged) == grades(whole)


def test_nbgrader_submissions_are_read_from_their_notebooks(tmp_path):
    submitted = tmp_path / "course" / "submitted"
    for student in ("ada", "bo"):
        folder = submitted / student / "autograd"
        folder.mkdir(parents=True)
        for module in API:
            source = (ROOT / "solutions" / f"{module}.py").read_text()
            cells = [nbformat.v4.new_code_cell("%matplotlib inline\n!pip list"), nbformat.v4.new_code_cell(source)]
            notebook = nbformat.v4.new_notebook(cells=cells)
            if student == "bo":  # as older tools save them: nbformat warns of the missing cell ids
                for cell in notebook.cells:
                    del cell["id"]
            (folder / f"{module}.ipynb").write_text(json.dumps(notebook))
    out = tmp_path / "out"
    run = run_grader("batch", str(tmp_path / "course"), "--out", str(out), "--seed", "4")
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and "Warning" not in run.stdout  # not the instructor's to act on
    for student in ("ada", "bo"):
        results = json.loads((out / student / "results.json").read_text())
        assert results["score"] == results["max_score"]
        assert results["extra_data"]["notes"] == ["magics_dropped", "magics_dropped"]
        assert "IPython magics" in (out / student / "feedback.html").read_text()


@needs_bubblewrap
def test_a_submission_cannot_see_the_others_or_the_results(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    write_submission(root / "ada")
    spy = f"""
        import os
        for folder in ({str(root / "ada")!r}, {str(out)!r}):
            try:
                seen = os.listdir(folder)
            except OSError:  # refused, or not there: nothing seen
                seen = []
            if seen:
                raise RuntimeError("saw " + folder)
        return 2 * x + 3
    """
    write_submission(root / "eve", {"quadratic_grad_by_hand": spy})
    assert run_grader("batch", str(root), "--out", str(out), "--seed", "6").returncode == 0
    eve = json.loads((out / "eve" / "results.json").read_text())
    assert eve["score"] == eve["max_score"]  # it saw nothing


@needs_chromium
def test_the_report_and_pages_render_in_a_browser_and_match_the_grades(tmp_path):
    root, out = make_class(tmp_path / "class", CLASS), tmp_path / "out"
    assert run_grader("batch", str(root), "--out", str(out), "--seed", "5").returncode == 0
    table = grades(out)
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto((out / "report.html").as_uri())
        assert images_rendered(page) and page.locator("img").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth <= 1280")  # nothing runs off the side
        rows = page.locator("#scores tr").all()[1:]
        shown = {row.locator("td").nth(0).inner_text(): row.locator("td").nth(1).inner_text() for row in rows}
        assert shown == {name: f"{float(row['score']):g}" for name, row in table.items()}
        assert "bo" in page.locator("p.split[data-function='train']").inner_text()  # train failed through sgd_step
        misconceptions = page.locator("table.misconceptions[data-function='sgd_step']")
        assert misconceptions.is_visible() and "1" in misconceptions.inner_text()
        misconceptions.locator("a", has_text="bo").click()  # the link leads to the student's page
        page.wait_for_load_state()
        assert page.url.endswith("/bo/feedback.html") and images_rendered(page)
        bo = table["bo"]
        assert page.locator("#total b").inner_text() == f"{float(bo['score']):g}/{float(bo['max_score']):g}"


GBK_NAME = os.fsdecode("王芳".encode("gbk"))  # a folder a Chinese Windows zipped, unpacked on Linux


def messy_class(root: Path) -> Path:
    """What an LMS download looks like: every kind of hand-in, one of each."""
    write_submission(root / "ada")
    write_submission(root / GBK_NAME)
    write_submission(root / "nested" / "Homework" / "autograd")
    bom = write_submission(root / "windows")
    for file in bom.glob("*.py"):
        file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes().replace(b"\n", b"\r\n"))
    near = write_submission(root / "copies")
    (near / "autograd_basics.py").rename(near / "autograd_basics (1).py")
    zipped = write_submission(root.parent / "to-zip")
    shutil.make_archive(str(root / "zipper"), "zip", zipped)
    (root / "empty").mkdir()
    (root / "docx").mkdir()
    (root / "docx" / "homework.docx").write_text("essay")
    (root / "__MACOSX").mkdir()
    (root / ".DS_Store").write_text("junk")
    return root


def test_every_hand_in_gets_a_row_graded_or_with_its_reason(tmp_path):
    root, out = messy_class(tmp_path / "class"), tmp_path / "out"
    run = run_grader("batch", str(root), "--out", str(out), "--seed", "7", "--isolation", "process")
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr  # 1: not every hand-in was graded
    assert (out / "grades.csv").read_bytes().startswith(b"\xef\xbb\xbfstudent,")  # Excel reads it as UTF-8
    table = grades(out)
    assert set(table) == {"ada", "王芳", "nested", "windows", "copies", "zipper", "empty", "docx"}
    for name in ("ada", "王芳", "nested", "windows", "copies", "zipper"):
        assert table[name]["status"] == "graded" and table[name]["score"] == table[name]["max_score"], name
    assert table["王芳"]["folder"] == r"\xcd\xf5\xb7\xbc"
    assert (table["empty"]["status"], table["docx"]["status"]) == ("no submission", "not gradable")
    assert "not graded (2):" in run.stdout and "  docx: not gradable: none of its files is" in run.stdout
    assert "  empty: no submission: nothing was handed in" in run.stdout
    assert "autograd_basics (1).py was graded as autograd_basics.py" in (out / "copies" / "feedback.html").read_text()


def test_the_isolation_notice_reaches_the_instructor_not_the_students(tmp_path):
    root, out = make_class(tmp_path / "class", {"ada": {}}), tmp_path / "out"
    run = run_grader("batch", str(root), "--out", str(out), "--seed", "8", "--isolation", "process")
    assert run.returncode == 0, run.stderr
    notice = "no bubblewrap (GRADER_ISOLATION=process)"
    assert notice in run.stdout.replace("\n", " ") and notice in (out / "report.html").read_text()
    assert "bubblewrap" not in (out / "ada" / "feedback.html").read_text()
    extra = json.loads((out / "ada" / "results.json").read_text())["extra_data"]
    assert "process_isolation" in {notice["message"] for notice in extra["run_notices"]}
    assert "process_isolation" not in extra["notes"]


# The command line, stopped where it returns: a usage error must come before torch is imported.
BEFORE_TORCH = ("import sys; from grader.frontends.cli import main; code = main(sys.argv[1:]); "
                "assert 'torch' not in sys.modules, 'torch was imported first'; sys.exit(code)")


@pytest.mark.parametrize("arguments", [["--out", "FILE"], ["--out", "CLASS/results"], ["--seed", "-1"],
                                       ["--workers", "0"], ["--roster", "MISSING.csv"], ["--shard", "3/2"],
                                       ["--shard", "two"], ["--regrade", "zed"], ["--seed", "8"]])
def test_bad_batch_arguments_are_one_sentence_and_exit_2_before_torch_is_imported(tmp_path, arguments):
    root = make_class(tmp_path / "class", {"ada": {}})
    (tmp_path / "FILE").write_text("a file")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "batch.json").write_text('{"seed": 7}')  # graded before, with seed 7
    given = {"FILE": str(tmp_path / "FILE"), "CLASS/results": str(root / "results"),
             "MISSING.csv": str(tmp_path / "missing.csv")}
    command = [sys.executable, "-c", BEFORE_TORCH, "batch", str(root), "--lang", "en",
               *([] if "--out" in arguments else ["--out", str(tmp_path / "o")]), *(given.get(a, a) for a in arguments)]
    run = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and run.stderr.startswith("error: ")
