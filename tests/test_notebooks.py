"""Every lesson runs top to bottom headless and is committed without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kit_testing import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    with_output = [i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code" and c.get("outputs")]
    assert not with_output, f"{path.name}: clear the outputs of cells {with_output}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path: Path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    if path.name == "00_start_here.ipynb":
        text = "\n".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
        assert "All datasets are valid." in text, "the set-up check should report valid datasets"


def test_there_is_a_start_here_lesson():
    assert (REPO / "notebooks" / "00_start_here.ipynb") in NOTEBOOKS
