"""`eastasia-security grade`: a batch of hostile submissions, and parallel = serial scores."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eastasia_security import grader
from eastasia_security.cli import main
from hostile_submissions import ASSIGNMENT, CASES, Maker
from kit_testing import REPO


def _course_copy(root: Path) -> Path:
    shutil.copytree(REPO / "course", root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("release", "submitted", "autograded", "feedback", "gradebook.db*",
                                                  "grades*.csv", ".grade-worker-*", "__pycache__"))
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    course = _course_copy(tmp_path_factory.mktemp("hostile"))
    maker = Maker(course)
    for case in CASES:
        case.build(maker, course / "submitted" / case.student / ASSIGNMENT)
    report = course / "report.csv"
    results = grader.grade(ASSIGNMENT, course, jobs=2, timeout=10, memory_mb=4096, report=report, progress=None)
    return course, {r.student: r for r in results}, report


def test_the_suite_has_at_least_twenty_cases():
    assert len(CASES) >= 20 and len({c.student for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.student for c in CASES])
def test_each_hostile_case_ends_as_specified(hostile_batch, case):
    _, results, _ = hostile_batch
    result = results[case.student]
    if case.expected is None:
        assert not result.graded, f"{case.student} should not be graded ({case.why})"
    else:
        assert result.graded, f"{case.student} should be graded: {result.flags}"
        assert result.score == pytest.approx(case.expected), f"{case.student}: {result.score} ({case.why}); {result.flags}"
    if case.flag is None:
        assert result.flags == [], f"{case.student}: unexpected flags {result.flags}"
    else:
        assert any(case.flag in flag for flag in result.flags), f"{case.student}: flags {result.flags} lack {case.flag!r}"


def test_gradebook_is_consistent_after_the_batch(hostile_batch):
    course, results, _ = hostile_batch
    assert grader.check_gradebook(course, ASSIGNMENT) == []
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "eastasia-security") as gb:
        in_db = {s.student.id for s in gb.assignment_submissions(ASSIGNMENT)}
    assert in_db == {s for s, r in results.items() if r.graded}


def test_report_csv_lists_every_student_with_flags(hostile_batch):
    _, results, report = hostile_batch
    with report.open(newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {c.student for c in CASES}
    assert "kernel died" in rows["s07-os-exit"]["flags"] and rows["s07-os-exit"]["graded"] == "no"
    assert rows["s01-correct"]["score"] == "7" and rows["s01-correct"]["max_score"] == "7"


def test_the_students_files_are_never_removed(hostile_batch):
    course, _, _ = hostile_batch
    assert (course / "submitted" / "s18-wrong-file-name" / ASSIGNMENT / "ps2.ipynb").is_file()
    assert (course / "submitted" / "s17-invalid-json" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    kept = course / "submitted" / "s13-duplicated-cell" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb.as-submitted"
    assert kept.is_file() and kept.read_text(encoding="utf-8").count('"grade_id": "ps2-count-tests"') == 2


def _normal_submissions(course: Path) -> None:
    maker = Maker(course)
    variants = {
        "p1": maker.solved(), "p2": maker.release, "p3": maker.solved(skip=("ps2-count-answer",)),
        "p4": maker.answer("ps2-busiest-answer", "def busiest_month(table, year):\n    return '2022-10'\n"),
        "p5": maker.solved(skip=("ps2-per-year-answer", "ps2-busiest-answer")), "p6": maker.solved(),
    }
    import nbformat

    for student, nb in variants.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")


def _scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "eastasia-security") as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(ASSIGNMENT)}


def test_parallel_grading_gives_the_scores_of_serial_nbgrader(tmp_path):
    parallel = _course_copy(tmp_path / "parallel")
    serial = _course_copy(tmp_path / "serial")
    _normal_submissions(parallel)
    _normal_submissions(serial)
    assert main(["grade", ASSIGNMENT, "--course", str(parallel), "--jobs", "2",
                 "--report", str(tmp_path / "r.csv")]) == 0
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=serial, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert _scores(parallel) == _scores(serial)
    assert _scores(serial) == {"p1": 7.0, "p2": 0.0, "p3": 4.0, "p4": 5.0, "p5": 3.0, "p6": 7.0}
