"""Grades from nbgrader's gradebook to a Canvas or Moodle gradebook import file.

nbgrader knows students by their nbgrader id (on a hub, the Unix user name); an LMS knows them by
its own ids. The **roster** (a CSV the instructor keeps, the same one ``nbgrader db student import``
reads) joins the two. Its columns:

=================  ========================================================================
``id``             nbgrader student id / Unix user name (required)
``first_name``     given name (required)
``last_name``      family name (required)
``email``          e-mail address (Moodle's default identifier)
``lms_user_id``    Canvas's numeric user ``ID`` (required for Canvas)
``sis_user_id``    the student information system's id: Canvas ``SIS User ID``, Moodle ``ID number``
``sis_login_id``   Canvas ``SIS Login ID``
``section``        Canvas ``Section`` (the section's name)
=================  ========================================================================

What each LMS's import expects (from their documentation):

* **Canvas** (*Grades > Import*): a CSV whose first columns are ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID`` and ``Section``, as in Canvas's own gradebook export; Canvas matches a row by its
  ``ID`` (or SIS ids) and a column to an assignment by its header. A header Canvas does not know
  creates a new assignment, so the kit names each column ``<assignment> (<id>)`` only when you pass
  Canvas's assignment ids (``canvas_ids``), and otherwise by the nbgrader assignment name, which
  makes Canvas create the assignments on the first import.
* **Moodle** (*Grades > Import > CSV file*): any columns with a header row; at import you map one
  column to the user field that identifies students (*Identify user by*: email address, ID number,
  username) and each grade column to a grade item. The kit writes the identifier column first
  (``Email address`` or ``ID number``), then ``First name`` and ``Last name`` for reading, then one
  column per assignment.

Scores are nbgrader's totals (autograded plus manual, ``Submission.score``); a student in the
roster with no submission gets an empty cell (Canvas and Moodle leave the grade unchanged) rather
than a zero, which would overwrite a grade entered by hand in the LMS.

>>> roster = parse_roster("id,first_name,last_name,email,lms_user_id\\nkim,Min-ji,Kim,kim@example.edu,1042\\n")
>>> roster["kim"].lms_user_id
'1042'
>>> rows = canvas_rows(roster, {"kim": {"ps1_geography": 9.5}}, ["ps1_geography"])
>>> rows[0][:6]
['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', 'ps1_geography']
>>> rows[2]
['Kim, Min-ji', '1042', '', '', '', '9.5']
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RosterEntry", "RosterError", "parse_roster", "read_roster", "gradebook_scores",
           "canvas_rows", "moodle_rows", "export_grades", "CANVAS_COLUMNS", "ROSTER_COLUMNS"]

ROSTER_COLUMNS = ["id", "first_name", "last_name", "email", "lms_user_id", "sis_user_id", "sis_login_id", "section"]
REQUIRED = ["id", "first_name", "last_name"]
#: The student columns that open a Canvas gradebook CSV, in Canvas's order.
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
#: Moodle's user field for each identifier choice, and the roster column it comes from.
MOODLE_IDENTIFIERS = {"email": ("Email address", "email"), "idnumber": ("ID number", "sis_user_id")}


class RosterError(ValueError):
    """A roster that cannot be used: the message names the file, row (line) and field."""


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster."""

    id: str
    first_name: str
    last_name: str
    email: str = ""
    lms_user_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    line: int = 0

    @property
    def sortable_name(self) -> str:
        """"Family, Given", the form Canvas shows in its Student column."""
        return f"{self.last_name}, {self.first_name}"


def parse_roster(text: str, source: str = "roster") -> dict[str, RosterEntry]:
    """Students of a roster CSV's text, by nbgrader id; :class:`RosterError` names file, row and field.

    >>> parse_roster("id,first_name\\nkim,Min-ji\\n", "r.csv")
    Traceback (most recent call last):
    ...
    eastasia_security.lms.RosterError: r.csv, line 1 (header): missing column 'last_name' (a roster needs id, first_name, last_name)
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError(f"{source}, line 1 (header): missing column {missing[0]!r} "
                          f"(a roster needs {', '.join(REQUIRED)})")
    unknown = [h for h in header if h not in ROSTER_COLUMNS]
    if unknown:
        raise RosterError(f"{source}, line 1 (header): unknown column {unknown[0]!r} "
                          f"(known: {', '.join(ROSTER_COLUMNS)})")
    reader.fieldnames = header
    students: dict[str, RosterEntry] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise RosterError(f"{source}, row {line - 1} (line {line}): more fields than the header has")
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        for field in REQUIRED:
            if not values.get(field):
                raise RosterError(f"{source}, row {line - 1} (line {line}), field {field!r}: empty")
        if values["id"] in students:
            raise RosterError(f"{source}, row {line - 1} (line {line}), field 'id': {values['id']!r} "
                              f"is also on line {students[values['id']].line}")
        if values.get("lms_user_id") and not values["lms_user_id"].isdigit():
            raise RosterError(f"{source}, row {line - 1} (line {line}), field 'lms_user_id': "
                              f"{values['lms_user_id']!r} is not a Canvas user id (a number)")
        students[values["id"]] = RosterEntry(line=line, **values)
    if not students:
        raise RosterError(f"{source}: no students")
    return students


def read_roster(path: Path | str) -> dict[str, RosterEntry]:
    """:func:`parse_roster` of a file (UTF-8, with or without a byte-order mark)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 (byte {exc.start}); save the roster as UTF-8 CSV") from None
    except OSError as exc:
        raise RosterError(f"{path}: cannot read the roster ({exc.strerror})") from None
    return parse_roster(text, str(path))


