"""A class whose folder names attack what the instructor opens, graded by a real `python -m
grader batch`: names that would take a class output's place or a classmate's, formulas for
the spreadsheet, escape sequences for the terminal. Every hand-in is honest code: each keeps
its own results folder, its own row and full marks."""

import csv
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from grader.instructor.outputs import results_folder
from grader.lessons.autograd.checks import collect
from tests.conftest import write_submission
from tests.test_batch import run_grader

pytestmark = pytest.mark.sandbox
GBK = os.fsdecode("王芳".encode("gbk"))  # a folder a Chinese Windows zipped, unpacked on Linux
FULL = sum(check.points for check in collect(hidden=True))
# folder names on disk: two read as 王芳, one spells GBK's bytes; class outputs' names; formulas; escapes
FOLDERS = [GBK, "王芳", r"\xcd\xf5\xb7\xbc", "grades.csv", "report.html", "batch.json", "ada~",
           '=HYPERLINK("evil.example")', "+cmd", "-2+3", "@SUM(A1)", "\tTAB", "esc\x1b]52;c;cm0gLXJm\x07\x1b[2J"]
ARCHIVES = {"grades.csv.zip": "grades.csv", "canvas.csv.zip": "canvas.csv"}
# not gradable (a .docx only), so the run's last lines name it
TITLE = "essay\x1b]0;owned\x07\x1b[1A\r"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("hostile-names")
    root, out = work / "class", work / "out"
    for name in FOLDERS:
        write_submission(root / name)
    honest = write_submission(work / "to-zip")
    for archive in ARCHIVES:
        shutil.make_archive(str(root / archive.removesuffix(".zip")), "zip", honest)
    (root / TITLE).mkdir()
    (root / TITLE / "homework.docx").write_text("an essay")
    run = run_grader("batch", str(root), "--out", str(out), "--seed", "3", "--workers", "2")
    assert "Traceback" not in run.stderr and (out / "grades.csv").is_file(), run.stdout + run.stderr
    return out, run.stdout + run.stderr


def rows(out: Path) -> list[dict[str, str]]:
    with (out / "grades.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_hand_in_keeps_its_own_results_folder_row_and_marks(graded):
    out, _ = graded
    table = rows(out)
    assert len(table) == len(FOLDERS) + len(ARCHIVES) + 1 == len({row["folder"] for row in table})
    graded = [row for row in table if row["status"] == "graded"]
    assert len(graded) == len(table) - 1 and all(float(row["score"]) == FULL for row in graded)
    places = [p.parent for p in out.glob("*/results.json")]
    assert len(places) == len(table) and all(p.is_dir() for p in places)
    assert all((out / name).is_file() for name in ("grades.csv", "report.html"))
    assert (out / r"\xcd\xf5\xb7\xbc").is_dir() and (out / r"\\xcd\\xf5\\xb7\\xbc").is_dir()
    assert (out / "grades.csv~").is_dir() and (out / "ada~~").is_dir() and (out / "grades.csv.zip").is_dir()


def test_the_class_report_links_each_student_to_their_own_page_and_runs_nothing_of_theirs(graded):
    out, _ = graded
    report = (out / "report.html").read_text()
    links = [unquote(link) for link in re.findall(r"href='([^']+)'", report)]
    assert all((out / link).is_file() for link in links) and len(set(links)) >= len(FOLDERS) - 1
    assert "<script" not in report and "=HYPERLINK(&quot;evil.example&quot;)" in report  # escaped, as every page


def test_names_that_read_as_formulas_are_text_in_grades_csv(graded):
    out, _ = graded
    shown = [row["student"] for row in rows(out)]
    for name in FOLDERS[1:]:  # GBK's is shown as 王芳 too
        expected = f"'{name}" if name.startswith(("=", "+", "-", "@", "\t")) else name
        assert expected in shown, name
    assert not [cell for row in rows(out) for cell in row.values() if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_the_runs_last_lines_show_escape_sequences_without_obeying_them(graded):
    _, printed = graded
    assert r"essay\x1b]0;owned\x07\x1b[1A\x0d: not gradable" in printed
    assert not [c for c in printed if c not in "\n\t" and (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f)]


def test_results_folders_are_one_per_name_and_short_enough_for_any_file_system(tmp_path):
    long = "王" * 120  # 360 bytes in UTF-8; a GBK name of 254 bytes escapes to 1,016
    names = ["ada", "ada~", "ada~~", "grades.csv", "Grades.CSV", "grades.csv~", long, long + "x", r"\xff" * 70]
    folders = [results_folder(tmp_path, name) for name in names]
    assert len(set(folders)) == len(names) and all(len(f.name.encode()) <= 255 for f in folders)
    assert [f.name for f in folders[:6]] == ["ada", "ada~~", "ada~~~", "grades.csv~", "Grades.CSV~", "grades.csv~~"]
    for folder in folders:
        folder.mkdir()  # the file system takes each
