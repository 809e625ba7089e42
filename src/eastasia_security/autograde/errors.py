"""The autograder's errors: specific exceptions a caller can catch."""

from __future__ import annotations

__all__ = ["AutogradeError", "SandboxUnavailable", "NotACourse"]


class AutogradeError(Exception):
    """Base class of the batch grader's errors."""


class SandboxUnavailable(AutogradeError):
    """This machine cannot isolate student code (and ``--unsafe`` was not given)."""


class NotACourse(AutogradeError, FileNotFoundError):
    """The folder is not an nbgrader course, or the assignment has not been generated."""
