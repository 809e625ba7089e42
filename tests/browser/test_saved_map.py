"""A saved kit map opened in real Chromium: it draws, its popups open, nothing errors."""

from __future__ import annotations

from eastasia_security import data, maps

PERIOD = ("2022-01-01", "2022-06-05")   # the editorial's "17 launches"


def _expected_counts():
    places = data.load("places")
    launches = data.load("missile_launches")
    in_period = launches[(launches["date_kst"] >= PERIOD[0]) & (launches["date_kst"] <= PERIOD[1])]
    types = data.load("missile_types")
    icbm_radii = types[(types["missile_class"] == "ICBM")]["range_high_km"].dropna().nunique()
    return {
        "kit-place": int(places["kind"].isin(["capital", "us_force"]).sum()),
        "kit-launch": int(in_period["launch_place_id"].dropna().nunique()),
        "kit-ring": int(icbm_radii),
        "kit-line": int(data.load("lines")["line_id"].nunique()),
    }


def test_saved_map_draws_markers_rings_and_popups(browser_page, artifacts_dir, tmp_path):
    m = maps.base_map()
    maps.places_layer(["capital", "us_force"]).add_to(m)
    maps.launches_layer(start=PERIOD[0], end=PERIOD[1]).add_to(m)
    maps.range_rings("sunan", missile_class="ICBM").add_to(m)
    maps.demarcation_lines().add_to(m)
    saved = tmp_path / "map.html"
    m.save(str(saved))

    page, web = browser_page.page, browser_page.web
    page.goto(saved.as_uri())
    page.wait_for_selector(".leaflet-container .leaflet-overlay-pane svg path")
    page.wait_for_load_state("networkidle")

    for css_class, expected in _expected_counts().items():
        assert page.locator(f"path.{css_class}").count() == expected, css_class
    assert page.locator(".kit-legend").count() == 1
    assert "Sea of Japan (East Sea)" in page.locator(".kit-sea-label").all_inner_texts()
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1

    # Click the launch marker with the most events (drawn on top of the place markers).
    biggest = max(range(page.locator("path.kit-launch").count()),
                  key=lambda i: page.locator("path.kit-launch").nth(i).bounding_box()["width"])
    page.locator("path.kit-launch").nth(biggest).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "Pyongyang Sunan International Airport" in text and "2022-" in text
    assert popup.locator("a[href^='http']").count() >= 1, "each event row links to its source"

    page.wait_for_timeout(400)  # let the popup's fade-in and auto-pan finish before the picture
    page.screenshot(path=str(artifacts_dir / "saved_map.png"), full_page=True)
    assert browser_page.console_errors == []
    assert web.unexpected == [], "requests outside the CDN/tile lists"
    assert web.missing == [], "CDN files missing from node_modules"
    assert any("leaflet" in url for url in web.served)
    assert web.tiles, "tile requests were answered with blank tiles"
