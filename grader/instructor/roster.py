"""`--roster roster.csv`: who is in the class, as the LMS knows them, matched to the
submission folders by name, so grades.csv carries an id and an email an LMS can match,
and a student with no folder at all still gets a row.

The roster is a CSV file (UTF-8, with or without Excel's BOM) with a header row: `folder`
(the submission folder's name), and any of `name`, `id`, `sis_id`, `email`, `section`.
"""

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.load import UsageError
from grader.messages import say

COLUMNS = ("folder", "name", "id", "sis_id", "email", "section")


@dataclass(frozen=True)
class Enrolled:
    """One row of the roster."""

    folder: str
    name: str = ""
    id: str = ""
    """the LMS's own id (Canvas: ID)"""
    sis_id: str = ""
    """the institution's id (Canvas: SIS User ID)"""
    email: str = ""
    """the login (Canvas: SIS Login ID)"""
    section: str = ""


@dataclass(frozen=True)
class Roster:
    people: tuple[Enrolled, ...]

    def find(self, *names: str) -> Enrolled | None:
        """The person whose folder is one of `names` (as shown, or as on disk)."""
        wanted = {key(name) for name in names}
        return next((person for person in self.people if key(person.folder) in wanted), None)


def key(name: str) -> str:
    """Folder names compared as people read them: a Mac writes é as e and an accent (NFD)."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def read_roster(file: Path, lang: str) -> Roster:
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [column.strip().lower() for column in reader.fieldnames or ()]
            rows = [cleaned(row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise UsageError(say("roster_unreadable", lang, path=file, reason=error)) from None
    if "folder" not in header:
        raise UsageError(say("roster_no_folder", lang, path=file, columns=", ".join(header) or "-"))
    people = tuple(Enrolled(**{c: row[c] for c in COLUMNS if c in row}) for row in rows if row.get("folder"))
    seen: set[str] = set()
    for person in people:
        if key(person.folder) in seen:
            raise UsageError(say("roster_duplicate", lang, path=file, folder=person.folder))
        seen.add(key(person.folder))
    return Roster(people)


def cleaned(row: dict) -> dict[str, str]:
    """A row keyed by lower-case column names, its values stripped (a short row's are empty)."""
    return {column.strip().lower(): (value or "").strip() for column, value in row.items() if isinstance(column, str)
            and not isinstance(value, list)}
