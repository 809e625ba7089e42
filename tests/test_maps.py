"""Folium builders: what they draw, how they describe it, and the size of a saved map."""

from __future__ import annotations

import re

import folium
import pytest
from geographiclib.geodesic import Geodesic

from eastasia_security import data, geo, maps


def _walk(element):
    for child in element._children.values():
        yield child
        yield from _walk(child)


def _of_type(element, kind):
    return [c for c in _walk(element) if type(c) is kind]


def test_full_map_saved_with_all_layers_and_its_offline_assets_is_at_most_1_5_megabytes(tmp_path):
    m = maps.full_map()
    path = tmp_path / "full.html"
    m.save(str(path))
    size = path.stat().st_size
    assert size <= 1_500_000, f"saved map is {size:,} bytes"
    html = path.read_text(encoding="utf-8")
    assert "Sea of Japan (East Sea)" in html
    assert "glyphicons" not in html, "stylesheets no kit map uses are left out"


def test_no_folium_circle_is_used_for_ranges_and_ring_vertices_are_on_the_geodesic():
    layer = maps.range_rings("sunan", missile_class="ICBM")
    assert not _of_type(layer, folium.Circle)
    lines = _of_type(layer, folium.PolyLine)
    radii = sorted(data.load("missile_types").query("missile_class == 'ICBM'")["range_high_km"].dropna().unique())
    assert len(lines) == len(radii)
    lat0, lon0 = geo.resolve("sunan")
    for line, radius in zip(lines, radii):
        points = [p for piece in line.locations for p in piece]
        for lat, lon in points:
            s12 = Geodesic.WGS84.Inverse(lat0, lon0, lat, lon)["s12"] / 1000
            assert abs(s12 - radius) / radius < 0.001


def test_places_layer_has_one_marker_per_place_and_popups_cite_sources():
    layer = maps.places_layer(["capital", "us_force"])
    places = data.load("places")
    expected = places[places["kind"].isin(["capital", "us_force"])]
    markers = _of_type(layer, folium.CircleMarker)
    assert len(markers) == len(expected)
    assert sorted(tuple(m.location) for m in markers) == sorted(zip(expected["lat"], expected["lon"]))
    html = folium.Map().add_child(layer).get_root().render()
    assert html.count("Source: <a href=") == len(expected)


def test_launches_layer_filters_by_period_and_class():
    layer = maps.launches_layer(start="2022-01-01", end="2022-06-05")
    launches = data.load("missile_launches")
    period = launches[(launches["date_kst"] >= "2022-01-01") & (launches["date_kst"] <= "2022-06-05")]
    assert (period["launch_kind"] == "rocket_artillery").any()     # 20 March: counted, but not a missile
    period = period[period["launch_kind"] != "rocket_artillery"]
    markers = [m for m in _of_type(layer, folium.CircleMarker) if m.options.get("className") == "kit-launch"]
    assert len(markers) == period["launch_place_id"].nunique()
    assert f"{len(period)} events" in maps.describe(layer)
    icbm = maps.launches_layer(start="2022-01-01", end="2022-06-05", classes=["ICBM"])
    icbm_markers = [m for m in _of_type(icbm, folium.CircleMarker) if m.options.get("className") == "kit-launch"]
    assert len(icbm_markers) == period.query("missile_class == 'ICBM'")["launch_place_id"].nunique()
    with pytest.raises(ValueError, match="Unknown missile class"):
        maps.launches_layer(classes=["ABM"])


def test_landing_points_follow_the_announcement():
    layer = maps.launches_layer(start="2017-11-29", end="2017-11-29")
    landing = [m for m in _of_type(layer, folium.CircleMarker) if m.options.get("className") == "kit-landing"]
    assert len(landing) == 1
    # Japan MOD: about 250 km west of Aomori.
    assert geo.distance_km("aomori", tuple(landing[0].location)) == pytest.approx(250, abs=0.01)
    assert geo.bearing_deg("aomori", tuple(landing[0].location)) == pytest.approx(270, abs=2)


def test_demarcation_lines_are_labelled_approximate_and_schematic_with_sources():
    layer = maps.demarcation_lines()
    lines = _of_type(layer, folium.PolyLine)
    assert len(lines) == data.load("lines")["line_id"].nunique()
    html = folium.Map().add_child(layer).get_root().render()
    assert "approximate" in html and "Schematic sketch, not for measuring" in html
    assert "naturalearthdata.com" in html and "wikipedia.org/wiki/Northern_Limit_Line" in html
    nll = [line for line in lines if "kit-line-nll" in line.options["className"]][0]
    assert nll.options["dashArray"], "the schematic NLL is dashed"


def test_distance_line_label_matches_the_geodesic():
    layer = maps.distance_line("pyongyang", "tokyo")
    km = geo.distance_km("pyongyang", "tokyo")
    label = _of_type(layer, folium.DivIcon)[0]
    assert f"{km:,.0f} km" in label.options["html"]
    assert f"{km:,.0f} km" in maps.describe(layer)


def test_map_description_lists_every_layer_in_order():
    m = maps.base_map()
    maps.places_layer("capital").add_to(m)
    maps.distance_line("seoul", "pyongyang").add_to(m)
    text = maps.describe(m).splitlines()
    assert text[0].startswith("Map centred on")
    assert text[1].startswith("- Sea names: Sea of Japan (East Sea)")
    assert text[2].startswith("- Places (Capital)") and text[3].startswith("- Distance Seoul to Pyongyang")
    with pytest.raises(ValueError, match="no description"):
        maps.describe(folium.Map())


def test_layer_control_and_legend_come_after_the_layers_in_the_page():
    m = maps.base_map()
    maps.places_layer("capital").add_to(m)
    html = m.get_root().render()
    layers_defined = [mt.start() for mt in re.finditer(r"var feature_group_\w+ = L\.featureGroup", html)]
    assert html.index("L.control.layers") > max(layers_defined)
    assert html.count('"kit-legend leaflet-control"') == 1
    html_again = m.get_root().render()      # rendering twice adds no second legend or control
    assert html_again.count("L.control.layers") == 1


def test_popup_text_from_the_data_is_escaped(datasets_copy, monkeypatch):
    from kit_testing import set_cell

    set_cell(datasets_copy, "places.csv", "place_id", "seoul", "notes", "<script>alert(1)</script>")
    monkeypatch.setenv("EASTASIA_SECURITY_DATASETS", str(datasets_copy))
    html = folium.Map().add_child(maps.places_layer("capital")).get_root().render()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
