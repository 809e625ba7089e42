"""Checks on the nbgrader course: the source notebooks' cell metadata, before nbgrader sees them.

nbgrader itself reports bad metadata late (at generate_assignment or autograde time) and
tersely. ``eastasia-security validate`` runs these checks so that an instructor who edits an
assignment learns at once which cell is wrong and why.

>>> report = validate_course()
>>> report.problems
[]
>>> assignment_points()["ps1_geography"]
20.0
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from . import paths
from .problems import Problem, Report

__all__ = ["CourseProblem", "validate_course", "assignment_points", "find_course"]

GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


#: Course problems are the kit's one Problem type; ``problem.grade_id`` names the graded cell.
CourseProblem = Problem


def _course_dir() -> Path | None:
    root = paths.repository_root()
    return root / "course" if root is not None else None


def _display(path: Path) -> str:
    root = paths.repository_root()
    try:
        return str(path.relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def _check_notebook(path: Path) -> tuple[float, list[Problem]]:
    name = _display(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        return 0.0, [Problem(name, None, None, f"not a readable notebook ({exc})")]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    points = 0.0
    graded = 0
    for index, cell in enumerate(cells, start=1):
        meta = (cell.get("metadata") or {}).get("nbgrader")
        source = "".join(cell.get("source", [])) if isinstance(cell.get("source"), list) else cell.get("source", "")
        if meta is None:
            if "### BEGIN SOLUTION" in source or "### BEGIN HIDDEN TESTS" in source:
                problems.append(Problem(name, None, None, "has solution or hidden-test markers but no nbgrader "
                                        "metadata, so they would be released to students", cell=index))
            continue
        grade_id = meta.get("grade_id")

        def problem(message: str) -> None:
            problems.append(Problem(name, None, None, message, item=grade_id, cell=index))

        if meta.get("schema_version") != 3:
            problem(f"schema_version must be 3 (nbgrader 0.9), not {meta.get('schema_version')!r}")
        if not grade_id or not GRADE_ID.match(str(grade_id)):
            problem("grade_id must be letters, digits, '-' or '_'")
        elif grade_id in seen:
            problem(f"grade_id is also used by cell {seen[grade_id]}; grade ids must be unique in a notebook")
        else:
            seen[grade_id] = index
        is_code = cell.get("cell_type") == "code"
        if meta.get("grade"):
            graded += 1
            value = meta.get("points")
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                problem(f"a graded cell needs points > 0, not {value!r}")
            else:
                points += float(value)
        if meta.get("solution") and is_code:
            if "### BEGIN SOLUTION" not in source or "### END SOLUTION" not in source:
                problem("an autograded answer cell needs '### BEGIN SOLUTION' and '### END SOLUTION' around the solution")
        if meta.get("grade") and not meta.get("solution"):
            if not is_code:
                problem("a test cell (graded, not a solution) must be a code cell")
            if not meta.get("locked"):
                problem("a test cell must be locked (read-only)")
        if source.count("### BEGIN HIDDEN TESTS") != source.count("### END HIDDEN TESTS"):
            problem("'### BEGIN HIDDEN TESTS' and '### END HIDDEN TESTS' do not pair up")
    if graded == 0:
        problems.append(Problem(name, None, None, "no graded cells: nothing to grade"))
    return points, problems


def assignment_points(folder: Path | str | None = None) -> dict[str, float]:
    """Total points per assignment (folder name under ``source/``)."""
    return {name: float(summary.split()[0]) for name, summary in validate_course(folder).items.items()}


def find_course(folder: Path | str | None = None) -> Path | None:
    """The nbgrader course to check: ``folder`` if given; else the current folder when it
    holds an nbgrader course (nbgrader's own convention); else the kit's ``course/``."""
    if folder is not None:
        return Path(folder)
    here = Path.cwd()
    if (here / "nbgrader_config.py").is_file() and (here / "source").is_dir():
        return here
    return _course_dir()


def validate_course(folder: Path | str | None = None) -> Report:
    """Check every notebook under ``course/source``: a Report with the points per assignment.

    A missing course (or one with no assignment) is a problem, not a silent pass.
    """
    course = find_course(folder)
    if course is None:
        report = Report("Course assignments")
        report.problems.append(Problem("course/source", None, None,
                                       "no nbgrader course found: pass --course FOLDER, or --skip-course to check only "
                                       "the datasets and quiz banks (the course ships with the repository, not the wheel)"))
        return report
    report = Report(f"Course assignments in {_display(course / 'source')}")
    if not (course / "source").is_dir():
        report.problems.append(Problem(_display(course / "source"), None, None,
                                       "no such folder: an nbgrader course keeps its assignments in source/"))
        return report
    for assignment in sorted(p for p in (course / "source").iterdir() if p.is_dir()):
        notebooks = sorted(assignment.glob("*.ipynb"))
        if not notebooks:
            report.problems.append(Problem(_display(assignment), None, None, "assignment folder has no notebook",
                                           group=assignment.name))
            continue
        total = 0.0
        for notebook in notebooks:
            points, found = _check_notebook(notebook)
            total += points
            report.problems.extend(replace(p, group=assignment.name) for p in found)
        report.items[assignment.name] = f"{total:5g} points"
    if not report.items and report.ok:
        report.problems.append(Problem(_display(course / "source"), None, None, "holds no assignment"))
    return report
