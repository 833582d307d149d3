"""The names an LMS's "download all submissions" gives each student's files, read back to
one student each (intake.py groups a class folder's entries by them):

- Canvas: one folder of flat files, `<login>_<user id>_<file id>_<file name>`, a late one
  `<login>_LATE_<user id>_...`; a file uploaded again is renamed `name-1.py`.
- Moodle: a folder per student and plugin, `<Full Name>_<id>_assignsubmission_file_/`
  (and `..._onlinetext_/`); without "in folders", flat files
  `<Full Name>_<id>_assignsubmission_file_<file name>`.
- Blackboard: flat files `<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>`
  beside one `..._attempt_<stamp>.txt` per attempt; the latest attempt is the one graded.

A name that fits none of them is a student's own folder or archive, as before.
"""

import re
from dataclasses import dataclass

STAMP = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}"
CANVAS = re.compile(r"(?P<name>[^_]+)_(?:LATE_)?(?P<id>\d+)_\d+_(?P<file>.+)", re.IGNORECASE)
MOODLE = re.compile(r"(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)")
BLACKBOARD = re.compile(rf".+_(?P<name>[^_]+)_attempt_(?P<stamp>{STAMP})(?:_(?P<file>.+)|\.txt)?")


@dataclass(frozen=True)
class Part:
    """One entry of the class folder, as the LMS named it."""

    student: str
    """what every entry of one student shares: their results folder and roster key"""
    name: str
    """the student as people read it"""
    file: str
    """the name the student gave it; empty for a folder of theirs or the LMS's own file"""
    rank: tuple[str, str]
    """higher for what is graded first: Blackboard's later attempt, Moodle's file plugin"""


def part_of(entry: str, is_folder: bool) -> Part | None:
    """The student an entry belongs to, where its name is an LMS's; None for any other name."""
    if is_folder:
        if found := MOODLE.fullmatch(entry):
            return Part(f"{found['name']}_{found['id']}", found["name"], "", ("", str(found["plugin"] == "file")))
        return None
    if found := BLACKBOARD.fullmatch(entry):
        return Part(found["name"], found["name"], found["file"] or "", (found["stamp"], ""))
    if (found := MOODLE.fullmatch(entry)) and found["file"]:
        return Part(f"{found['name']}_{found['id']}", found["name"], found["file"], ("", ""))
    if found := CANVAS.fullmatch(entry):
        return Part(f"{found['name']}_{found['id']}", found["name"], found["file"], ("", ""))
    return None
