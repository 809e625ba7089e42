"""Maps with no network: bundled web assets at folium's pinned versions, inlined; the bundled basemap."""

from __future__ import annotations

import json
import re
import warnings

import folium
import folium.plugins
import pytest

from eastasia_security import data, maps, offline, paths


def _external_resources(html: str) -> list[str]:
    """URLs of scripts, stylesheets, images and fonts a page would fetch from the network."""
    found = re.findall(r"<script[^>]*\ssrc=[\"']((?:https?:)?//[^\"']+)", html)
    found += re.findall(r"<link[^>]*\shref=[\"']((?:https?:)?//[^\"']+)", html)
    found += re.findall(r"url\(\s*[\"']?((?:https?:)?//[^\"')]+)", html)
    found += re.findall(r"@import\s+[\"']((?:https?:)?//[^\"']+)", html)
    return found


def _point_in_ring(lon, lat, ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _is_land(lat, lon, tier) -> bool:
    collection = json.loads(offline.basemap_data(tier))
    for feature in collection["features"]:
        if feature["properties"]["kind"] == "land":
            for polygon in feature["geometry"]["coordinates"]:
                if _point_in_ring(lon, lat, polygon[0]) and not any(_point_in_ring(lon, lat, h) for h in polygon[1:]):
                    return True
    return False


def test_every_file_folium_links_for_kit_maps_is_bundled_with_its_licence():
    wanted = [url for name, url in folium.Map.default_js + folium.Map.default_css
              if name not in maps._UNUSED_CSS]
    wanted += [url for _, url in folium.plugins.Fullscreen.default_js + folium.plugins.Fullscreen.default_css]
    missing = [url for url in wanted if offline.local_file(url) is None or not offline.local_file(url).is_file()]
    assert missing == [], f"folium links files the kit does not bundle (run tools/build_assets.py): {missing}"
    for asset in offline.CDN_FILES.values():
        folder = offline.web_dir() / asset.folder
        assert (folder / "LICENSE.txt").stat().st_size > 500, asset.folder
        for _, extra in asset.extra_files:
            assert (folder / extra).is_file(), f"{asset.folder}/{extra}"
        # The version in the CDN URL folium writes is the version bundled (awesome-markers aside, see its note).
        urls = [u for u, a in offline.CDN_FILES.items() if a == asset]
        assert all(asset.npm_version in u for u in urls) or asset.note, urls


def test_saved_full_map_fetches_nothing_from_the_network(tmp_path):
    path = tmp_path / "full.html"
    with warnings.catch_warnings():
        warnings.simplefilter("error", offline.OfflineWarning)
        maps.full_map().save(str(path))
    html = path.read_text(encoding="utf-8")
    assert _external_resources(html) == []
    assert 'data-kit-asset="leaflet"' in html and "L.Icon.Default.mergeOptions" in html
    assert "Sea of Japan (East Sea)" in html
    # Bootstrap, Font Awesome and the awesome-markers plugin serve folium.Icon markers only.
    assert "fa-solid-900" not in html and "bootstrap" not in html.lower().split("</head>")[0]


def test_a_map_with_icon_markers_gets_font_awesome_and_its_fonts_inline(tmp_path):
    m = maps.base_map()
    folium.Marker([35.68, 139.69], icon=folium.Icon(icon="star", prefix="fa", color="blue")).add_to(m)
    path = tmp_path / "icons.html"
    m.save(str(path))
    html = path.read_text(encoding="utf-8")
    assert _external_resources(html) == []
    assert 'data-kit-asset="awesome_markers_font_css"' in html
    assert "data:font/woff2;base64," in html, "Font Awesome's fonts are in the page"
    assert "data:image/png;base64," in html, "the marker images are in the page"


def test_a_plugin_the_kit_does_not_bundle_is_named_in_a_warning():
    m = maps.base_map()
    folium.plugins.MarkerCluster().add_to(m)
    with pytest.warns(offline.OfflineWarning, match="leaflet.markercluster"):
        m.get_root().render()


def test_online_tiles_are_an_optional_second_base_layer():
    html = maps.base_map().get_root().render()
    assert html.count("L.tileLayer(") == 1
    assert '"OpenStreetMap (online)"' in html and '"Natural Earth basemap (offline)"' in html
    # The tile layer is created but not added to the map: only the layer control can show it.
    tile_var = re.search(r"var (tile_layer_\w+) = L\.tileLayer\(", html).group(1)
    assert f"{tile_var}.addTo(" not in html
    assert "L.tileLayer(" not in maps.base_map(online_tiles=None).get_root().render()


def test_world_basemap_only_on_maps_that_reach_beyond_the_region():
    regional = maps.base_map()
    maps.places_layer("capital", place_ids=["seoul", "tokyo", "pyongyang"]).add_to(regional)
    html = regional.get_root().render()
    assert '"scale":"1:10m"' in html and '"scale":"1:50m"' in html and '"scale":"1:110m"' not in html
    world = maps.base_map()
    maps.range_rings("sunan", missile_class="ICBM").add_to(world)
    html = world.get_root().render()
    assert '"scale":"1:110m"' in html and "[-360, 0, 360]" in html


def test_basemap_has_land_where_land_is_and_sea_where_sea_is():
    core, region, world = offline.BASEMAP_TIERS
    places = data.load("places").set_index("place_id")
    # The small islands matter to the lessons (the NLL, Ulleungdo): simplification must keep them.
    for place in ["seoul", "pyongyang", "tokyo", "sapporo", "busan", "baengnyeongdo", "yeonpyeongdo", "ulleungdo"]:
        assert _is_land(places.loc[place, "lat"], places.loc[place, "lon"], core), place
    for lat, lon in [(40.0, 134.0), (35.8, 123.9), (30.5, 127.0)]:   # Sea of Japan (East Sea), Yellow Sea, ECS
        assert not _is_land(lat, lon, core), (lat, lon)
    assert _is_land(39.9, 116.4, region) and _is_land(13.47, 144.75, region)    # Beijing, Guam
    assert _is_land(38.9, -77.0, world) and not _is_land(20.0, -150.0, world)   # Washington; the Pacific
    kinds = {t.file: {f["properties"]["kind"] for f in json.loads(offline.basemap_data(t))["features"]}
             for t in offline.BASEMAP_TIERS}
    assert all(k == {"land", "coastline", "border"} for k in kinds.values()), kinds


def test_bundled_assets_are_inside_the_package():
    assert paths.assets_dir().parent.name == "eastasia_security"
    sizes = {p.name: p.stat().st_size for p in (paths.assets_dir() / "basemap").glob("*.geojson")}
    assert sum(sizes.values()) < 600_000, sizes


def test_site_pages_can_share_one_copy_of_the_assets_but_never_a_cdn(monkeypatch):
    monkeypatch.setenv(offline.SHARED_ASSETS_ENV, "../_static/web")
    html = maps.base_map().get_root().render()
    assert '<script data-kit-asset="leaflet" src="../_static/web/leaflet@1.9.3/dist/leaflet.js">' in html
    assert '<link data-kit-asset="leaflet_css" rel="stylesheet" href="../_static/web/leaflet@1.9.3/dist/leaflet.css"/>' in html
    assert _external_resources(html) == [] and "L.Icon.Default.mergeOptions" not in html
    assert '"kind":"land"' in html, "the basemap stays inside the map"
    monkeypatch.setenv(offline.SHARED_ASSETS_ENV, "https://cdn.example.org/kit")
    with pytest.raises(ValueError, match="same site"):
        maps.base_map().get_root().render()
