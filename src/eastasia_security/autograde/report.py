"""Results as objects (per student and per batch), from which the terminal table and the CSV are drawn.

>>> from eastasia_security.autograde.report import StudentResult, GradingResults
>>> from eastasia_security.autograde.flags import Code, Flag
>>> results = GradingResults("ps2_missile_data", [StudentResult("ana", 7, 7, True),
...     StudentResult("bo", 5, 7, True, [Flag(Code.TIMEOUT, "a cell timed out after 60 s and was interrupted")])])
>>> results.summary()
'ps2_missile_data: 2 submissions, 2 graded, 1 with flags (timeout 1); mean 6/7'
>>> results["bo"].codes
['timeout']
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .flags import Code, Flag

__all__ = ["StudentResult", "GradingResults", "CSV_FIELDS"]

CSV_FIELDS = ["student", "score", "max_score", "graded", "flag_codes", "flags"]


@dataclass
class StudentResult:
    """One student's outcome: nbgrader's score (None when not graded) and the grader's flags."""

    student: str
    score: float | None = None
    max_score: float | None = None
    graded: bool = False
    flags: list[Flag] = field(default_factory=list)
    #: (worker, position in its share) that graded it; None when it was not sent to nbgrader.
    graded_by: tuple[int, int] | None = None

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(f.code.value for f in self.flags))

    def has(self, code: Code) -> bool:
        return any(f.code == code for f in self.flags)

    def to_dict(self) -> dict:
        return {"student": self.student, "score": self.score, "max_score": self.max_score, "graded": self.graded,
                "flags": [f.to_dict() for f in self.flags],
                "graded_by": list(self.graded_by) if self.graded_by else None}

    def row(self) -> dict:
        """The CSV row: codes in one column (for filtering), messages in the next."""
        return {"student": self.student, "score": "" if self.score is None else f"{self.score:g}",
                "max_score": "" if self.max_score is None else f"{self.max_score:g}",
                "graded": "yes" if self.graded else "no", "flag_codes": " ".join(self.codes),
                "flags": "; ".join(str(f) for f in self.flags)}


@dataclass
class GradingResults:
    """A batch: every student's result, in roster order, and how it was run."""

    assignment: str
    results: list[StudentResult]
    sandboxed: bool = True
    seconds: float = 0.0
    gradebook_problems: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, student: str) -> StudentResult:
        for result in self.results:
            if result.student == student:
                return result
        raise KeyError(f"no submission from student {student!r} in {self.assignment}")

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "sandboxed": self.sandboxed, "seconds": round(self.seconds, 2),
                "gradebook_problems": list(self.gradebook_problems), "results": [r.to_dict() for r in self.results]}

    def summary(self) -> str:
        graded = [r for r in self.results if r.graded]
        flagged = [r for r in self.results if r.flags]
        counts = Counter(code for r in self.results for code in r.codes)
        text = f"{self.assignment}: {len(self.results)} submissions, {len(graded)} graded, {len(flagged)} with flags"
        if counts:
            text += " (" + ", ".join(f"{code} {n}" for code, n in sorted(counts.items())) + ")"
        if graded:
            maximum = graded[0].max_score
            mean = sum(r.score or 0 for r in graded) / len(graded)
            text += f"; mean {mean:.3g}" + (f"/{maximum:g}" if maximum is not None else "")
        return text

    def table(self) -> str:
        width = max([len(r.student) for r in self.results] + [7])
        lines = [f"{'student':<{width}}  {'score':>7}  flags"]
        for r in self.results:
            if r.score is None or not r.graded:
                score = "-"
            else:
                score = f"{r.score:g}/{r.max_score:g}" if r.max_score is not None else f"{r.score:g}"
            flags = "; ".join(str(f) for f in r.flags)
            lines.append(f"{r.student:<{width}}  {score:>7}  {flags}")
        lines.append(self.summary())
        return "\n".join(lines)

    def write_csv(self, path: Path | str) -> Path:
        path = Path(path)
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(r.row() for r in self.results)
        temporary.replace(path)  # never a half-written report
        return path
