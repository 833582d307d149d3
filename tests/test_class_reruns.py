"""A class graded in several runs, as an instructor grades one: late hand-ins, a replaced
file, a change of points, one student regraded. One seed for the class, shown everywhere,
and every re-run grades again exactly what changed."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from grader.instructor.fingerprint import files_digest
from grader.instructor.roster import read_roster
from grader.lessons.autograd import LESSON
from tests.conftest import write_submission
from tests.test_batch import grades, make_class, run_grader
from tests.test_mistakes import MISTAKES

pytestmark = pytest.mark.sandbox


def class_seed(out: Path) -> int:
    return json.loads((out / "batch.json").read_text())["seed"]


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def test_one_seed_per_class_is_shown_kept_for_late_hand_ins_and_changed_only_when_asked(tmp_path):
    root, out = make_class(tmp_path / "class", {"ada": {}}), tmp_path / "out"
    (root / "empty").mkdir()
    first = run_grader("batch", str(root), "--out", str(out), "--workers", "1")
    assert first.returncode == 1, first.stderr  # one hand-in was not gradable
    seed = class_seed(out)
    lines = first.stdout.strip().splitlines()
    assert f"seed {seed} (drawn for this class" in lines[0] and lines[-1].startswith(f"seed {seed}: ")
    assert f"seed {seed} (replay with --seed {seed})" in (out / "report.html").read_text()
    assert grades(out)["ada"]["seed"] == str(seed)

    write_submission(root / "cy")  # handed in late
    late = run_grader("batch", str(root), "--out", str(out), "--workers", "1")
    assert f"seed {seed} (the class's, kept" in late.stdout.splitlines()[0]
    assert "to grade: 1 of 3 (1 new or not graded before)" in late.stdout
    assert results(out, "cy")["extra_data"]["seed"] == results(out, "ada")["extra_data"]["seed"] == seed

    other = run_grader("batch", str(root), "--out", str(out), "--seed", str(seed + 1))
    assert other.returncode == 2 and len(other.stderr.strip().splitlines()) == 1, other.stderr
    assert f"graded with seed {seed}" in other.stderr and "--reseed" in other.stderr

    reseeded = run_grader("batch", str(root), "--out", str(out), "--seed", str(seed + 1), "--reseed")
    assert "to grade: 2 of 3 (2 graded with another seed)" in reseeded.stdout
    assert {row["seed"] for row in grades(out).values()} == {str(seed + 1)} == {str(class_seed(out))}


def test_grades_csv_reads_as_a_table_in_spreadsheets_and_as_a_roster(tmp_path):
    """The seed is a column, not a comment line: a spreadsheet, csv.DictReader and the
    kit's own roster reader all take the file as it is."""
    root, out = make_class(tmp_path / "class", {"ada": {}}), tmp_path / "out"
    assert run_grader("batch", str(root), "--out", str(out), "--seed", "11").returncode == 0
    with (out / "grades.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len({len(row) for row in rows}) == 1 and rows[0][0] == "student" and rows[1][-1] == "11"
    assert [person.folder for person in read_roster(out / "grades.csv", "en").people] == ["ada"]


def test_a_rerun_grades_again_whoever_changed_and_says_why(tmp_path):
    root = make_class(tmp_path / "class", {"ada": {}, "bo": {}, "cy": {}})
    out = tmp_path / "out"
    assert run_grader("batch", str(root), "--out", str(out), "--seed", "3").returncode == 0
    write_submission(root / "bo", MISTAKES["sgd_step rebinds p"][0])  # replaced with another file
    older = results(out, "ada")  # as a kit with other points left it
    older["max_score"] += 2
    older["extra_data"]["graded_from"]["checks"] = "an older kit's"
    (out / "ada" / "results.json").write_text(json.dumps(older))

    again = run_grader("batch", str(root), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert ("to grade: 2 of 3 (1 whose hand-in changed, 1 graded with other checks, points or kit version)"
            in again.stdout)
    table = grades(out)
    assert {float(row["max_score"]) for row in table.values()} == {results(out, "cy")["max_score"]}
    assert table["bo"]["sgd_step"] == "0"

    chosen = run_grader("batch", str(root), "--out", str(out), "--regrade", "cy")
    assert "to grade: 1 of 3 (1 asked for with --force or --regrade)" in chosen.stdout
    assert "to grade: 0 of 3" in run_grader("batch", str(root), "--out", str(out)).stdout

    shutil.rmtree(root / "cy")  # withdrawn: their results stay on disk, out of the class's outputs
    withdrawn = run_grader("batch", str(root), "--out", str(out))
    said = f"left out of grades.csv (1): results in {out} of folders no longer in the submissions: cy"
    assert said in withdrawn.stdout
    assert set(grades(out)) == {"ada", "bo"} and (out / "cy" / "results.json").is_file()


def test_the_checks_digest_changes_with_a_checks_points(tmp_path):
    copies = [Path(shutil.copy(file, tmp_path)) for file in sorted((LESSON.folder / "checks").glob("*.py"))]
    before = files_digest(copies, "0.1.0")
    public = next(file for file in copies if file.name == "public.py")
    text = public.read_text()
    claim = '"gives dy/dx = 7 at x = 2, as in the tutorial", 2,'
    assert claim in text
    public.write_text(text.replace(claim, claim.replace(" 2,", " 3,")))  # 2 points become 3
    changed = files_digest(copies, "0.1.0")
    assert changed != before and files_digest(copies, "0.2.0") != changed  # and with the kit's version
