"""The instructor workflow with the real nbgrader commands, on a copy of course/ in a temporary folder.

Four students hand in each of the five assignments:
  solution   - the instructor's source notebook, which must score full autograded points;
  untouched  - the released notebook as students receive it, which must score 0;
  partial    - the release with only the first answer filled in, scoring exactly that part;
  hardcoder  - correct except one answer that returns the visible tests' expected values,
               which the hidden tests must catch.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from eastasia_security import course
from eastasia_security.cli import main
from kit_testing import REPO

ASSIGNMENTS = ["ps1_geography", "ps2_missile_data", "ps3_alliances_gsomia", "ps4_mapping", "ps5_capstone"]
STUDENTS = ["solution", "untouched", "partial", "hardcoder"]

# One answer per assignment that passes its visible tests by returning their expected values.
HARD_CODED = {
    "ps1_geography": ("ps1-distance-answer", "def distance(a, b):\n    return 195.0\n"),
    "ps2_missile_data": ("ps2-count-answer",
                         "def count_events(table, start, end, include_cruise=True):\n    return 17 if include_cruise else 16\n"),
    "ps3_alliances_gsomia": ("ps3-days-answer", "def days_between(timeline, first_id, second_id):\n    return 92\n"),
    "ps4_mapping": ("ps4-line-answer", "def add_distance_line(m, a, b):\n"
                    "    line = folium.PolyLine(geo.path(a, b), tooltip='1,287 km')\n    line.add_to(m)\n    return line\n"),
    "ps5_capstone": ("ps5-p4-answer", "def p4_counts(table):\n    return {'events_with_cruise': 17, 'ballistic_events': 16}\n"),
}
# The test cell that checks each of those answers.
TESTS_OF = {"ps1-distance-answer": "ps1-distance-tests", "ps2-count-answer": "ps2-count-tests",
            "ps3-days-answer": "ps3-days-tests", "ps4-line-answer": "ps4-line-tests", "ps5-p4-answer": "ps5-p4-tests"}


def _nbgrader(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # nbgrader runs `alembic` from PATH when it creates a gradebook: the environment's
    # bin/ must be on PATH (an activated virtual environment does this for instructors).
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _grade_cells(nb) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _points(nb, grade_id: str) -> float:
    return float(_grade_cells(nb)[grade_id].metadata["nbgrader"]["points"])


def _answer_ids(nb) -> list[str]:
    return [gid for gid, c in _grade_cells(nb).items()
            if c.metadata["nbgrader"].get("solution") and c.cell_type == "code"]


def _test_ids(nb) -> list[str]:
    return [gid for gid, c in _grade_cells(nb).items()
            if c.metadata["nbgrader"].get("grade") and not c.metadata["nbgrader"].get("solution")]


def _submission(release, source, fill: dict[str, str]):
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    cells = _grade_cells(nb)
    for grade_id, text in fill.items():
        cells[grade_id].source = text
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate, hand in, autograde, write feedback and export, once for all tests."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(REPO / "course", root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("release", "submitted", "autograded", "feedback", "gradebook.db*",
                                                  ".ipynb_checkpoints", "__pycache__"))
    expected: dict[tuple[str, str], float] = {}
    for assignment in ASSIGNMENTS:
        _nbgrader(["generate_assignment", assignment, "--force"], root)
        source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        answers = _answer_ids(source)
        solutions = {gid: _strip_markers(_grade_cells(source)[gid].source) for gid in answers}
        auto_total = sum(_points(source, t) for t in _test_ids(source))
        first_test = _test_ids(source)[0]
        cheat_id, cheat_code = HARD_CODED[assignment]
        submissions = {
            "solution": source,
            "untouched": release,
            "partial": _submission(release, source, {answers[0]: solutions[answers[0]]}),
            "hardcoder": _submission(release, source, {**solutions, cheat_id: cheat_code}),
        }
        expected.update({(assignment, "solution"): auto_total, (assignment, "untouched"): 0.0,
                         (assignment, "partial"): _points(source, first_test),
                         (assignment, "hardcoder"): auto_total - _points(source, TESTS_OF[cheat_id])})
        for student, nb in submissions.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{assignment}.ipynb")
        _nbgrader(["autograde", assignment, "--force"], root)
        _nbgrader(["generate_feedback", assignment, "--force"], root)
    _nbgrader(["export", "--to", "grades.csv"], root)
    return root, expected


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solutions_and_no_hidden_tests(graded, assignment):
    root, _ = graded
    text = (root / "release" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    # What students may see: every cell with its hidden tests cut out.
    visible = "\n".join(c.source.split("### BEGIN HIDDEN TESTS")[0] + c.source.split("### END HIDDEN TESTS")[-1]
                        if "### BEGIN HIDDEN TESTS" in c.source else c.source for c in source.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            body = _strip_markers(cell.source)
            solution_lines = [line.strip() for line in body.splitlines()
                              if line.strip() and not line.strip().startswith(("def ", '"""'))]
            for line in solution_lines:
                assert json.dumps(line)[1:-1] not in text or len(line) < 12, f"solution line released: {line!r}"
        if "### BEGIN HIDDEN TESTS" in cell.source:
            hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            for line in hidden.strip().splitlines():
                if len(line.strip()) > 20 and line.strip() not in visible:
                    assert json.dumps(line.strip())[1:-1] not in text, f"hidden test released: {line.strip()!r}"
    assert "YOUR CODE HERE" in text and "NotImplementedError" in text


