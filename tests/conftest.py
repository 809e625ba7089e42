"""Shared fixtures: a private copy of the datasets that a test may corrupt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eastasia_security import paths

from kit_testing import REPO, line_of, set_cell  # noqa: F401  (re-exported for fixtures)


@pytest.fixture()
def datasets_copy(tmp_path: Path) -> Path:
    """A copy of datasets/ in a temporary folder."""
    target = tmp_path / "datasets"
    shutil.copytree(paths.datasets_dir(), target)
    return target
