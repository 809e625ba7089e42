"""The late policy (eastasia_security.late.PercentPerDay) applied by the real nbgrader autograde."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kit_testing import REPO

ASSIGNMENT = "ps2_missile_data"
DUE = "2026-09-01 17:00:00 UTC"
#: Submission time per student -> the share of the score the policy takes off.
SUBMITTED = {"on-time": ("2026-09-01 16:59:00 UTC", 0.0), "in-grace": ("2026-09-01 17:10:00 UTC", 0.0),
             "two-days": ("2026-09-03 09:00:00 UTC", 0.2), "a-week": ("2026-09-08 18:00:00 UTC", 1.0)}


def _nbgrader(args, cwd):
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.mark.slow
def test_late_submissions_lose_ten_percent_a_day_after_the_grace_period(tmp_path):
    from nbgrader.api import Gradebook

    root = tmp_path / "course"
    shutil.copytree(REPO / "course", root, ignore=shutil.ignore_patterns("release", "submitted", "autograded",
                                                                        "feedback", "gradebook.db*"))
    _nbgrader(["db", "assignment", "add", ASSIGNMENT, "--duedate", DUE], root)
    _nbgrader(["generate_assignment", ASSIGNMENT, "--force"], root)
    solution = nbformat.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for student, (when, _) in SUBMITTED.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(solution, folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text(when)
    _nbgrader(["autograde", ASSIGNMENT, "--force"], root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "eastasia-security") as gb:
        for student, (_, share) in SUBMITTED.items():
            sub = gb.find_submission(ASSIGNMENT, student)
            assert sub.code_score == sub.max_code_score > 0
            assert sub.late_submission_penalty == pytest.approx(share * sub.code_score), student
    # The export (what goes to the LMS) takes the penalty off: score = raw_score - penalty.
    _nbgrader(["export", "--to", "grades.csv"], root)
    import csv

    with (root / "grades.csv").open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for student, (_, share) in SUBMITTED.items():
        raw = float(rows[student]["raw_score"])
        assert float(rows[student]["late_submission_penalty"]) == pytest.approx(share * raw), student
        assert float(rows[student]["score"]) == pytest.approx((1 - share) * raw), student
