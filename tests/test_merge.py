"""Merging shards as an instructor does, and the spreadsheets an LMS imports: a real
`python -m grader merge` on shards graded once for the module."""

import csv
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import write_submission
from tests.test_batch import GBK_NAME, grades, run_grader
from tests.test_mistakes import MISTAKES

pytestmark = pytest.mark.sandbox
CLASS = {"ada": {}, "bo": MISTAKES["sgd_step rebinds p"][0], GBK_NAME: {}, "dana": {}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """shard1/ and shard2/ of one class with seed 9, and shard1 again with seed 10 (seed10/)."""
    work = tmp_path_factory.mktemp("merge")
    for name, bodies in CLASS.items():
        write_submission(work / "class" / name, bodies)
    for folder, shard, seed in (("shard1", "1/2", "9"), ("shard2", "2/2", "9"), ("seed10", "1/2", "10")):
        run = run_grader("batch", str(work / "class"), "--out", str(work / folder), "--shard", shard, "--seed", seed)
        assert run.returncode == 0, run.stderr
    return work


def shards(graded: Path, tmp_path: Path, *names: str) -> list[str]:
    """Copies of the graded folders, to change freely."""
    return [str(shutil.copytree(graded / name, tmp_path / name)) for name in names]


def refused(run) -> str:
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    return run.stderr


def test_merged_outputs_stand_alone_and_merging_again_changes_nothing(graded, tmp_path):
    merged = tmp_path / "merged"
    assert run_grader("merge", *shards(graded, tmp_path, "shard1", "shard2"), "--out", str(merged)).returncode == 0
    first = {name: (merged / name).read_bytes() for name in ("grades.csv", "report.html")}
    assert set(grades(merged)) == {"ada", "bo", "王芳", "dana"}
    moved = Path(shutil.move(merged, tmp_path / "elsewhere" / "results"))
    shutil.rmtree(tmp_path / "shard1")
    shutil.rmtree(tmp_path / "shard2")
    links = re.findall(r"href='([^']+)'", (moved / "report.html").read_text())
    assert len(links) >= len(CLASS) and all((moved / unquote(link)).is_file() for link in links)
    assert run_grader("merge", str(moved)).returncode == 0
    assert {name: (moved / name).read_bytes() for name in first} == first


def test_merging_nothing_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "no batch results there" in refused(run_grader("merge", str(tmp_path / "empty")))


def test_merging_into_a_file_is_refused(graded, tmp_path):
    (tmp_path / "file").write_text("x")
    assert "is a file" in refused(run_grader("merge", str(graded / "shard1"), "--out", str(tmp_path / "file")))


def test_shards_graded_with_different_seeds_are_refused_unless_allowed(graded, tmp_path):
    folders = shards(graded, tmp_path, "seed10", "shard2")
    assert "--mixed-seeds" in refused(run_grader("merge", *folders, "--out", str(tmp_path / "m")))
    assert run_grader("merge", *folders, "--out", str(tmp_path / "m"), "--mixed-seeds").returncode == 0


def test_shards_graded_with_different_checks_are_refused(graded, tmp_path):
    first, other = shards(graded, tmp_path, "shard1", "shard2")
    for results in Path(other).glob("*/results.json"):  # as a kit with other points left them
        data = json.loads(results.read_text())
        data["extra_data"]["graded_from"]["checks"] = "an older kit's"
        results.write_text(json.dumps(data | {"max_score": data["max_score"] + 2}))
    assert "different checks or points" in refused(run_grader("merge", first, other, "--out", str(tmp_path / "m")))


def test_a_student_graded_differently_twice_is_refused_unless_the_newest_is_kept(graded, tmp_path):
    first, other = shards(graded, tmp_path, "shard1", "shard2")
    name = next(p.parent.name for p in Path(first).glob("*/results.json"))
    shutil.copytree(Path(first) / name, Path(other) / name)
    results = Path(other) / name / "results.json"
    data = json.loads(results.read_text())
    results.write_text(json.dumps(data | {"score": data["score"] - 1}))
    assert "--keep-newest" in refused(run_grader("merge", first, other, "--out", str(tmp_path / "m")))
    assert run_grader("merge", first, other, "--out", str(tmp_path / "m"), "--keep-newest").returncode == 0
    assert float(grades(tmp_path / "m")[data["extra_data"]["student"]]["score"]) == data["score"] - 1


ROSTER = """\ufefffolder,name,id,sis_id,email,section
ada,Ada Lovelace,101,S1,ada@uni.edu,A
王芳,王芳,102,S2,wang@uni.edu,A
bo,Bo Li,103,S3,bo@uni.edu,B
zoe,Zoe Absent,104,S4,zoe@uni.edu,B
"""


def test_a_roster_joins_ids_and_emails_and_writes_a_canvas_import(graded, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, "utf-8")
    out = tmp_path / "m"
    run = run_grader("merge", *shards(graded, tmp_path, "shard1", "shard2"), "--out", str(out), "--roster",
                     str(roster))
    assert run.returncode == 0, run.stderr
    table = grades(out)
    assert (table["王芳"]["id"], table["王芳"]["email"]) == ("102", "wang@uni.edu")
    assert table["Zoe Absent"]["status"] == "no submission" and table["Zoe Absent"]["score"] == "0"
    assert table["dana"]["id"] == "" and "not on the roster (1): dana" in run.stdout
    assert "on the roster with no folder (1): Zoe Absent" in run.stdout
    with (out / "canvas.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "autograd"]
    assert rows[1][0] == "Points Possible" and rows[1][-1] == table["ada"]["max_score"]
    canvas = {row[1]: row[-1] for row in rows[2:]}
    assert canvas == {"101": table["ada"]["score"], "102": table["王芳"]["score"], "103": table["bo"]["score"],
                      "104": "0"}


@pytest.mark.parametrize(("roster", "says"), [("name,id\nada,1\n", "has no folder column"),
                                              ("folder,id\nada,1\nada,2\n", "lists the folder ada twice")])
def test_a_bad_roster_is_one_sentence(graded, tmp_path, roster, says):
    (tmp_path / "roster.csv").write_text(roster)
    run = run_grader("merge", str(graded / "shard1"), "--out", str(tmp_path / "m"), "--roster",
                     str(tmp_path / "roster.csv"))
    assert says in refused(run)
