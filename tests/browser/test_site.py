"""The course site (Jupyter Book, built by `bash kit.sh site`) in Chromium with the network cut."""

from __future__ import annotations

from conftest import basemap_colours_at

from eastasia_security import data


def _open(page, url):
    # A lesson page carries several maps of about 0.5 MB each; on a loaded 2-core machine parsing
    # them can take longer than Playwright's default 30 s, which is not what these tests measure.
    # Wait for the page's load event (its frames and files), then for the elements each test needs;
    # not for "network idle", which a slow CI machine missed once with every file already served.
    page.set_default_timeout(120_000)
    page.goto(url, wait_until="load", timeout=120_000)


def _clean(browser_page):
    assert browser_page.web.outside == [], "the page asked the network for files"
    assert browser_page.web.failed == []
    assert browser_page.console_errors == []


def test_home_page_lists_lessons_reference_and_instructors_apart(course_site, browser_page, artifacts_dir):
    page = browser_page.page
    _open(page, f"{course_site}/site/index.html")
    captions = [c.strip() for c in page.locator(".bd-sidebar .caption-text").all_inner_texts()]
    assert captions == ["Lessons", "Reference", "For instructors"]
    nav = page.locator(".bd-sidebar")
    assert nav.get_by_role("link", name="Data dictionary").count() == 1
    instructors = page.locator(".bd-sidebar p.caption:has-text('For instructors') + ul a").all_inner_texts()
    assert len(instructors) == 1 and "Instructor guide" in instructors[0]
    page.screenshot(path=str(artifacts_dir / "site_home.png"))
    _clean(browser_page)


def test_lesson_page_has_executed_outputs_and_interactive_maps_with_land(course_site, browser_page, artifacts_dir):
    page = browser_page.page
    _open(page, f"{course_site}/notebooks/02_geography_of_deterrence.html")
    assert page.locator(".cell_output").count() > 5, "the lesson was executed"
    frames = page.locator(".cell_output iframe")
    assert frames.count() >= 2
    for i in range(frames.count()):
        frames.nth(i).scroll_into_view_if_needed()
        frame = frames.nth(i).element_handle().content_frame()
        frame.wait_for_selector("path.kit-basemap-land", state="attached")
        # The maps of a page share the site's one copy of Leaflet (kit.sh site), loaded from this server.
        assert frame.locator("script[data-kit-asset='leaflet']").get_attribute("src") == \
            "../_static/web/leaflet@1.9.3/dist/leaflet.js"
        # North Korea, South Korea, and the Sea of Japan (East Sea) between Korea and Japan.
        colours = basemap_colours_at(frame, [(39.6, 126.5), (36.0, 128.0), (38.5, 131.0)], f"site_lesson02_map{i}")
        assert colours == ["land", "land", "sea"], (i, colours)
    # A popup opens on the first map with places.
    frames.nth(0).scroll_into_view_if_needed()
    box = frames.nth(0).bounding_box()
    frame = frames.nth(0).element_handle().content_frame()
    markers = frame.locator("path.kit-place")
    inside = [i for i in range(markers.count())
              if (b := markers.nth(i).bounding_box()) and box["x"] + 60 < b["x"] < box["x"] + box["width"] - 300
              and box["y"] + 60 < b["y"] < box["y"] + box["height"] - 60]
    assert inside, "a place marker is in view"
    markers.nth(inside[0]).click()
    frame.locator(".leaflet-popup-content").wait_for(state="visible")
    assert "Source:" in frame.locator(".leaflet-popup-content").inner_text()
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts_dir / "site_lesson02.png"))
    _clean(browser_page)


def test_quiz_on_the_site_folds_its_answers(course_site, browser_page, artifacts_dir):
    page = browser_page.page
    _open(page, f"{course_site}/notebooks/05_gsomia.html")
    answers = page.locator("details.kit-quiz-answer")
    assert answers.count() >= 3
    first = answers.first
    first.scroll_into_view_if_needed()
    assert first.get_attribute("open") is None
    assert not first.get_by_text("Explanation.").is_visible(), "answers are folded until opened"
    first.locator("summary").click()
    assert first.get_by_text("Explanation.").is_visible()
    page.screenshot(path=str(artifacts_dir / "site_quiz.png"))
    _clean(browser_page)


def test_data_dictionary_page_lists_every_dataset_and_field(course_site, browser_page):
    page = browser_page.page
    _open(page, f"{course_site}/site/data_dictionary.html")
    text = page.locator("main").inner_text()
    for name in data.list_datasets():
        assert f"{name}:" in text, name
    assert page.locator("table").count() == len(data.list_datasets())
    assert "Latitude, decimal degrees WGS84." in text
    _clean(browser_page)


def test_every_page_of_the_site_loads_with_the_network_cut(course_site, browser_page):
    from conftest import SITE

    page = browser_page.page
    pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                   if "_static" not in p.parts and p.name not in ("genindex.html", "search.html"))
    assert len(pages) >= 15
    for name in pages:
        _open(page, f"{course_site}/{name}")
        # index.html redirects to site/index.html; the wait follows it.
        page.locator("main, article").first.wait_for(state="attached", timeout=30_000)
        assert page.locator("main, article").count() >= 1, name
    _clean(browser_page)
