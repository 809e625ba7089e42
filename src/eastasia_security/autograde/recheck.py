"""The hidden value checks run again by the grader, outside the student's kernel.

A test cell's checks run in the same Python process as the student's code, so a submission can
make them pass without the right answer: it can rebind ``eastasia_security.grading.expect_equal``,
hand in an object whose ``__eq__`` always says yes, or silence ``AssertionError``. The kit's hidden
tests therefore first call :func:`~eastasia_security.grading.record_answer`, which prints the answer
as plain JSON, read through the base types' own methods. After nbgrader has graded a notebook,
:func:`recheck` reads each hidden ``expect_equal`` / ``expect_close`` of the instructor's source
notebook (with :mod:`ast`, never running it), finds the answer the cell recorded in the autograded
notebook, and applies the same check in the grader's own process.

A test that passed in the kernel but fails here scores 0 (a manual override in the gradebook, which
the instructor can change in the formgrader) and the submission is flagged ``tampering``. A test
that recorded no answer, or more than one for the same variable, fails here too: only the
student's own code can have prevented or added a record. Cells without ``record_answer`` (an
instructor's own tests) are left as nbgrader scored them.

What this does not catch: code that reads the running test cell itself (its source holds the
expected value) and sets the answer to match; the instructor's guide says so.

>>> test = "\\n".join(["expect_type(q1, int, what='x')", _BEGIN, "record_answer('q1', q1)",
...                    "expect_close(q1, 8.5, tolerance=0.1, what='x')", _END])
>>> [(c.variable, c.kind, c.expected, c.tolerance) for c in hidden_checks(test)]
[('q1', 'close', 8.5, 0.1)]
>>> check = hidden_checks(test)[0]
>>> check.passes(8.45), check.passes(9), check.passes("8.5"), check.passes(True)
(True, False, False, False)
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from ..grading import RECORD_TAG
from .flags import Code, Flag

__all__ = ["Check", "Outcome", "hidden_checks", "recorded_answers", "recheck_notebook", "recheck"]

_BEGIN, _END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


@dataclass(frozen=True)
class Check:
    """One hidden value check: the variable, ``equal`` or ``close``, the expected value, the tolerance."""

    variable: str
    kind: str
    expected: Any
    tolerance: float = 0.0

    def passes(self, value: Any) -> bool:
        if self.kind == "close":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            return not math.isnan(value) and abs(value - self.expected) <= self.tolerance
        if isinstance(value, bool) != isinstance(self.expected, bool):
            return False
        return type(value) in (int, float, str) and value == self.expected


@dataclass(frozen=True)
class Outcome:
    """The grader's verdict on one test cell of one notebook."""

    notebook: str
    grade_id: str
    passed_in_kernel: bool
    passed_here: bool
    detail: str


def _hidden_source(source: str) -> str | None:
    if _BEGIN not in source or _END not in source:
        return None
    return source.split(_BEGIN, 1)[1].split(_END, 1)[0]


def hidden_checks(source: str) -> list[Check]:
    """The value checks in the hidden region of a test cell's source, if it records its answers."""
    hidden = _hidden_source(source)
    if hidden is None or "record_answer" not in hidden:
        return []
    try:
        tree = ast.parse(hidden)
    except SyntaxError:
        return []
    checks = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("expect_equal", "expect_close") and len(node.args) >= 2
                and isinstance(node.args[0], ast.Name)):
            continue
        tolerance = next((k.value for k in node.keywords if k.arg == "tolerance"),
                         node.args[2] if len(node.args) > 2 else None)
        try:
            expected = ast.literal_eval(node.args[1])
            tolerance = ast.literal_eval(tolerance) if tolerance is not None else 0.0
        except ValueError:
            continue        # not a literal: the grader cannot know the value without running code
        if node.func.id == "expect_close":
            checks.append(Check(node.args[0].id, "close", float(expected), float(tolerance)))
        else:
            checks.append(Check(node.args[0].id, "equal", expected))
    return checks


def recorded_answers(cell) -> dict[str, list[Any]]:
    """Every answer a cell's outputs record, by variable (a list: a variable recorded twice is suspect)."""
    found: dict[str, list[Any]] = {}
    for output in cell.get("outputs", []):
        if output.get("output_type") != "stream":
            continue
        text = output.get("text", "")
        for line in (text if isinstance(text, str) else "".join(text)).splitlines():
            if not line.startswith(RECORD_TAG):
                continue
            try:
                record = json.loads(line[len(RECORD_TAG):].strip())
            except ValueError:
                record = None
            if not isinstance(record, dict):
                found.setdefault("<unreadable>", []).append(line)
                continue
            for name, value in record.items():
                found.setdefault(name, []).append(value)
    return found


def _failed(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def recheck_notebook(source: Path, autograded: Path) -> list[Outcome]:
    """Each recorded test cell of ``autograded``, checked again against ``source``'s hidden checks."""
    checks = {}
    for cell in nbformat.read(source, as_version=4).cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        found = hidden_checks(cell.source) if cell.cell_type == "code" and grade_id else []
        if found:
            checks[grade_id] = found
    if not checks:
        return []
    cells = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c
             for c in nbformat.read(autograded, as_version=4).cells}
    outcomes = []
    for grade_id, cell_checks in checks.items():
        cell = cells.get(grade_id)
        if cell is None:
            continue        # nbgrader restores deleted test cells; a missing one is the gradebook's problem
        answers = recorded_answers(cell)
        problems = []
        for check in cell_checks:
            values = answers.get(check.variable, [])
            if len(values) != 1:
                problems.append(f"'{check.variable}' was recorded {len(values)} times, not once")
            elif not check.passes(values[0]):
                problems.append(f"the recorded '{check.variable}' = {json.dumps(values[0], ensure_ascii=False)[:80]}"
                                " fails the hidden check")
        outcomes.append(Outcome(autograded.name, grade_id, not _failed(cell), not problems,
                                "; ".join(problems) or "the recorded answers pass"))
    return outcomes


def recheck(gradebook, assignment: str, student: str, source_dir: Path, autograded_dir: Path) -> list[Flag]:
    """Re-check a student's autograded notebooks; a test that passed only in the kernel scores 0."""
    from nbgrader.api import MissingEntry

    flags = []
    for autograded in sorted(autograded_dir.glob("*.ipynb")):
        source = source_dir / autograded.name
        if not source.exists():
            continue
        for outcome in recheck_notebook(source, autograded):
            if outcome.passed_in_kernel and not outcome.passed_here:
                try:
                    grade = gradebook.find_grade(outcome.grade_id, autograded.stem, assignment, student)
                except MissingEntry:
                    flags.append(Flag(Code.TAMPERING, f"{autograded.name}, cell '{outcome.grade_id}': failed the "
                                                         f"grader's re-check ({outcome.detail}) but has no grade to set"))
                    continue
                grade.manual_score = 0.0
                gradebook.db.commit()
                flags.append(Flag(Code.TAMPERING, f"{autograded.name}, cell '{outcome.grade_id}': the test passed in "
                                                  f"the student's kernel but not when the grader checked it again "
                                                  f"({outcome.detail}); scored 0 for review"))
    return flags
