"""The explorers respond to their controls the way a student would see it."""

from __future__ import annotations

import folium

from eastasia_security import data, explore, geo


def _ring_points(m):
    for child in m._children.values():
        for grandchild in child._children.values():
            if isinstance(grandchild, folium.PolyLine) and grandchild.options.get("className") == "kit-ring":
                return [p for piece in grandchild.locations for p in piece]
    raise AssertionError("no range ring on the map")


def test_range_explorer_ring_and_table_follow_the_controls():
    explorer = explore.RangeExplorer(place="sunan", missile_type="kn-23")
    outputs = (explorer.map_output, explorer.table_output)
    short_table, short_html = explorer.table.copy(), explorer.map_output.value
    lat, lon = geo.resolve("sunan")
    assert geo.distance_km((lat, lon), _ring_points(explorer.map)[0]) == __import__("pytest").approx(690, rel=1e-3)
    assert "tokyo" not in set(short_table["place_id"])

    explorer.missile_type.value = "hwasong-12"          # 4,500 km
    assert geo.distance_km((lat, lon), _ring_points(explorer.map)[0]) == __import__("pytest").approx(4500, rel=1e-3)
    assert {"tokyo", "andersen-afb"} <= set(explorer.table["place_id"])
    assert len(explorer.table) > len(short_table)
    assert explorer.map_output.value != short_html
    assert "Tokyo" in explorer.table_output.value

    explorer.place.value = "sinpo"
    assert geo.distance_km("sinpo", _ring_points(explorer.map)[0]) == __import__("pytest").approx(4500, rel=1e-3)
    # Same output widgets updated in place: nothing stacked below the cell.
    assert (explorer.map_output, explorer.table_output) == outputs
    assert list(explorer.table["distance_km"]) == sorted(explorer.table["distance_km"])


def test_timeline_explorer_counts_and_markers_follow_the_controls():
    explorer = explore.TimelineExplorer(start="2022-01", end="2022-12")
    launches = data.load("missile_launches")
    in_2022 = launches[launches["date_kst"].dt.year == 2022]
    # Rocket-artillery salvoes are in the record for counting, but the explorer shows missiles.
    assert (in_2022["launch_kind"] == "rocket_artillery").sum() == 3
    in_2022 = in_2022[in_2022["launch_kind"] != "rocket_artillery"]
    assert int(explorer.counts["events"].sum()) == len(in_2022)
    assert len(explorer.counts) == 12
    october = explorer.counts.set_index("month").loc["2022-10", "events"]
    assert october == int((in_2022["date_kst"].dt.month == 10).sum())

    explorer.classes.value = ("SRBM",)
    assert int(explorer.counts["events"].sum()) == int((in_2022["missile_class"] == "SRBM").sum())
    assert "SRBM" in explorer.description and "ICBM" not in explorer.description.split("Missile launches")[1]

    months = explorer.period.options
    explorer.period.value = (months[explorer.period.index[0]][1], months[explorer.period.index[0] + 2][1])
    assert len(explorer.counts) == 3
    assert "Launch events by month" in explorer.counts_output.value

    explorer.classes.value = ()
    assert int(explorer.counts["events"].sum()) == 0
    assert "Missile launches" not in explorer.description
