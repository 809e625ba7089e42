"""Geodesy checked against an independent implementation (geographiclib) and published figures."""

from __future__ import annotations

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

from eastasia_security import geo

REFERENCE = Geodesic.WGS84

PAIRS = [
    ("pyongyang", "tokyo"),
    ("pyongyang", "hagatna"),
    ("seoul", "pyongyang"),
    ("sunan", "andersen-afb"),
    ("pyongyang", "honolulu"),      # crosses the antimeridian
    ("pyongyang", "washington"),    # crosses the antimeridian, passes near the Arctic
    ("tonghae", "anchorage"),
]


@pytest.mark.parametrize("a,b", PAIRS)
def test_distance_and_bearing_agree_with_geographiclib_to_a_metre(a, b):
    (lat1, lon1), (lat2, lon2) = geo.resolve(a), geo.resolve(b)
    reference = REFERENCE.Inverse(lat1, lon1, lat2, lon2)
    assert abs(geo.distance_km(a, b) * 1000 - reference["s12"]) < 1.0
    assert abs(((geo.bearing_deg(a, b) - reference["azi1"]) + 180) % 360 - 180) < 1e-6


# Published figures, with what they measured and how they were rounded. A
# figure given to the nearest 100 km can only be checked to that precision.
PUBLISHED = [
    # (from, to, published km, rounding unit km, source)
    (geo.resolve("pyongyang"), geo.resolve("hagatna"), 3400, 100,
     "Bloomberg, 2017-08-10: Guam is 'about 2,100 miles (3,400 kilometers) south-east of Pyongyang'"),
    ((37.5866, 126.9748), (39.0194, 125.7533), 200, 40,
     "AP, 2017-11-07: the Blue House is '125 miles (200 kilometers)' from Kim Il Sung Square (rounded to 25 miles)"),
]


@pytest.mark.parametrize("a,b,published,unit,source", PUBLISHED, ids=["guam", "seoul"])
def test_distances_match_published_figures(a, b, published, unit, source):
    ours = geo.distance_km(a, b)
    # Within 0.5 %, or within half the rounding unit of a coarsely rounded figure.
    allowed = max(0.005 * published, unit / 2)
    assert abs(ours - published) <= allowed, f"{ours:.1f} km vs {published} km ({source})"


def test_pyongyang_guam_within_half_a_percent_of_the_published_figure():
    ours = geo.distance_km("pyongyang", "hagatna")
    assert abs(ours - 3400) / 3400 < 0.005


@pytest.mark.parametrize("radius_km", [1000, 10000, 13000])
@pytest.mark.parametrize("center", [(39.04, 125.76), (52.0, 179.5), (-70.0, 20.0)])
def test_every_ring_vertex_is_at_the_radius_within_0_1_percent(center, radius_km):
    ring = geo.range_ring(*center, radius_km)
    for lat, lon in ring:
        s12 = REFERENCE.Inverse(center[0], center[1], lat, lon)["s12"] / 1000
        assert abs(s12 - radius_km) / radius_km < 0.001


def test_ring_is_closed_and_continuous_across_the_antimeridian():
    ring = geo.range_ring(52.0, 179.5, 1000)   # straddles 180 degrees
    lons = np.array([lon for _, lon in ring])
    assert np.max(np.abs(np.diff(lons))) < 10, "a jump would draw a line across the whole map"
    assert ring[0][0] == pytest.approx(ring[-1][0]) and ring[0][1] == pytest.approx(ring[-1][1])
    assert lons.max() > 180 or lons.min() < -180, "longitudes stay continuous rather than wrapping"
    assert len(geo.segments(ring)) == 1


def test_icbm_ring_round_the_north_pole_spans_the_globe_without_jumps():
    ring = geo.range_ring(39.04, 125.76, 13000)
    lons = np.array([lon for _, lon in ring])
    assert geo.encloses_pole((39.04, 125.76), 13000) == ["north"]
    assert abs(lons[-1] - lons[0]) == pytest.approx(360, abs=1e-6)
    assert np.max(np.abs(np.diff(lons))) < 10
    assert len(geo.segments(ring)) == 1


def test_ring_through_the_pole_is_split_rather_than_drawn_across_the_map():
    # A ring from 80N whose radius reaches the pole passes (almost) through it.
    radius = REFERENCE.Inverse(80, 0, 90, 0)["s12"] / 1000
    ring = geo.range_ring(80.0, 0.0, radius, n_points=360)
    pieces = geo.segments(ring)
    for piece in pieces:
        lons = np.array([lon for _, lon in piece])
        assert np.max(np.abs(np.diff(lons))) <= 90


def test_path_over_the_pole_is_split():
    line = geo.path((80.0, 0.0), (80.0, 180.0), n_points=41)
    assert max(lat for lat, _ in line) > 89.9
    pieces = geo.segments(line)
    assert len(pieces) == 2
    for piece in pieces:
        assert np.max(np.abs(np.diff([lon for _, lon in piece]))) <= 90


def test_path_across_the_antimeridian_is_continuous():
    line = geo.path("pyongyang", "honolulu")
    lons = np.array([lon for _, lon in line])
    assert np.max(np.abs(np.diff(lons))) < 10
    assert lons[-1] > 180   # Honolulu drawn east of the antimeridian, next to Korea
    for lat, lon in line[1:-1]:  # every point lies on the geodesic: distances add up
        total = geo.distance_km("pyongyang", (lat, lon)) + geo.distance_km((lat, lon), "honolulu")
        assert total == pytest.approx(geo.distance_km("pyongyang", "honolulu"), rel=1e-6)


def test_destination_inverts_bearing_and_distance():
    bearing, km = geo.bearing_deg("sunan", "tokyo"), geo.distance_km("sunan", "tokyo")
    lat, lon = geo.destination("sunan", bearing, km)
    assert geo.distance_km((lat, lon), "tokyo") < 0.001


def test_within_agrees_with_distance_km_and_sorts_nearest_first():
    table = geo.within("pyongyang", 1300, kinds=["capital", "city"])
    assert list(table["distance_km"]) == sorted(table["distance_km"])
    for _, row in table.iterrows():
        assert row["distance_km"] == pytest.approx(geo.distance_km("pyongyang", row["place_id"]), abs=0.05)
    assert "tokyo" in set(table["place_id"]) and "sapporo" not in set(table["place_id"])


def test_bad_points_get_clear_errors():
    with pytest.raises(KeyError, match="Did you mean 'pyongyang'"):
        geo.resolve("pyongyng")
    with pytest.raises(ValueError, match="swap"):
        geo.resolve((125.76, 39.04))
    with pytest.raises(ValueError, match="positive"):
        geo.range_ring(39.0, 125.7, 0)
    with pytest.raises(ValueError, match="compass"):
        geo.destination("tokyo", "WNW", 10)
