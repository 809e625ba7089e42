"""Saved kit maps opened in real Chromium with the network cut: land is drawn, popups open, nothing errors."""

from __future__ import annotations

from conftest import basemap_colours_at

from eastasia_security import data, maps

PERIOD = ("2022-01-01", "2022-06-05")   # the editorial's "17 launches"

#: Points that are land on any map of the region, and sea (lat, lon).
LAND = [(45.8, 126.6), (36.2, 138.3), (38.6, 127.2)]      # Harbin, central Honshu, Korea near the DMZ
SEA = [(40.0, 134.0), (35.8, 123.9)]                     # Sea of Japan (East Sea), Yellow Sea


def _expected_counts():
    places = data.load("places")
    launches = data.load("missile_launches")
    in_period = launches[(launches["date_kst"] >= PERIOD[0]) & (launches["date_kst"] <= PERIOD[1])
                         & (launches["launch_kind"] != "rocket_artillery")]   # maps show missiles only
    types = data.load("missile_types")
    icbm_radii = types[(types["missile_class"] == "ICBM")]["range_high_km"].dropna().nunique()
    return {
        "kit-place": int(places["kind"].isin(["capital", "us_force"]).sum()),
        "kit-launch": int(in_period["launch_place_id"].dropna().nunique()),
        "kit-ring": int(icbm_radii),
        "kit-line": int(data.load("lines")["line_id"].nunique()),
    }


def _open(page, path):
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-container .leaflet-overlay-pane svg path")
    page.wait_for_selector("path.kit-basemap-land", state="attached")
    page.wait_for_load_state("load")


def test_saved_map_draws_land_markers_rings_and_popups_offline(browser_page, artifacts_dir, tmp_path):
    m = maps.base_map()
    maps.places_layer(["capital", "us_force"]).add_to(m)
    maps.launches_layer(start=PERIOD[0], end=PERIOD[1]).add_to(m)
    maps.range_rings("sunan", missile_class="ICBM").add_to(m)
    maps.demarcation_lines().add_to(m)
    saved = tmp_path / "map.html"
    m.save(str(saved))

    page, web = browser_page.page, browser_page.web
    _open(page, saved)

    for css_class, expected in _expected_counts().items():
        assert page.locator(f"path.{css_class}").count() == expected, css_class
    assert page.locator(".kit-legend").count() == 1
    assert "Sea of Japan (East Sea)" in page.locator(".kit-sea-label").all_inner_texts()
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1
    assert basemap_colours_at(page, LAND + SEA, "saved_map_basemap") == ["land"] * len(LAND) + ["sea"] * len(SEA)

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
    assert web.outside == [], "the page asked the network for files"
    assert web.failed == []


def test_saved_full_map_draws_world_land_under_icbm_rings_offline(browser_page, artifacts_dir, tmp_path):
    saved = tmp_path / "full.html"
    maps.full_map().save(str(saved))
    page = browser_page.page
    _open(page, saved)
    # Zoom out over the Pacific: the rings reach North America, which lies east of the antimeridian.
    page.evaluate("() => { const m = window[document.querySelector('.leaflet-container').id];"
                  " m.setView([35, 190], 2, {animate: false}); }")
    page.wait_for_timeout(300)
    world_land = [(40.0, -100.0 + 360), (60.0, 100.0), (-25.0, 134.0)]   # USA (a turn east), Siberia, Australia
    world_sea = [(20.0, -150.0 + 360), (30.0, 160.0)]                   # central and western Pacific
    assert basemap_colours_at(page, world_land + world_sea, "full_map_world_basemap") == \
        ["land"] * len(world_land) + ["sea"] * len(world_sea)
    assert page.locator("path.kit-ring").count() >= 2
    page.screenshot(path=str(artifacts_dir / "full_map_world.png"))

    # The layer control offers the online tiles as a second base layer, not shown by default.
    page.locator(".leaflet-control-layers").hover()
    labels = page.locator(".leaflet-control-layers-base label").all_inner_texts()
    assert [label.strip() for label in labels] == ["Natural Earth basemap (offline)", "OpenStreetMap (online)"]
    assert page.locator(".leaflet-tile").count() == 0
    assert browser_page.console_errors == []
    assert browser_page.web.outside == []
