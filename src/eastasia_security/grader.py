"""Old name of the batch grader, kept so existing imports work: use :mod:`eastasia_security.autograde`."""

from __future__ import annotations

from .autograde import GradingResults, StudentResult, check_gradebook, grade, preflight

__all__ = ["GradeResult", "grade", "check_gradebook", "preflight", "format_table"]

GradeResult = StudentResult


def format_table(results: GradingResults) -> str:
    """The terminal table of a batch (``GradingResults.table``)."""
    return results.table()
