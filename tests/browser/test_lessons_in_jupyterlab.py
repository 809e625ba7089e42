"""Lessons run in a real JupyterLab 4 and real Chromium: no errors, maps drawn, framings and quizzes shown."""

from __future__ import annotations

import pytest

from conftest import basemap_colours_at
from kit_testing import REPO


def _run_lesson(jupyter_lab, browser_page, lesson: str):
    """Open the lesson in JupyterLab, run every cell, and check that no cell errs."""
    jupyter_lab.copy_notebook(REPO / "notebooks" / lesson)
    page = browser_page.page
    jupyter_lab.open_and_run_all(page, lesson, timeout_ms=180_000)
    assert jupyter_lab.error_outputs(page) == []
    return page


def _quiz_is_shown(page) -> None:
    quiz_box = page.locator(".kit-quiz").first
    quiz_box.wait_for(state="visible", timeout=60_000)
    assert "Score: 0 of" in quiz_box.locator(".kit-quiz-score").inner_text()


@pytest.mark.parametrize("lesson", ["00_start_here.ipynb", "03_missile_programme.ipynb"])
def test_lesson_runs_in_jupyterlab_with_maps_and_quiz(lesson, jupyter_lab, browser_page, artifacts_dir):
    page = _run_lesson(jupyter_lab, browser_page, lesson)
    maps = page.locator(".jp-OutputArea-output .kit-map")
    assert maps.count() >= 1
    for i in range(maps.count()):
        frame = maps.nth(i).frame_locator("iframe")
        frame.locator(".leaflet-container").wait_for(state="visible", timeout=60_000)
        assert frame.locator(".leaflet-overlay-pane path").count() > 0, "the map's layers are drawn"
        assert frame.locator("path.kit-basemap-land").count() > 0, "the bundled basemap is drawn"
        assert "Map description." in maps.nth(i).locator(".kit-map-description").inner_text()
    _quiz_is_shown(page)

    maps.first.scroll_into_view_if_needed()
    first_map = maps.first.locator("iframe").element_handle().content_frame()
    # Korea north and south of the DMZ is land; the Sea of Japan (East Sea) is sea.
    assert basemap_colours_at(first_map, [(39.6, 126.5), (36.0, 128.0), (38.5, 131.0)],
                              f"lesson_{lesson[:2]}_first_map_basemap") == ["land", "land", "sea"]
    page.screenshot(path=str(artifacts_dir / f"lesson_{lesson[:2]}_in_jupyterlab.png"))
    assert browser_page.web.outside == [], "the notebook's maps asked the network for files"
    assert browser_page.web.failed == []


@pytest.mark.parametrize("lesson", ["10_other_editorials.ipynb", "11_engagement_and_deterrence.ipynb",
                                    "12_simulation.ipynb"])
def test_new_lessons_run_in_jupyterlab_with_framings_quiz_and_maps(lesson, jupyter_lab, browser_page, artifacts_dir):
    """The lessons added with the course's second half (press framings, engagement, the simulation)."""
    page = _run_lesson(jupyter_lab, browser_page, lesson)
    framings = page.locator(".jp-OutputArea-output table.kit-framings")
    assert framings.count() >= 1, "the framings are drawn from the statements (and press) data"
    assert int(framings.first.get_attribute("data-voices") or framings.first.get_attribute("data-countries")) >= 5
    _quiz_is_shown(page)
    maps = page.locator(".jp-OutputArea-output .kit-map")
    for i in range(maps.count()):
        frame = maps.nth(i).frame_locator("iframe")
        frame.locator(".leaflet-container").wait_for(state="visible", timeout=60_000)
        assert frame.locator("path.kit-basemap-land").count() > 0, "the bundled basemap is drawn"
    page.screenshot(path=str(artifacts_dir / f"lesson_{lesson[:2]}_in_jupyterlab.png"))
    assert browser_page.web.outside == [], "the notebook asked the network for files"
