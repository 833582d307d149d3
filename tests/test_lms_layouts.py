"""Made-up classes as Canvas, Moodle and Blackboard download them: each student's entries,
named by the LMS, are read as one student, graded from the files they handed in."""

import zipfile
from pathlib import Path

import pytest

from grader.instructor.intake import Standing, find_students, prepare
from grader.lessons.autograd import API
from tests.conftest import ROOT, write_submission
from tests.test_batch import grades, run_grader

SOLUTIONS = {f"{module}.py": (ROOT / "solutions" / f"{module}.py").read_bytes() for module in API}
WRONG = b"def quadratic_grad(x):\n    return 0\n"


def flat(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def graded_files(root: Path, scratch: Path) -> dict[str, dict[str, bytes]]:
    """Per student found, the lesson files prepared for grading."""
    found = {}
    for i, student in enumerate(find_students(root, "en")):
        intake = prepare(student, scratch / str(i))
        assert intake.path is not None, (student.name, intake.reason)
        found[student.name] = {name: (intake.path / name).read_bytes() for name in SOLUTIONS}
    return found


def canvas_class(root: Path) -> Path:
    """Canvas (Submissions, Download): flat files; a late one marked LATE; a file uploaded
    twice renamed -1; a zip as the hand-in."""
    homework = root.parent / "homework.zip"
    with zipfile.ZipFile(homework, "w") as archive:
        for name, data in SOLUTIONS.items():
            archive.writestr(f"hw/{name}", data)
    return flat(root, {
        "alicesmith_1001_5551_autograd_basics.py": SOLUTIONS["autograd_basics.py"],
        "alicesmith_1001_5552_linear_regression.py": SOLUTIONS["linear_regression.py"],
        "bobjones_LATE_1002_5561_autograd_basics.py": SOLUTIONS["autograd_basics.py"],
        "bobjones_LATE_1002_5562_linear_regression-1.py": SOLUTIONS["linear_regression.py"],
        "carolwu_1003_5571_homework.zip": homework.read_bytes(),
    })


def test_canvas_flat_files_are_one_student_each(tmp_path):
    found = graded_files(canvas_class(tmp_path / "class"), tmp_path / "scratch")
    assert found == {"alicesmith": SOLUTIONS, "bobjones": SOLUTIONS, "carolwu": SOLUTIONS}


def test_moodle_folders_are_one_student_each_and_the_online_text_is_not_a_second(tmp_path):
    root = tmp_path / "class"
    write_submission(root / "Alice Smith_12345_assignsubmission_file_")
    flat(root / "Alice Smith_12345_assignsubmission_onlinetext_", {"onlinetext.html": b"<p>done</p>"})
    write_submission(root / "Bo Li_12346_assignsubmission_file_" / "hw")
    students = find_students(root, "en")
    assert sorted((s.name, s.folder) for s in students) == [("Alice Smith", "Alice Smith_12345"),
                                                             ("Bo Li", "Bo Li_12346")]
    assert graded_files(root, tmp_path / "scratch") == {"Alice Smith": SOLUTIONS, "Bo Li": SOLUTIONS}


def test_moodle_flat_files_are_one_student_each(tmp_path):
    root = flat(tmp_path / "class", {f"Alice Smith_12345_assignsubmission_file_{name}": data
                                     for name, data in SOLUTIONS.items()})
    assert graded_files(root, tmp_path / "scratch") == {"Alice Smith": SOLUTIONS}


def test_blackboard_grades_each_students_latest_attempt(tmp_path):
    first, last = (f"Homework 3_alicesmith_attempt_{stamp}" for stamp in ("2026-11-30-10-00-00", "2026-12-01-09-30-00"))
    root = flat(tmp_path / "class", {
        f"{first}.txt": b"Name: Alice Smith", f"{first}_autograd_basics.py": WRONG,
        f"{last}.txt": b"Name: Alice Smith", **{f"{last}_{name}": data for name, data in SOLUTIONS.items()},
        "Homework 3_bojones_attempt_2026-12-01-08-00-00.txt": b"Name: Bo Jones (no file)",
    })
    students = {s.name: s for s in find_students(root, "en")}
    assert set(students) == {"alicesmith", "bojones"}
    alice = prepare(students["alicesmith"], tmp_path / "a")
    assert alice.path is not None and {n: (alice.path / n).read_bytes() for n in SOLUTIONS} == SOLUTIONS
    assert prepare(students["bojones"], tmp_path / "b").standing is Standing.NO_SUBMISSION


@pytest.mark.parametrize("name", ["x_1_2_..", "x_1_2_."])
def test_a_name_that_would_leave_the_folder_is_not_copied(tmp_path, name):
    root = flat(tmp_path / "class", {name: b"x", **{f"x_1_3_{n}": data for n, data in SOLUTIONS.items()}})
    assert graded_files(root, tmp_path / "scratch") == {"x": SOLUTIONS}


@pytest.mark.sandbox
def test_a_canvas_download_is_graded_as_a_class(tmp_path):
    root, out = canvas_class(tmp_path / "class"), tmp_path / "out"
    run = run_grader("batch", str(root), "--out", str(out), "--seed", "12")
    assert run.returncode == 0, run.stderr
    table = grades(out)
    assert set(table) == {"alicesmith", "bobjones", "carolwu"}
    assert all(row["score"] == row["max_score"] for row in table.values())
    assert table["bobjones"]["folder"] == "bobjones_1002"
