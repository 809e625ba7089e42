"""Shared fixtures: a private copy of the datasets that a test may corrupt."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import pytest

from eastasia_security import paths

from kit_testing import LESSON_SECONDS, REPO, TIMES, line_of, set_cell  # noqa: F401  (re-exported for fixtures)

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.fixture()
def datasets_copy(tmp_path: Path) -> Path:
    """A copy of datasets/ in a temporary folder."""
    target = tmp_path / "datasets"
    shutil.copytree(paths.datasets_dir(), target)
    return target


@pytest.fixture(scope="session")
def executed():
    """Every lesson executed once (as a student would, top to bottom), with its run time."""
    done = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=LESSON_SECONDS, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        TIMES[path.name] = time.perf_counter() - start
        done[path.name] = nb
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "lesson_times.txt").write_text(
        "".join(f"{name:40} {seconds:6.1f} s\n" for name, seconds in TIMES.items()), encoding="utf-8")
    return done


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright for the whole run: its sync API allows only one at a time, and both the
    browser tests and the hub test drive Chromium."""
    api = pytest.importorskip("playwright.sync_api")
    with api.sync_playwright() as playwright:
        yield playwright
