"""Intake: learning-platform zips and rosters, read so that no submission is lost.

A zip downloaded from a learning platform names every file after its
student, in the platform's own way. :func:`unpack_zips` recognises these
layouts (the names below are the platforms' documented or observed formats;
check yours against the examples in the instructor guide):

Blackboard (Original Course View, "Download Assignment")
    ``<assignment title>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>``,
    plus a receipt ``<assignment title>_<username>_attempt_<time>.txt`` per
    attempt (read for nothing; the time is in the name). Usernames may hold
    dots (``g.smith``) and underscores.
Canvas ("Download Submissions")
    ``<sortable name>[_LATE]_<user id>_<attachment id>_<file>``; the sortable
    name is the learner's "last first" name in lower case without spaces.
    The names hold no time: no timestamp is recorded (nbgrader then applies
    no late penalty) and ``_LATE`` goes into the note.
Moodle ("Download all submissions")
    ``<Full Name>_<participant id>_assignsubmission_file_/<file>`` with
    "Download submissions in folders", else the flat
    ``<Full Name>_<participant id>_assignsubmission_file_<file>``. No time
    either.
A folder per student
    ``<student id>/<any file>`` (the layout of ``--from``, zipped).

With a roster, a file's student is the roster row that matches one of the
names the file carries (the id, the username, "first last", "last first",
the e-mail's local part; compared without case, spaces or punctuation). A
file that matches no roster student, or more than one, is **unmatched**: it
becomes a row of the grades CSV with status ``unmatched`` and its file name,
and a line of the terminal summary. Without a roster the platform's own id
is the student id.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = [
    "IntakeError",
    "Student",
    "Found",
    "Unmatched",
    "parse_name",
    "parse_timestamp",
    "read_roster",
    "match",
    "unpack_zips",
    "TIMESTAMP_FORMAT",
]

#: The time format of Blackboard's file names (and of the example in ``nbgrader_config.py``).
TIMESTAMP_FORMAT = "%Y-%m-%d-%H-%M-%S"

_BLACKBOARD = re.compile(r"^(?P<prefix>.+)_attempt_(?P<time>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+)|\.txt)?$")
_CANVAS = re.compile(r"^(?P<name>[a-z0-9]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
# Files a platform or an operating system adds that are nobody's submission.
_IGNORED = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|desktop\.ini)(/|$)")

# Roster columns some platforms export, and what to call them for the grader.
_LMS_COLUMNS = {
    "sis login id": "Canvas", "sis user id": "Canvas", "student": "Canvas",
    "username": "Blackboard", "student id": "Blackboard", "last name": "Blackboard",
    "id number": "Moodle", "email address": "Moodle", "surname": "Moodle", "first name": "Moodle",
}


class IntakeError(ValueError):
    """The roster or a zip cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Student:
    """One roster row."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""

    def keys(self) -> set[str]:
        """Every normalised name this student may appear under in an export."""
        names = {self.id, f"{self.first_name} {self.last_name}", f"{self.last_name} {self.first_name}",
                 self.email, self.email.split("@")[0]}
        return {_key(n) for n in names if _key(n)}


@dataclass
class Found:
    """A file of a zip and who it belongs to, as its name says."""

    member: str                      # the path inside the zip
    zip_name: str
    platform: str
    candidates: tuple                # names the file carries, the platform's own id first
    file_name: str                   # the learner's own file name
    timestamp: _dt.datetime | None = None
    late: bool = False
    student: str | None = None


@dataclass
class Unmatched:
    """A file of a zip that belongs to no one we know."""

    member: str
    zip_name: str
    reason: str

    @property
    def label(self) -> str:
        return f"{self.zip_name}:{self.member}"


@dataclass
class Intake:
    """What :func:`unpack_zips` did: a folder per student, notes, and the unmatched files."""

    folder: Path
    notes: dict = field(default_factory=dict)         # student -> note
    unmatched: list = field(default_factory=list)     # Unmatched


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", str(text).casefold())


def parse_timestamp(text: str) -> _dt.datetime:
    """Parse a file name's time ``YYYY-MM-DD-HH-MM-SS`` (Blackboard).

    Raises
    ------
    IntakeError
        If ``text`` is not in that format.
    """
    try:
        return _dt.datetime.strptime(text, TIMESTAMP_FORMAT)
    except (TypeError, ValueError) as err:
        raise IntakeError(f"parse_timestamp: expected a time like 2026-03-01-23-59-00 ({TIMESTAMP_FORMAT}); "
                          f"got {text!r}. Rename the file or grade it with --from.") from err


def parse_name(member: str, zip_name: str = "") -> Found | None:
    """Read who a zip member belongs to from its path; None for a name no platform writes."""
    path = PurePosixPath(member)
    parts = path.parts
    top, base = parts[0], path.name
    if len(parts) >= 2:
        moodle = _MOODLE.match(top)
        if moodle and moodle["file"] == "":
            name = moodle["name"]
            return Found(member, zip_name, "Moodle", (moodle["participant"], name), "/".join(parts[1:]))
    moodle = _MOODLE.match(base)
    if moodle and moodle["file"]:
        return Found(member, zip_name, "Moodle", (moodle["participant"], moodle["name"]), moodle["file"])
    board = _BLACKBOARD.match(base)
    if board:
        pieces = board["prefix"].split("_")
        # The title may hold underscores, and so may a username: every tail of the prefix is a candidate,
        # the last piece (the usual username) first.
        candidates = tuple("_".join(pieces[i:]) for i in range(len(pieces) - 1, 0, -1)) or (board["prefix"],)
        return Found(member, zip_name, "Blackboard", candidates, board["file"] or "",
                     timestamp=parse_timestamp(board["time"]))
    canvas = _CANVAS.match(base)
    if canvas:
        return Found(member, zip_name, "Canvas", (canvas["user"], canvas["name"]), canvas["file"],
                     late=bool(canvas["late"]))
    if len(parts) >= 2:
        return Found(member, zip_name, "folder", (top,), "/".join(parts[1:]))
    return None


def read_roster(path) -> list[Student]:
    """Read the roster CSV (header ``id,first_name,last_name,email``; only ``id`` is required).

    Raises
    ------
    IntakeError
        With the reason: the file is missing or not UTF-8 text, it has no
        ``id`` column (a platform's own export: which column to rename),
        an id is empty, repeated, or unusable as a folder name.
    """
    path = Path(path)
    if not path.is_file():
        raise IntakeError(f"the roster {path} does not exist.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise IntakeError(f"the roster {path} is not UTF-8 text (save it as 'CSV UTF-8').") from err
    rows = list(csv.DictReader(text.splitlines()))
    header = [h.strip() for h in (csv.reader(text.splitlines()[:1]).__next__() if text.strip() else [])]
    if not header:
        raise IntakeError(f"the roster {path} is empty; it needs a header line id,first_name,last_name,email.")
    lowered = {h.casefold(): h for h in header}
    if "id" not in header:
        platforms = sorted({_LMS_COLUMNS[h] for h in lowered if h in _LMS_COLUMNS})
        hint = (f" It looks like a {' or '.join(platforms)} export: rename the column holding the ids your "
                "zips use (the username, the user or participant id) to 'id', and the others to "
                "first_name, last_name, email.") if platforms else ""
        raise IntakeError(f"the roster {path} has no 'id' column (its columns: {', '.join(header)}); the grader "
                          f"needs the header id,first_name,last_name,email (only id is required).{hint}")
    students, seen, problems = [], {}, []
    for line, row in enumerate(rows, start=2):
        sid = (row.get("id") or "").strip()
        if not sid:
            problems.append(f"line {line}: empty id")
            continue
        if "/" in sid or "\\" in sid or sid.startswith("."):
            problems.append(f"line {line}: id {sid!r} cannot be a folder name (no slashes, no leading dot)")
            continue
        if sid in seen:
            problems.append(f"line {line}: id {sid!r} repeats line {seen[sid]}")
            continue
        seen[sid] = line
        students.append(Student(sid, *((row.get(c) or "").strip() for c in ("first_name", "last_name", "email"))))
    if problems:
        raise IntakeError(f"the roster {path} has {len(problems)} problem(s): " + "; ".join(problems))
    return students


def match(found: Found, roster: list[Student] | None) -> tuple[str | None, str]:
    """The student ``found`` belongs to, and why not when None."""
    if not roster:
        return found.candidates[0], ""
    by_id = {s.id.casefold(): s for s in roster}
    for candidate in found.candidates:  # an exact id wins over any name
        if candidate.casefold() in by_id:
            return by_id[candidate.casefold()].id, ""
    hits = {s.id for s in roster for c in found.candidates if _key(c) and _key(c) in s.keys()}
    if len(hits) == 1:
        return hits.pop(), ""
    said = " or ".join(repr(c) for c in found.candidates)
    if hits:
        return None, f"{found.platform} name {said} matches several roster students: {', '.join(sorted(hits))}"
    return None, f"{found.platform} name {said} matches no roster student"


def unpack_zips(zips, assignment: str, staging, roster: list[Student] | None = None) -> Intake:
    """Unpack LMS zips into ``staging/<student>/`` (plus ``timestamp.txt``); return notes and unmatched files.

    A student with several attempts keeps the latest one (by its time when
    the names carry one, else the last in the zip) and the note says so.
    """
    staging = Path(staging)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    intake = Intake(staging)
    chosen: dict[str, list[Found]] = {}
    order: dict[str, int] = {}
    for zpath in zips:
        zpath = Path(zpath)
        try:
            archive = zipfile.ZipFile(zpath)
        except (OSError, zipfile.BadZipFile) as err:
            raise IntakeError(f"{zpath} is not a readable zip file ({err}).") from err
        with archive:
            for info in archive.infolist():
                if info.is_dir() or _IGNORED.search(info.filename):
                    continue
                found = parse_name(info.filename, zpath.name)
                if found is None:
                    intake.unmatched.append(Unmatched(info.filename, zpath.name,
                                                      "its name follows no platform's format"))
                    continue
                if found.platform == "Blackboard" and not found.file_name:
                    continue  # the attempt's receipt
                student, why = match(found, roster)
                if student is None:
                    intake.unmatched.append(Unmatched(info.filename, zpath.name, why))
                    continue
                found.student = student
                chosen.setdefault(student, []).append(found)
                order[info.filename] = len(order)
                target = staging / "attempts" / str(len(order))
                target.mkdir(parents=True)
                (target / PurePosixPath(found.file_name).name).write_bytes(archive.read(info))
                found.extracted = target  # type: ignore[attr-defined]
    for student, files in chosen.items():
        times = sorted({f.timestamp for f in files if f.timestamp is not None})
        latest = times[-1] if times else None
        keep = [f for f in files if f.timestamp == latest] if latest else files
        folder = staging / "students" / student
        folder.mkdir(parents=True)
        for f in keep:
            source = next(f.extracted.iterdir())  # type: ignore[attr-defined]
            shutil.move(str(source), folder / source.name)
        if latest is not None:
            (folder / "timestamp.txt").write_text(latest.strftime("%Y-%m-%d %H:%M:%S"))
        notes = []
        if len(times) > 1:
            notes.append(f"{len(times)} attempts; graded the latest ({latest:%Y-%m-%d %H:%M:%S})")
        if any(f.late for f in keep):
            notes.append(f"{keep[0].platform} marks it late")
        if notes:
            intake.notes[student] = "; ".join(notes)
    shutil.rmtree(staging / "attempts", ignore_errors=True)
    (staging / "students").mkdir(exist_ok=True)
    intake.folder = staging / "students"
    return intake
