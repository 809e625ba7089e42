"""A late-submission policy for nbgrader: a share of the score off per day late, after a grace period.

nbgrader itself offers only "no penalty" or "zero". Most syllabi say something like "10 % per day,
not accepted after 5 days", which this plugin applies. Turn it on in ``nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = "eastasia_security.late.PercentPerDay"
    c.PercentPerDay.percent_per_day = 10
    c.PercentPerDay.grace_minutes = 15
    c.PercentPerDay.max_days = 5

A day is any started 24 hours after the grace period; after ``max_days`` the score is zero. The
due date is nbgrader's own (``c.CourseDirectory.db_assignments`` or the formgrader's assignment
settings) and lateness comes from the submission's ``timestamp.txt``. Extensions are nbgrader's
per-student ``extension`` on the submission. The penalty shows in the gradebook and the export
as ``late_submission_penalty``; the student's score there is after the penalty.

>>> plugin = PercentPerDay()
>>> plugin.late_submission_penalty("s1", 20.0, 10 * 60)          # within the 15-minute grace
0.0
>>> plugin.late_submission_penalty("s1", 20.0, 3600)             # one day started: 10 %
2.0
>>> plugin.late_submission_penalty("s1", 20.0, 2 * 86400 + 3600)  # three days started: 30 %
6.0
>>> plugin.late_submission_penalty("s1", 20.0, 6 * 86400)         # beyond 5 days: everything
20.0
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, Int

__all__ = ["PercentPerDay"]


class PercentPerDay(LateSubmissionPlugin):
    """``percent_per_day`` of the score off for each day (or part) late; zero after ``max_days``."""

    percent_per_day = Float(10.0, help="share of the score taken off per day late, in percent").tag(config=True)
    grace_minutes = Float(15.0, help="minutes after the deadline that count as on time").tag(config=True)
    max_days = Int(5, help="days late after which the score is zero").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        late = max(0.0, total_seconds_late - self.grace_minutes * 60)
        if late == 0:
            return 0.0
        days = math.ceil(late / 86400)
        if days > self.max_days:
            return float(score)
        return round(min(float(score), score * self.percent_per_day * days / 100), 4)
