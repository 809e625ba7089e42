"""The lessons: committed clean, run headless within a minute, follow the template,
show no map without its description, and state no date or figure the data contradict."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from eastasia_security import data
from kit_testing import LESSON_SECONDS, REPO, TIMES

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    with_output = [i for i, c in enumerate(notebook["cells"])
                   if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not with_output, f"{path.name}: clear the outputs of cells {with_output}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_lesson_runs_without_errors_within_a_minute(path: Path, executed):
    nb = executed[path.name]
    errors = [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors}"
    assert TIMES[path.name] <= LESSON_SECONDS, f"{path.name} took {TIMES[path.name]:.1f} s"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_lesson_follows_the_template(path: Path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source
    assert first.startswith(f"# {path.name[:2]} · ")
    for part in ("**Guiding questions**", "**Learning objectives.**", "*Teaching ", "exercises "):
        assert part in first, f"{path.name}: header lacks {part!r}"
    text = _markdown(nb)
    assert "## Key points" in text and "## Sources and further reading" in text
    assert "**Try it.**" in text and "<details><summary>Solution</summary>" in text
    assert any("quiz.show(" in c.source for c in nb.cells if c.cell_type == "code"), "every lesson has a quiz"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_map_has_its_description_and_there_are_no_images_without_text(path: Path, executed):
    for cell in executed[path.name].cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            bundle = output.get("data", {})
            html = bundle.get("text/html", "")
            if "folium-map" in html or "leaflet" in html.lower():
                assert "kit-map-description" in html, f"{path.name}: a map without its description"
            assert "image/png" not in bundle and "image/jpeg" not in bundle, \
                f"{path.name}: a bitmap figure has no alt text; use a table or an SVG with a title"
            for img in re.findall(r"<img\b[^>]*>", html):
                assert "alt=" in img, f"{path.name}: image without alt text"


def test_start_here_reports_valid_datasets(executed):
    nb = executed["00_start_here.ipynb"]
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "All datasets are valid." in text


# --------------------------------------------------------------------------- prose against data

def _dataset_dates() -> set[str]:
    dates = set()
    for name in data.list_datasets():
        frame = data.load(name)
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                dates |= {d.date().isoformat() for d in frame[column].dropna()}
            elif column in ("event_id",):
                dates |= set(frame[column].dropna().str[:10])
    return dates


PUBLICATION_DATES = {"2022-07-17"}   # the translation's publication date (sources: yomiuri-editorial-2022)


def test_every_date_in_the_prose_is_in_the_data():
    known = _dataset_dates() | PUBLICATION_DATES
    for path in NOTEBOOKS:
        text = _markdown(nbformat.read(path, as_version=4))
        # Code (query bounds such as "2022-01-01") is not a statement of fact; prose is.
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        text = re.sub(r"`[^`]*`", "", text)
        for date in re.findall(r"\b(\d{4}-\d{2}-\d{2})\b", text):
            assert date in known, f"{path.name} states {date}, which no dataset records"
