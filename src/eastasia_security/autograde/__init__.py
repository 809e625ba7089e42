"""The instructor's batch grader: sandboxed ``nbgrader autograde``, flags as codes, a report.

>>> from eastasia_security import autograde
>>> sorted(autograde.Code.__members__)[:3]
['DUPLICATED_CELLS', 'EMPTY_NOTEBOOK', 'EXTRA_FILES']

``autograde.grade("ps2_missile_data", "course", jobs=2)`` returns :class:`GradingResults`;
see :mod:`eastasia_security.autograde.runner` for the steps and
:mod:`eastasia_security.autograde.sandbox` for the isolation.
"""

from .errors import AutogradeError, NotACourse, SandboxUnavailable
from .flags import NOT_GRADED, Code, Flag
from .preflight import preflight
from .report import GradingResults, StudentResult
from .runner import check_gradebook, course_id, grade, is_course, nbgrader_api
from .sandbox import SandboxLimits, unavailable_reason

__all__ = [
    "grade", "check_gradebook", "preflight", "generate_feedback", "redact_leaks", "secret_lines",
    "GradingResults", "StudentResult", "Flag", "Code", "NOT_GRADED", "SandboxLimits", "unavailable_reason",
    "StudentFeedback", "nbgrader_api", "is_course", "course_id",
    "AutogradeError", "SandboxUnavailable", "NotACourse",
]

_FEEDBACK = {"StudentFeedback", "generate_feedback", "redact_leaks", "secret_lines"}


def __getattr__(name):
    # The feedback names load nbformat and nbgrader (seconds): only when asked for, so that
    # `grade` can start its workers first.
    if name in _FEEDBACK:
        from . import feedback

        return getattr(feedback, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