def gradebook_scores(course: Path | str) -> tuple[list[str], dict[str, dict[str, float]], dict[str, float]]:
    """Assignment names (in due-date, then name, order), ``{student: {assignment: score}}`` and points.

    Read with nbgrader's own API (``Gradebook``) from the course's ``gradebook.db``, with the
    course id from its ``nbgrader_config.py``.
    """
    from nbgrader.api import Gradebook

    from .assignments import CALIBRATION_PREFIX
    from .autograde import course_id

    course = Path(course)
    db = course / "gradebook.db"
    if not db.is_file():
        raise FileNotFoundError(f"{db}: no gradebook here (is {course} the nbgrader course folder?)")
    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{db}", course_id(course)) as gb:
        assignments = sorted(gb.assignments, key=lambda a: (a.duedate is None, a.duedate or 0, a.name))
        names = [a.name for a in assignments]
        points = {a.name: float(a.max_score) for a in assignments}
        for assignment in assignments:
            for submission in assignment.submissions:
                if submission.student.id.startswith(CALIBRATION_PREFIX + "-"):
                    continue   # the anchors handed in by `course calibrate`, not a student
                scores.setdefault(submission.student.id, {})[assignment.name] = float(submission.score)
    return names, scores, points


def _check_everyone_listed(roster: dict[str, RosterEntry], scores: dict, source: str) -> None:
    missing = sorted(set(scores) - set(roster))
    if missing:
        raise RosterError(f"{source}: student {missing[0]!r} has grades but no row in the roster"
                          + (f" (nor {len(missing) - 1} more: {', '.join(missing[1:6])})" if len(missing) > 1 else "")
                          + "; add a row with their id, names and LMS ids")


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def canvas_rows(roster: dict[str, RosterEntry], scores: dict[str, dict[str, float]], assignments: list[str],
                source: str = "roster", canvas_ids: dict[str, str] | None = None,
                points: dict[str, float] | None = None) -> list[list[str]]:
    """Rows of a Canvas gradebook import: header, ``Points Possible``, one row per student.

    Every student needs ``lms_user_id`` (Canvas's ``ID`` column is how Canvas matches the row).
    ``canvas_ids`` maps an nbgrader assignment to the Canvas assignment id it updates.
    """
    _check_everyone_listed(roster, scores, source)
    canvas_ids = canvas_ids or {}
    points = points or {}
    header = CANVAS_COLUMNS + [f"{a} ({canvas_ids[a]})" if a in canvas_ids else a for a in assignments]
    # The second row of Canvas's own export, which its import recognises and skips: kept so that
    # the file reads like the export an instructor knows, with each assignment's points.
    rows = [header, ["    Points Possible", "", "", "", ""] + [_score(points.get(a)) for a in assignments]]
    for student in sorted(roster.values(), key=lambda s: (s.last_name.lower(), s.first_name.lower(), s.id)):
        if not student.lms_user_id:
            raise RosterError(f"{source}, row {student.line - 1} (line {student.line}), field 'lms_user_id': "
                              f"empty for {student.id!r}; Canvas matches students by this ID")
        mine = scores.get(student.id, {})
        rows.append([student.sortable_name, student.lms_user_id, student.sis_user_id, student.sis_login_id,
                     student.section] + [_score(mine.get(a)) for a in assignments])
    return rows


def moodle_rows(roster: dict[str, RosterEntry], scores: dict[str, dict[str, float]], assignments: list[str],
                source: str = "roster", identifier: str = "email") -> list[list[str]]:
    """Rows of a Moodle CSV grade import: the identifier column first, names, one column per assignment.

    ``identifier`` is ``email`` (roster ``email``) or ``idnumber`` (roster ``sis_user_id``).
    """
    if identifier not in MOODLE_IDENTIFIERS:
        raise ValueError(f"identifier must be one of {sorted(MOODLE_IDENTIFIERS)}, not {identifier!r}")
    _check_everyone_listed(roster, scores, source)
    column, field = MOODLE_IDENTIFIERS[identifier]
    rows = [[column, "First name", "Last name"] + list(assignments)]
    for student in sorted(roster.values(), key=lambda s: (s.last_name.lower(), s.first_name.lower(), s.id)):
        value = getattr(student, field)
        if not value:
            raise RosterError(f"{source}, row {student.line - 1} (line {student.line}), field {field!r}: "
                              f"empty for {student.id!r}; Moodle identifies students by {column}")
        mine = scores.get(student.id, {})
        rows.append([value, student.first_name, student.last_name] + [_score(mine.get(a)) for a in assignments])
    return rows


def export_grades(course: Path | str, roster_path: Path | str, fmt: str, output: Path | str,
                  identifier: str = "email", canvas_ids: dict[str, str] | None = None) -> int:
    """Write the course's grades for ``fmt`` (``canvas`` or ``moodle``) to ``output``; returns the students written.

    Nothing is written when the roster is malformed or lacks a graded student.
    """
    roster = read_roster(roster_path)
    assignments, scores, points = gradebook_scores(course)
    if fmt == "canvas":
        rows = canvas_rows(roster, scores, assignments, str(roster_path), canvas_ids, points)
        students = len(rows) - 2
    elif fmt == "moodle":
        rows = moodle_rows(roster, scores, assignments, str(roster_path), identifier)
        students = len(rows) - 1
    else:
        raise ValueError(f"format must be canvas or moodle, not {fmt!r}")
    output = Path(output)
    tmp = output.with_name(output.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    tmp.replace(output)  # whole file or nothing
    return students
