"""One record of what is wrong, and one report, for every check the kit makes.

Datasets, quiz banks and course notebooks are checked by different rules, but a
problem always says the same things: the file, where in it (row and line of a CSV,
line of a YAML bank, cell of a notebook), which question or graded cell, which
field, and what was expected.  The command line prints every part of ``validate``
from the same :class:`Report` type, with no matching of message strings.

>>> p = Problem("places.csv", 5, "lat", "123.0 is not a latitude", group="places")
>>> str(p)
"places.csv, row 4 (line 5), field 'lat': 123.0 is not a latitude"
>>> r = Report("Datasets", items={"places": "70 rows"}, problems=[p])
>>> r.ok, r.problems_in("places") == [p]
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

__all__ = ["Problem", "Report", "ValidationFailed"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place.

    ``line`` is the line of the file (1 = a CSV's header), ``cell`` the 1-based
    cell of a notebook, ``item`` the question id or nbgrader grade id concerned,
    ``group`` the part of a report it belongs to (a dataset, bank or assignment),
    and ``check`` the name of the rule that found it.
    """

    file: str
    line: int | None
    field: str | None
    message: str
    item: str | None = None
    cell: int | None = None
    group: str | None = None
    check: str | None = None

    @property
    def row(self) -> int | None:
        """Data row of a CSV (1 = first row after the header)."""
        return None if self.line is None else self.line - 1

    # The names each kind of file uses for ``item``.
    @property
    def question_id(self) -> str | None:
        return self.item

    @property
    def grade_id(self) -> str | None:
        return self.item

    def __str__(self) -> str:
        where = [self.file]
        is_csv = self.file.endswith(".csv")
        if self.line is not None:
            if is_csv:
                where.append(f"row {self.row} (line {self.line})" if self.line > 1 else "header (line 1)")
            else:
                where.append(f"line {self.line}")
        if self.cell is not None:
            where.append(f"cell {self.cell}")
        if self.item:
            label = "grade_id" if self.file.endswith(".ipynb") else "question"
            where.append(f"{label} '{self.item}'")
        if self.field:
            where.append(f"field '{self.field}'")
        return ", ".join(where) + f": {self.message}"


@dataclass
class Report:
    """The result of one check: what was looked at (``items``, each with a short
    summary such as "23 rows") and every problem found."""

    title: str
    items: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_in(self, name: str) -> list[Problem]:
        """Problems of one item (its group) or one file."""
        return [p for p in self.problems if p.group == name or p.file == name
                or p.file.rsplit("/", 1)[-1] == name]

    def add(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def format(self, all_good: str = "No problems.") -> str:
        """A readable report for the terminal: one line per item, then the problems."""
        lines = [self.title]
        width = max((len(n) for n in self.items), default=10)
        for name, summary in self.items.items():
            bad = len(self.problems_in(name))
            status = "ok" if bad == 0 else f"{bad} problem(s)"
            lines.append(f"  {name:<{width}}  {summary}  {status}")
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines.extend(f"  - {p}" for p in self.problems)
        else:
            lines.append(all_good)
        return "\n".join(lines)


class ValidationFailed(ValueError):
    """Raised when something the kit loads does not pass its checks; ``.problems``
    lists each with file, place and field."""

    what = "the kit's files"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in {self.what}:\n{shown}{more}")
