"""`eastasia-security export-grades`: Canvas and Moodle gradebook import files from nbgrader's gradebook.

The gradebook is a real nbgrader gradebook (built with nbgrader's API); the files are checked
for the columns each LMS's import reads, and bad rosters for messages naming file, row and field.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

import pytest

from eastasia_security import lms
from eastasia_security.cli import main

ROSTER = """id,first_name,last_name,email,lms_user_id,sis_user_id,sis_login_id,section
kim,Min-ji,Kim,minji.kim@example.edu,1001,S-0001,mkim,Section A
sato,Haruto,Sato,haruto.sato@example.edu,1002,S-0002,hsato,Section A
chen,Wei,Chen,wei.chen@example.edu,1003,S-0003,wchen,Section B
"""


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> Path:
    """A course folder with a gradebook: two assignments; kim and sato graded, chen never submitted."""
    from nbgrader.api import Gradebook

    tmp_path = tmp_path_factory.mktemp("lms-course")
    # nbgrader runs `alembic` from PATH when it creates a gradebook (see INSTRUCTORS.md, pitfalls).
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'lms-test'\n")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "lms-test") as gb:
        for name, points in (("ps1_geography", 10), ("ps2_missile_data", 10)):
            gb.add_assignment(name)
            gb.add_notebook(name, name)
            gb.add_grade_cell("auto", name, name, max_score=points - 3, cell_type="code")
            gb.add_grade_cell("written", name, name, max_score=3, cell_type="markdown")
        for student in ("kim", "sato", "chen"):
            gb.add_student(student)
        marks = {("ps1_geography", "kim"): (7, 2.5), ("ps1_geography", "sato"): (4, 3), ("ps2_missile_data", "kim"): (5, 0)}
        for (assignment, student), (auto, written) in marks.items():
            gb.add_submission(assignment, student)
            gb.find_grade("auto", assignment, assignment, student).auto_score = auto
            gb.find_grade("written", assignment, assignment, student).manual_score = written
        gb.db.commit()
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return tmp_path


@pytest.fixture()
def course(graded_course, tmp_path) -> Path:
    """A private copy of the graded course (a test may write files into it)."""
    target = tmp_path / "course"
    shutil.copytree(graded_course, target)
    return target


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_canvas_file_has_the_columns_canvas_imports(course, capsys):
    out = course / "canvas.csv"
    assert main(["export-grades", "--format", "canvas", "--roster", str(course / "roster.csv"), "--course", str(course),
                 "--output", str(out), "--canvas-assignment", "ps2_missile_data=4711"]) == 0
    assert "3 students written" in capsys.readouterr().out
    rows = _read(out)
    # Canvas's gradebook columns, in its order, then "Name (Canvas assignment id)" or a new name.
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps1_geography",
                       "ps2_missile_data (4711)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "10", "10"]
    by_id = {r[1]: r for r in rows[2:]}
    assert by_id["1001"] == ["Kim, Min-ji", "1001", "S-0001", "mkim", "Section A", "9.5", "5"]
    assert by_id["1002"] == ["Sato, Haruto", "1002", "S-0002", "hsato", "Section A", "7", ""]
    # No submission: an empty cell (Canvas leaves the grade alone), never a 0.
    assert by_id["1003"][5:] == ["", ""]
    assert [r[0] for r in rows[2:]] == ["Chen, Wei", "Kim, Min-ji", "Sato, Haruto"]


def test_moodle_file_has_the_identifier_column_first(course):
    out = course / "moodle.csv"
    assert main(["export-grades", "--format", "moodle", "--roster", str(course / "roster.csv"), "--course", str(course),
                 "--output", str(out)]) == 0
    rows = _read(out)
    assert rows[0] == ["Email address", "First name", "Last name", "ps1_geography", "ps2_missile_data"]
    assert ["minji.kim@example.edu", "Min-ji", "Kim", "9.5", "5"] in rows
    assert main(["export-grades", "--format", "moodle", "--moodle-identifier", "idnumber", "--roster",
                 str(course / "roster.csv"), "--course", str(course), "--output", str(out)]) == 0
    rows = _read(out)
    assert rows[0][0] == "ID number" and ["S-0002", "Haruto", "Sato", "7", ""] in rows


@pytest.mark.parametrize("roster,words", [
    ("id,first_name\nkim,Min-ji\n", "line 1 (header): missing column 'last_name'"),
    ("id,first_name,last_name,phone\nkim,Min-ji,Kim,1\n", "line 1 (header): unknown column 'phone'"),
    ("id,first_name,last_name\nkim,Min-ji,Kim\n,Haruto,Sato\n", "row 2 (line 3), field 'id': empty"),
    ("id,first_name,last_name\nkim,Min-ji,Kim\nkim,Haruto,Sato\n", "row 2 (line 3), field 'id': 'kim' is also on line 2"),
    ("id,first_name,last_name,lms_user_id\nkim,Min-ji,Kim,u-17\n", "row 1 (line 2), field 'lms_user_id': 'u-17' is not"),
    ("id,first_name,last_name\nkim,Min-ji,Kim,extra\n", "row 1 (line 2): more fields than the header has"),
])
def test_a_malformed_roster_is_named_by_file_row_and_field(course, roster, words, capsys):
    path = course / "bad-roster.csv"
    path.write_text(roster, encoding="utf-8")
    out = course / "out.csv"
    assert main(["export-grades", "--format", "canvas", "--roster", str(path), "--course", str(course),
                 "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and words in err, err
    assert not out.exists(), "nothing is written from a bad roster"


def test_a_graded_student_missing_from_the_roster_stops_the_export(course, capsys):
    path = course / "short-roster.csv"
    path.write_text("\n".join(ROSTER.splitlines()[:2]) + "\n", encoding="utf-8")   # kim only
    assert main(["export-grades", "--format", "moodle", "--roster", str(path), "--course", str(course),
                 "--output", str(course / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert "student 'sato' has grades but no row in the roster" in err and str(path) in err


def test_canvas_needs_each_students_canvas_id(course, capsys):
    path = course / "no-ids.csv"
    path.write_text(ROSTER.replace(",1002,", ",,"), encoding="utf-8")
    assert main(["export-grades", "--format", "canvas", "--roster", str(path), "--course", str(course),
                 "--output", str(course / "out.csv")]) == 1
    assert "row 2 (line 3), field 'lms_user_id': empty for 'sato'" in capsys.readouterr().err


def test_not_utf8_roster_says_so(course, capsys):
    path = course / "latin1.csv"
    path.write_bytes("id,first_name,last_name\nkim,Jos\xe9,Kim\n".encode("latin-1"))
    with pytest.raises(lms.RosterError, match="not UTF-8"):
        lms.read_roster(path)
