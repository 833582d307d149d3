"""The class folder as it arrives: every folder or archive is a student, found wherever
their files are, graded under the right names, or given a reason; archives are unpacked
without writing outside their folder, following a link or filling the disk."""

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.instructor import archives
from grader.instructor.batch import shard
from grader.instructor.intake import Intake, Standing, Student, find_students, prepare
from grader.lessons.autograd import API
from grader.load import MAX_SOURCE_BYTES
from grader.report import render
from tests.conftest import ROOT, write_submission

GBK_NAME = os.fsdecode("王芳".encode("gbk"))  # how Linux shows a folder a Chinese Windows zipped


def intake_of(folder: Path, scratch: Path) -> Intake:
    return prepare(Student(folder.name, folder.name, folder), scratch)


def lesson_sources(folder: Path) -> dict[str, str]:
    return {module: (folder / f"{module}.py").read_text("utf-8") for module in API}


def zipped(file: Path, members: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(file, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return file


def lesson_members(prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{module}.py": (ROOT / "solutions" / f"{module}.py").read_bytes() for module in API}


def test_a_folder_name_that_is_not_utf8_is_read_as_gbk_and_kept_raw_for_matching(tmp_path):
    write_submission(tmp_path / "class" / GBK_NAME)
    write_submission(tmp_path / "class" / "ada")
    students = find_students(tmp_path / "class", "en")
    assert [(s.name, s.folder) for s in students] == [("ada", "ada"), ("王芳", r"\xcd\xf5\xb7\xbc")]
    assert sorted(s.name for k in (1, 2, 3) for s in shard(students, k, 3)) == ["ada", "王芳"]


def test_junk_and_dot_folders_are_not_students(tmp_path):
    root = tmp_path / "class"
    write_submission(root / "ada")
    for junk in ("__MACOSX", ".git", ".ipynb_checkpoints"):
        (root / junk).mkdir()
    (root / ".DS_Store").write_text("x")
    assert [s.name for s in find_students(root, "en")] == ["ada"]


def test_files_one_folder_down_are_found(tmp_path):
    folder = write_submission(tmp_path / "bo" / "Homework 1" / "autograd")
    (tmp_path / "bo" / "__MACOSX").mkdir()
    intake = intake_of(tmp_path / "bo", tmp_path / "scratch")
    assert intake.path == folder and intake.notes == ()


def test_a_near_miss_name_is_graded_under_the_right_name_with_a_note(tmp_path):
    folder = write_submission(tmp_path / "cy")
    expected = lesson_sources(folder)
    (folder / "autograd_basics.py").rename(folder / "autograd_basics (1).py")
    intake = intake_of(folder, tmp_path / "scratch")
    assert intake.path is not None and lesson_sources(intake.path) == expected
    (note,) = intake.notes
    assert render(note, "en") == ("autograd_basics (1).py was graded as autograd_basics.py: "
                                  "name your file autograd_basics.py")


def test_the_exact_name_wins_over_a_near_miss(tmp_path):
    folder = write_submission(tmp_path / "dee")
    (folder / "autograd_basics - Copy.py").write_text("broken(")
    assert intake_of(folder, tmp_path / "scratch") == Intake(folder)


def test_a_zip_is_unpacked_and_graded(tmp_path):
    archive = zipped(tmp_path / "eli.zip", {**lesson_members("hw/"), "__MACOSX/hw/._x": b"junk"})
    intake = intake_of(archive, tmp_path / "scratch")
    assert intake.path is not None and set(lesson_sources(intake.path)) == set(API)
    assert [n.message for n in intake.notes] == ["archive_unpacked"]


def test_a_tar_inside_a_folder_is_unpacked(tmp_path):
    (tmp_path / "fay").mkdir()
    with tarfile.open(tmp_path / "fay" / "hw.tar.gz", "w:gz") as archive:
        for name, data in lesson_members().items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    intake = intake_of(tmp_path / "fay", tmp_path / "scratch")
    assert intake.standing is Standing.GRADED and intake.path is not None


def test_an_archive_writes_nothing_outside_and_follows_no_link(tmp_path):
    members = {**lesson_members(), "../escaped.py": b"x", "/tmp/absolute.py": b"x", "C:/windows.py": b"x"}
    archive = zipped(tmp_path / "gus.zip", members, links=("linked.py",))
    target = tmp_path / "scratch" / "unpacked"
    assert archives.unpack(archive, target) == 4
    assert sorted(p.name for p in target.rglob("*")) == sorted(f"{m}.py" for m in API)
    assert not (tmp_path / "scratch" / "escaped.py").exists() and not Path("/tmp/absolute.py").exists()


def test_tar_links_and_devices_are_left_out(tmp_path):
    archive = tmp_path / "hal.tar"
    with tarfile.open(archive, "w") as opened:
        for name, kind in (("link.py", tarfile.SYMTYPE), ("hard.py", tarfile.LNKTYPE), ("dev", tarfile.CHRTYPE)):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "/etc/passwd"
            opened.addfile(info)
    assert archives.unpack(archive, tmp_path / "out") == 3
    assert list((tmp_path / "out").iterdir()) == []


def test_an_archive_over_the_caps_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 1000)
    bomb = zipped(tmp_path / "bomb.zip", {"autograd_basics.py": b"#" * 5000})
    with pytest.raises(archives.NotUnpacked) as refused:
        archives.unpack(bomb, tmp_path / "a")
    assert refused.value.reason.message == "archive_too_large"
    many = zipped(tmp_path / "many.zip", {f"f{i}.py": b"" for i in range(archives.MAX_ENTRIES + 1)})
    with pytest.raises(archives.NotUnpacked) as refused:
        archives.unpack(many, tmp_path / "b")
    assert refused.value.reason.message == "archive_too_many"


@pytest.mark.parametrize(("files", "standing", "says"), [
    ({}, Standing.NO_SUBMISSION, "nothing was handed in"),
    ({".DS_Store": b"x", "Thumbs.db": b"x"}, Standing.NO_SUBMISSION, "nothing was handed in"),
    ({"homework.docx": b"x"}, Standing.NOT_GRADABLE, "(it holds homework.docx)"),
    ({"homework.zip": b"not a zip"}, Standing.NOT_GRADABLE, "homework.zip was not unpacked: it is damaged"),
], ids=["empty", "junk only", "other files", "damaged zip"])
def test_a_hand_in_that_cannot_be_graded_says_why(tmp_path, files, standing, says):
    folder = tmp_path / "ivy"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    intake = intake_of(folder, tmp_path / "scratch")
    assert intake.path is None and intake.standing is standing
    assert intake.reason is not None and says in render(intake.reason, "en")


def test_a_near_miss_too_large_to_read_is_not_gradable_and_says_why(tmp_path):
    folder = tmp_path / "jo"
    folder.mkdir()
    (folder / "Autograd_Basics.py").write_bytes(b"#" * (MAX_SOURCE_BYTES + 1))
    intake = intake_of(folder, tmp_path / "scratch")
    assert intake.path is None and intake.standing is Standing.NOT_GRADABLE
    assert intake.reason is not None and render(intake.reason, "en").startswith("Autograd_Basics.py is larger than")
