"""The instructor workflow with the real nbgrader commands, on a copy of course/ in a temporary folder.

Four students hand in each of the eight problem sets:
  solution   - the instructor's source notebook, which must score full autograded points;
  untouched  - the released notebook as students receive it, which must score 0;
  partial    - the release with only the first answer filled in, scoring exactly that part;
  wrong      - every answer of the right type but the wrong value (one more, or another choice),
               which passes the visible tests and must fail every hidden test, with a message.
Then the formgrader (nbgrader's own web server) must render every written item's rubric.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest

from eastasia_security import assignments, course
from eastasia_security.cli import main
from kit_testing import REPO, jupyter_server

ASSIGNMENTS = assignments.list_specs()
STUDENTS = ["solution", "untouched", "partial", "wrong"]


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


def _wrong_value(item, answer):
    """A value of the right type that is not the answer."""
    if item.type == "str":
        return next(c for c in (item.choices or ["not the answer"]) if c != answer) if item.choices else answer + "?"
    if item.type == "float":
        return answer + 10 * item.tolerance + 1
    return answer + 1


def _submission(release, fill: dict[str, str]):
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
        spec = assignments.load_spec(assignment)
        auto = spec.auto_items()
        answers = {s.item.id: s.answer for s in (assignments.solve(spec, item, 0) for item in auto)}
        _nbgrader(["generate_assignment", assignment, "--force"], root)
        source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        solutions = {f"{item.id}-answer": _strip_markers(_grade_cells(source)[f"{item.id}-answer"].source)
                     for item in auto}
        wrong = {f"{item.id}-answer": f"{item.answer} = {_wrong_value(item, answers[item.id])!r}\n" for item in auto}
        submissions = {
            "solution": source,
            "untouched": release,
            "partial": _submission(release, {f"{auto[0].id}-answer": solutions[f"{auto[0].id}-answer"]}),
            "wrong": _submission(release, wrong),
        }
        total = sum(item.points for item in auto)
        expected.update({(assignment, "solution"): total, (assignment, "untouched"): 0.0,
                         (assignment, "partial"): auto[0].points, (assignment, "wrong"): 0.0})
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


def test_wrong_answers_pass_the_visible_tests_and_fail_the_hidden_ones_with_a_message(graded):
    root, _ = graded
    for assignment in ASSIGNMENTS:
        nb = nbformat.read(root / "autograded" / "wrong" / assignment / f"{assignment}.ipynb", as_version=4)
        for item in assignments.load_spec(assignment).auto_items():
            cell = _grade_cells(nb)[f"{item.id}-tests"]
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert errors and errors[0]["ename"] == "AssertionError", (assignment, item.id)
            # The failure is the hidden value check (the visible type check passed), with the item's hint.
            assert "expected" in errors[0]["evalue"] and item.hint in errors[0]["evalue"], errors[0]["evalue"]


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


@pytest.fixture(scope="module")
def formgrader(graded):
    """nbgrader's formgrader (the real web app graders use), serving the graded course."""
    root, _ = graded
    home = root.parent / "formgrader-home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_DATA_DIR=str(home / "data"),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    with jupyter_server("server", root, env, home / "server.log", cwd=root) as (url, token):
        yield url, token, root


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_rubric_renders_in_the_formgrader(formgrader, assignment):
    from html.parser import HTMLParser

    from nbgrader.api import Gradebook

    url, token, root = formgrader
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "eastasia-security") as gb:
        submission = gb.find_submission_notebook(assignment, assignment, "wrong").id
    with urllib.request.urlopen(f"{url}/formgrader/submissions/{submission}/?token={token}", timeout=60) as response:
        html = response.read().decode("utf-8")

    class Tables(HTMLParser):
        """The text of each rendered <table>'s cells, row by row."""

        def __init__(self):
            super().__init__()
            self.tables, self.row, self.cell = [], None, None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
            elif tag == "tr" and self.tables:
                self.row = []
                self.tables[-1].append(self.row)
            elif tag in ("td", "th") and self.row is not None:
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.row.append(" ".join("".join(self.cell).split()))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Tables()
    parser.feed(html)
    spec = assignments.load_spec(assignment)
    rubrics = [t for t in parser.tables if t and t[0] and t[0][0] == "criterion"]
    assert len(rubrics) == len(spec.written_items()), f"{assignment}: {len(rubrics)} rubric tables rendered"
    for item, table in zip(spec.written_items(), rubrics):
        # The grader sees a score box for the item and its rubric as a rendered table, in order.
        assert f'id="{item.id}"' in html, f"no score box for {item.id}"
        assert table[0][1:] == list(item.rubric.levels)
        for row, criterion in zip(table[1:], item.rubric.criteria):
            assert criterion.name in row[0]
            for shown, level in zip(row[1:], criterion.levels):
                plain = " ".join(level.descriptor.replace("`", "").replace("*", "").split())
                assert plain[:40] in shown, (plain[:40], shown[:80])


