"""Helpers shared by the tests (import them: ``from kit_testing import set_cell``)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

def line_of(folder: Path, file_name: str, key_field: str, key: str) -> int:
    """Line number (header = 1) of the row whose key_field equals key."""
    with (folder / file_name).open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row[key_field] == key:
                return line
    raise KeyError(key)


def set_cell(folder: Path, file_name: str, key_field: str, key: str, field: str, value: str) -> int:
    """Change one cell in a copied CSV; returns the line that was changed."""
    path = folder / file_name
    line = line_of(folder, file_name, key_field, key)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames
        rows = list(reader)
    for row in rows:
        if row[key_field] == key:
            row[field] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return line


#: A lesson must run top to bottom within this many seconds; the run times of this session.
LESSON_SECONDS = 60
TIMES: dict[str, float] = {}


def require(condition: bool, why: str) -> None:
    """Fail on CI (it must run everything); skip on a machine without what the test needs."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)
