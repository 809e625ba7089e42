"""Checks on the nbgrader course: the source notebooks' cell metadata, before nbgrader sees them.

nbgrader itself reports bad metadata late (at generate_assignment or autograde time) and
tersely. ``eastasia-security validate`` runs these checks so that an instructor who edits an
assignment learns at once which cell is wrong and why.

>>> counts, problems = validate_course()
>>> problems
[]
>>> counts["ps1_geography"]
10.0
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import paths

__all__ = ["CourseProblem", "validate_course", "assignment_points"]

GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class CourseProblem:
    file: str
    cell: int | None
    grade_id: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.cell is not None:
            where.append(f"cell {self.cell}")
        if self.grade_id:
            where.append(f"grade_id '{self.grade_id}'")
        return ", ".join(where) + f": {self.message}"


def _course_dir() -> Path | None:
    root = paths.repository_root()
    return root / "course" if root is not None else None


def _display(path: Path) -> str:
    root = paths.repository_root()
    try:
        return str(path.relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def _check_notebook(path: Path) -> tuple[float, list[CourseProblem]]:
    name = _display(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        return 0.0, [CourseProblem(name, None, None, f"not a readable notebook ({exc})")]
    problems: list[CourseProblem] = []
    seen: dict[str, int] = {}
    points = 0.0
    graded = 0
    for index, cell in enumerate(cells, start=1):
        meta = (cell.get("metadata") or {}).get("nbgrader")
        source = "".join(cell.get("source", [])) if isinstance(cell.get("source"), list) else cell.get("source", "")
        if meta is None:
            if "### BEGIN SOLUTION" in source or "### BEGIN HIDDEN TESTS" in source:
                problems.append(CourseProblem(name, index, None, "has solution or hidden-test markers but no nbgrader "
                                              "metadata, so they would be released to students"))
            continue
        grade_id = meta.get("grade_id")

        def problem(message: str) -> None:
            problems.append(CourseProblem(name, index, grade_id, message))

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
        problems.append(CourseProblem(name, None, None, "no graded cells: nothing to grade"))
    return points, problems


def assignment_points(folder: Path | str | None = None) -> dict[str, float]:
    """Total points per assignment (folder name under ``source/``)."""
    return validate_course(folder)[0]


def validate_course(folder: Path | str | None = None) -> tuple[dict[str, float], list[CourseProblem]]:
    """Check every notebook under ``course/source``: ({assignment: points}, problems)."""
    course = Path(folder) if folder is not None else _course_dir()
    if course is None or not (course / "source").is_dir():
        raise FileNotFoundError("no course/source folder (the course ships with the repository, not the wheel)")
    totals: dict[str, float] = {}
    problems: list[CourseProblem] = []
    for assignment in sorted(p for p in (course / "source").iterdir() if p.is_dir()):
        notebooks = sorted(assignment.glob("*.ipynb"))
        if not notebooks:
            problems.append(CourseProblem(_display(assignment), None, None, "assignment folder has no notebook"))
            continue
        totals[assignment.name] = 0.0
        for notebook in notebooks:
            points, found = _check_notebook(notebook)
            totals[assignment.name] += points
            problems.extend(found)
    return totals, problems
