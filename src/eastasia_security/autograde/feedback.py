"""Feedback without hidden tests (nbgrader issue #917), and outputs that leak answers removed.

nbgrader's ``generate_feedback`` renders the autograded notebook, whose test cells hold the hidden
tests, and whose failed tests show tracebacks quoting them. :class:`StudentFeedback` runs in the
feedback pipeline (``course/nbgrader_config.py`` puts it there for plain ``nbgrader
generate_feedback``; :func:`generate_feedback` does too): it removes hidden test regions with
nbgrader's own ``ClearHiddenTests`` and shortens each test cell's error to the failed check's
student-facing message, e.g. ``AssertionError: events from 2022-01-01 to 2022-06-05: expected 17,
got 16. Hint: Both ends are included.``

:func:`redact_leaks` runs right after grading: any output that quotes a hidden test or a model
answer (say, code that captured the cells the grader runs and printed them) is replaced by a
note, and the student is flagged.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from .flags import Code, Flag

__all__ = ["StudentFeedback", "FEEDBACK_PREPROCESSORS", "generate_feedback", "secret_lines", "redact_leaks",
           "REDACTED"]

FEEDBACK_PREPROCESSORS = ["nbgrader.preprocessors.GetGrades", "eastasia_security.autograde.feedback.StudentFeedback",
                          "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
REDACTED = "[removed by the grader: this output quoted hidden tests or model answers]"
_MIN_SECRET = 12   # shorter lines ("return total", "else:") are too common to be secrets


def _is_test(cell) -> bool:
    return utils.is_grade(cell) and not utils.is_solution(cell)


class StudentFeedback(NbGraderPreprocessor):
    """Feedback preprocessor: test cells without hidden tests, failures as their message only."""

    def preprocess(self, nb, resources):
        hide = ClearHiddenTests(parent=self, enforce_metadata=False)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not _is_test(cell):
                continue
            hide.preprocess_cell(cell, resources, index)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    # The traceback quotes the test's code (hidden lines too); the message is for students.
                    message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
                    output["traceback"] = [message]
        return nb, resources


def _region_lines(source: str, begin: str, end: str) -> list[str]:
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
            continue
        if end in line:
            inside = False
            continue
        if inside:
            lines.append(line.strip())
    return lines


def secret_lines(source_notebook: Path, release_notebook: Path | None = None) -> set[str]:
    """Lines of hidden tests and model answers in an instructor notebook that the release does not show."""
    nb = nbformat.read(source_notebook, as_version=4)
    shown = ""
    if release_notebook is not None and release_notebook.exists():
        shown = "\n".join(c.source for c in nbformat.read(release_notebook, as_version=4).cells)
    secrets: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            secrets.update(_region_lines(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
            secrets.update(_region_lines(cell.source, "BEGIN SOLUTION", "END SOLUTION"))
        elif utils.is_solution(cell):
            secrets.update(line.strip() for line in cell.source.splitlines())
    return {s for s in secrets if len(s) >= _MIN_SECRET and s not in shown and not s.startswith("#")}


def _texts(output) -> list[str]:
    kind = output.get("output_type")
    if kind == "stream":
        return [str(output.get("text", ""))]
    if kind == "error":
        return [str(output.get("ename", "")), str(output.get("evalue", "")), *map(str, output.get("traceback", []))]
    return [v if isinstance(v, str) else json.dumps(v) for v in (output.get("data") or {}).values()]


def redact_leaks(notebook: Path, secrets: set[str], own_text: str = "") -> list[Flag]:
    """Replace outputs of ``notebook`` that quote any of ``secrets`` (except what the student wrote)."""
    relevant = [s for s in secrets if s not in own_text]
    if not relevant or not notebook.exists():
        return []
    nb = nbformat.read(notebook, as_version=4)
    cells = []
    for index, cell in enumerate(nb.cells):
        changed = False
        for i, output in enumerate(cell.get("outputs", [])):
            texts = _texts(output)
            if _is_test(cell) and output.get("output_type") == "error":
                texts = texts[:2]  # a test's own traceback is expected; feedback drops it (StudentFeedback)
            plain = _ANSI.sub("", "\n".join(texts))
            if any(secret in plain for secret in relevant):
                cell.outputs[i] = nbformat.v4.new_output("stream", name="stdout", text=REDACTED + "\n")
                changed = True
        if changed:
            cells.append(index + 1)
    if not cells:
        return []
    nbformat.write(nb, notebook)
    return [Flag(Code.LEAKED_OUTPUT, f"{notebook.name}: output of cell(s) {', '.join(map(str, cells))} quoted hidden "
                                     "tests or model answers and was removed")]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def generate_feedback(course: Path | str, assignment: str, students: list[str] | None = None) -> dict[str, dict]:
    """nbgrader's ``generate_feedback`` for each student, with :class:`StudentFeedback` in the pipeline.

    Returns nbgrader's result (``success``, ``error``, ``log``) per student.
    """
    from .runner import nbgrader_api

    api = nbgrader_api(Path(course), {"GenerateFeedback": {"preprocessors": FEEDBACK_PREPROCESSORS}})
    if students is None:
        folder = Path(course) / "autograded"
        students = sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir()) if folder.is_dir() else []
    outcome = {student: api.generate_feedback(assignment, student) for student in students}
    owner = Path(course).stat()
    if os.geteuid() == 0 and owner.st_uid != 0:  # run with sudo: the files belong to the course's owner
        from .runner import _give_back

        _give_back(Path(course), owner.st_uid, owner.st_gid)
    return outcome
