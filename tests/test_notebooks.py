"""The lessons: committed clean, run headless within a minute, follow the template,
show no map without its description, and state no date or figure the data contradict."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from eastasia_security import data, factcheck, geo, launches
from kit_testing import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
LESSON_SECONDS = 60
TIMES: dict[str, float] = {}


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.fixture(scope="module")
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


def test_there_are_ten_lessons_in_order():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(10)]


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


def _madrid_gap_years() -> float:
    return factcheck.evidence("P3-a").figures["gap_years"]


# (lesson, text in the prose, value the text states, how to compute it from the data)
FIGURES = [
    ("00_start_here.ipynb", "17 launches",
     17, lambda: launches.count(data.load("missile_launches"), "2022-01-01", "2022-06-05", include_cruise=True)),
    ("00_start_here.ipynb", "last launch before that was on 2022-06-05",
     "2022-06-05", lambda: launches.select(data.load("missile_launches"), "2022-01-01", "2022-06-29",
                                           include_cruise=True)["date_kst"].max().date().isoformat()),
    ("02_geography_of_deterrence.ipynb", "About 1,290 km",
     1290, lambda: round(geo.distance_km("pyongyang", "tokyo"), -1)),
    ("03_missile_programme.ipynb", "**complete from 2016 to March 2026**",
     "2026-03", lambda: data.load("missile_launches")["date_kst"].max().strftime("%Y-%m")),
    ("04_alliances.ipynb", "(2017-09-21) and Madrid (2022-06-29)",
     "2017-09-21", lambda: factcheck.evidence("P3-a").figures["previous_meeting"]),
    ("05_gsomia.ipynb", "GSOMIA (signed 2016-11-23)",
     "2016-11-23", lambda: factcheck.evidence("P7-b").figures["gsomia_signed"]),
    ("07_sanctions_and_china.ipynb", "China voted for all ten sanctions resolutions from 2006 to 2017",
     10, lambda: factcheck.evidence("P8-a").figures["sanctions_resolutions_adopted"]),
    ("08_history_and_reconciliation.ipynb", "ten days later Yoon declared GSOMIA normalised",
     10, lambda: int((data.load("gsomia_timeline").set_index("event_id").loc["2023-03-16", "date"]
                      - data.load("gsomia_timeline").set_index("event_id").loc["2023-03-06", "date"]).days)),
    ("09_after_madrid.ipynb", "real-time missile warning data sharing from 2023-12-19",
     "2023-12-19", lambda: data.load("gsomia_timeline")["date"].max().date().isoformat()),
]


@pytest.mark.parametrize("lesson,text,stated,compute", FIGURES, ids=[f"{f[0][:2]}:{f[1][:30]}" for f in FIGURES])
def test_figures_stated_in_the_prose_match_the_data(lesson, text, stated, compute):
    nb = nbformat.read(REPO / "notebooks" / lesson, as_version=4)
    prose = _markdown(nb) + "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert text in prose, f"{lesson} no longer says {text!r}: update this check"
    assert compute() == stated