def test_the_public_course_is_the_default_variant_of_the_specifications():
    """course/source and course/rubrics are rendered from course/problem_sets, not edited by hand."""
    assert assignments.build_public(check=True) == []
    assert main(["course", "build", "--check"]) == 0


def test_at_least_forty_percent_of_points_are_graded_by_hand_with_analytic_rubrics():
    specs = [assignments.load_spec(a) for a in ASSIGNMENTS]
    assert len(specs) >= 8
    total = sum(s.points for s in specs)
    assert sum(s.hand_graded_points for s in specs) >= 0.40 * total
    for spec in specs:
        assert spec.python.strip(), f"{spec.id} must state the Python it assumes"
        for item in spec.written_items():
            assert len(item.anchors) == len(item.rubric.levels) == 4
            assert all(len(c.levels) == 4 for c in item.rubric.criteria)


def test_graders_calibrate_on_the_anchors_blind_through_the_formgrader(formgrader, capsys):
    """`course calibrate` hands in every level's anchors for each grader; they score them in the formgrader
    (its grade API, as its page does); the report places each score at a level and flags disagreement."""
    from nbgrader.api import Gradebook

    url, token, root = formgrader
    assignment = "ps1_geography"
    item = assignments.load_spec(assignment).written_items()[0]
    assert main(["course", "calibrate", assignment, "--course", str(root), "--grader", "kim", "--grader", "sato"]) == 0
    assert "calib-kim-1" in capsys.readouterr().out
    key = json.loads((root / "calibration" / f"{assignment}.json").read_text())
    assert sorted(v["level"] for v in key.values() if v["grader"] == "kim") == sorted(item.rubric.levels)
    # Blind: the submitted notebooks carry the anchors' text but nothing that names their level.
    for student in key:
        text = (root / "submitted" / student / assignment / f"{assignment}.ipynb").read_text()
        assert "Model answer" not in text and "Excellent anchor" not in text
    _nbgrader(["autograde", assignment], root)     # grades the new submissions only
    excellent = sum(item.anchors[0].scores)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "eastasia-security") as gb:
        grade_ids = {s: gb.find_grade(item.id, assignment, assignment, s).id for s in key}
    for student, entry in key.items():
        given = entry["intended"][item.id]
        if entry["grader"] == "sato" and entry["level"] == "Developing":
            given = excellent                      # one grader scores the Developing anchor far too high
        request = urllib.request.Request(f"{url}/formgrader/api/grade/{grade_ids[student]}", method="PUT",
                                         data=json.dumps({"manual_score": given}).encode(),
                                         headers={"Authorization": f"token {token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    assert main(["course", "calibrate", assignment, "--course", str(root), "--report"]) == 0
    report = capsys.readouterr().out
    assert "7 of 8 graded anchors placed at their own level" in report, report
    flagged = [line for line in report.splitlines() if "discuss" in line]
    assert len(flagged) == 1 and flagged[0].startswith("sato") and "Developing" in flagged[0], report
    # The pseudo-students stay in the gradebook but never reach an LMS grade file.
    from eastasia_security import lms

    assert not [s for s in lms.gradebook_scores(root)[1] if s.startswith("calib-")]