def _scores(root: Path) -> dict[tuple[str, str], tuple[float, float]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "eastasia-security") as gb:
        for assignment in ASSIGNMENTS:
            for student in STUDENTS:
                sub = gb.find_submission(assignment, student)
                out[(assignment, student)] = (sub.code_score, sub.max_code_score)
    return out


@pytest.mark.parametrize("student", STUDENTS)
def test_autograded_scores_are_exactly_as_expected(graded, student):
    root, expected = graded
    scores = _scores(root)
    for assignment in ASSIGNMENTS:
        got, maximum = scores[(assignment, student)]
        assert got == pytest.approx(expected[(assignment, student)]), f"{student} on {assignment}: {got} of {maximum}"
        if student == "solution":
            assert got == maximum, "the instructor solution scores full autograded points"


def test_hard_coded_answers_fail_the_hidden_tests_with_a_message_for_the_student(graded):
    root, _ = graded
    for assignment, (cheat_id, _) in HARD_CODED.items():
        nb = nbformat.read(root / "autograded" / "hardcoder" / assignment / f"{assignment}.ipynb", as_version=4)
        cell = _grade_cells(nb)[TESTS_OF[cheat_id]]
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors and errors[0]["ename"] == "AssertionError"
        assert "expected" in errors[0]["evalue"] and "Hint:" in errors[0]["evalue"]


def test_feedback_html_for_every_student(graded):
    root, _ = graded
    for assignment in ASSIGNMENTS:
        for student in STUDENTS:
            page = root / "feedback" / student / assignment / f"{assignment}.html"
            assert page.is_file(), page
            html = page.read_text(encoding="utf-8")
            assert "Score" in html or "score" in html


def test_export_csv_rows_and_scores(graded):
    root, expected = graded
    with (root / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(ASSIGNMENTS) * len(STUDENTS)
    for row in rows:
        key = (row["assignment"], row["student_id"])
        # Written answers are not graded yet, so the total is the autograded score.
        assert float(row["raw_score"]) == pytest.approx(expected[key]), key
        assert float(row["max_score"]) == course.assignment_points()[row["assignment"]]


def test_validate_checks_the_course(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "ps5_capstone" in out and "All assignments are valid." in out


@pytest.mark.parametrize("change,words", [
    (lambda meta: meta.update(points=0), "needs points > 0"),
    (lambda meta: meta.update(grade_id="ps1-distance-answer"), "also used by cell"),
    (lambda meta: meta.update(locked=False), "must be locked"),
    (lambda meta: meta.update(schema_version=2), "schema_version must be 3"),
])
def test_broken_course_metadata_is_reported_with_file_cell_and_grade_id(tmp_path, change, words, capsys):
    shutil.copytree(REPO / "course" / "source", tmp_path / "source")
    path = tmp_path / "source" / "ps1_geography" / "ps1_geography.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    index = next(i for i, c in enumerate(nb["cells"])
                 if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "ps1-distance-tests")
    change(nb["cells"][index]["metadata"]["nbgrader"])
    path.write_text(json.dumps(nb), encoding="utf-8")
    problems = course.validate_course(tmp_path).problems
    assert any(words in p.message and p.cell == index + 1 and "ps1_geography.ipynb" in p.file for p in problems), problems
    assert main(["validate", "--course", str(tmp_path)]) == 1
    assert f"cell {index + 1}" in capsys.readouterr().out
