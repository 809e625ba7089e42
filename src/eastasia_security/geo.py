"""Distances, bearings, range rings and paths on the WGS84 ellipsoid.

Every calculation uses :class:`pyproj.Geod` (Karney's geodesic algorithms),
so distances are right to well under a metre anywhere on Earth, including
across the antimeridian and over the poles. Places are given either as a
``place_id`` from the ``places`` dataset or as a ``(lat, lon)`` pair.

>>> from eastasia_security import geo
>>> round(geo.distance_km("pyongyang", "tokyo"))
1287
>>> round(geo.bearing_deg("pyongyang", "tokyo"))
102
>>> ring = geo.range_ring(39.04, 125.76, 1000)
>>> round(geo.distance_km((39.04, 125.76), ring[0]))
1000
"""

from __future__ import annotations

import difflib
import math
from typing import Iterable, Sequence, Union

import numpy as np
import pandas as pd
from pyproj import Geod

__all__ = [
    "WGS84",
    "Point",
    "resolve",
    "distance_km",
    "bearing_deg",
    "inverse",
    "destination",
    "range_ring",
    "path",
    "segments",
    "encloses_pole",
    "distances_from",
    "within",
    "COMPASS_DEG",
    "radar_horizon_km",
]

#: The ellipsoid every function here uses.
WGS84 = Geod(ellps="WGS84")

#: A point: a place_id from the places dataset, or (latitude, longitude) in degrees.
Point = Union[str, Sequence[float]]

#: Degrees clockwise from north for the compass points the datasets use.
COMPASS_DEG = {"N": 0.0, "NE": 45.0, "E": 90.0, "SE": 135.0, "S": 180.0, "SW": 225.0, "W": 270.0, "NW": 315.0}

#: Consecutive vertices further apart than this in longitude mean the line
#: went over a pole; :func:`segments` breaks the line there.
_POLE_JUMP_DEG = 90.0


def _places() -> pd.DataFrame:
    from . import data  # imported here so that `geo` works on plain coordinates without loading data

    return data.load("places").set_index("place_id")


def resolve(point: Point) -> tuple[float, float]:
    """Return ``(lat, lon)`` for a place_id or a ``(lat, lon)`` pair, checking the values.

    >>> resolve("seoul")
    (37.5665, 126.978)
    >>> resolve((35.0, 135.0))
    (35.0, 135.0)
    """
    if isinstance(point, str):
        places = _places()
        if point not in places.index:
            close = difflib.get_close_matches(point, list(places.index), n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"No place called {point!r} in the places dataset.{hint}")
        row = places.loc[point]
        return float(row["lat"]), float(row["lon"])
    try:
        lat, lon = (float(v) for v in point)
    except (TypeError, ValueError):
        raise TypeError(f"A point is a place_id or a (lat, lon) pair of numbers, not {point!r}") from None
    if not (-90.0 <= lat <= 90.0) or math.isnan(lat):
        raise ValueError(f"Latitude {lat} is outside -90..90; did you swap latitude and longitude?")
    if not (-540.0 <= lon <= 540.0) or math.isnan(lon):
        raise ValueError(f"Longitude {lon} is not a longitude in degrees")
    return lat, lon


def inverse(lat1, lon1, lat2, lon2):
    """Vectorised inverse problem: ``(forward azimuth deg 0-360, back azimuth deg, distance km)``.

    Accepts scalars or equal-length arrays.

    >>> az, back, km = inverse([39.04, 37.57], [125.76, 126.98], [35.69, 35.69], [139.69, 139.69])
    >>> [round(k) for k in km]
    [1287, 1155]
    """
    az12, az21, metres = WGS84.inv(np.asarray(lon1, float), np.asarray(lat1, float),
                                   np.asarray(lon2, float), np.asarray(lat2, float))
    return np.mod(az12, 360.0), np.mod(az21, 360.0), np.asarray(metres) / 1000.0


def distance_km(a: Point, b: Point) -> float:
    """Geodesic distance in kilometres between two points on the WGS84 ellipsoid.

    >>> round(distance_km("seoul", "pyongyang"))
    195
    """
    (lat1, lon1), (lat2, lon2) = resolve(a), resolve(b)
    return float(inverse(lat1, lon1, lat2, lon2)[2])


def bearing_deg(a: Point, b: Point) -> float:
    """Initial bearing (degrees clockwise from true north, 0-360) from ``a`` towards ``b``.

    >>> round(bearing_deg("pyongyang", "hagatna"))
    141
    """
    (lat1, lon1), (lat2, lon2) = resolve(a), resolve(b)
    return float(inverse(lat1, lon1, lat2, lon2)[0])


def destination(start: Point, bearing: float | str, distance: float) -> tuple[float, float]:
    """The point ``distance`` km from ``start`` along the initial ``bearing``.

    ``bearing`` is degrees from north or a compass point such as ``"W"``.

    >>> lat, lon = destination("aomori", "W", 250)
    >>> round(lat, 1), round(lon, 1)
    (40.8, 137.8)
    """
    lat, lon = resolve(start)
    if isinstance(bearing, str):
        if bearing not in COMPASS_DEG:
            raise ValueError(f"Unknown compass point {bearing!r}; use one of {', '.join(COMPASS_DEG)}")
        bearing = COMPASS_DEG[bearing]
    lon2, lat2, _ = WGS84.fwd(lon, lat, float(bearing), float(distance) * 1000.0)
    return float(lat2), float(((lon2 + 180.0) % 360.0) - 180.0)


def _unwrapped(lons: np.ndarray, near: float) -> np.ndarray:
    """Longitudes made continuous (no jumps of 360) and shifted next to ``near``."""
    lons = np.rad2deg(np.unwrap(np.deg2rad(lons)))
    shift = 360.0 * np.round((near - lons[0]) / 360.0)
    return lons + shift


def _ring_vertex_count(radius_km: float) -> int:
    # About one vertex per 2 degrees of azimuth for long ranges, fewer for
    # short ones: smooth on screen, small in a saved HTML file.
    return int(min(180, max(72, math.ceil(radius_km / 60.0))))


def range_ring(lat: float, lon: float, radius_km: float, n_points: int | None = None) -> list[tuple[float, float]]:
    """A geodesic circle: points ``radius_km`` from ``(lat, lon)`` at evenly spaced azimuths.

    The list is closed (last point = first point, up to 360 degrees of
    longitude) and its longitudes are continuous, so drawn as a polyline it
    never jumps across the map at the antimeridian. A ring that encloses a
    pole spans a full 360 degrees of longitude; see :func:`encloses_pole`.

    >>> encloses_pole((39.04, 125.76), 13000)
    ['north']
    """
    if radius_km <= 0:
        raise ValueError(f"radius_km must be positive, not {radius_km}")
    if radius_km >= 20003.0:
        raise ValueError("radius_km must be shorter than half the Earth's circumference (about 20,000 km)")
    lat, lon = resolve((lat, lon))
    n = n_points or _ring_vertex_count(radius_km)
    azimuths = np.linspace(0.0, 360.0, n + 1)
    lons, lats, _ = WGS84.fwd(np.full(n + 1, lon), np.full(n + 1, lat), azimuths, np.full(n + 1, radius_km * 1000.0))
    lons = _unwrapped(np.asarray(lons), lon)
    return [(float(a), float(o)) for a, o in zip(lats, lons)]


def path(a: Point, b: Point, n_points: int | None = None) -> list[tuple[float, float]]:
    """Points along the geodesic (shortest path) from ``a`` to ``b``, ends included.

    Longitudes are continuous, so a path across the antimeridian stays in one piece.

    >>> line = path("pyongyang", "washington")
    >>> max(lat for lat, lon in line) > 60   # the shortest way passes near the Arctic
    True
    """
    (lat1, lon1), (lat2, lon2) = resolve(a), resolve(b)
    km = float(inverse(lat1, lon1, lat2, lon2)[2])
    n = n_points or int(min(200, max(2, math.ceil(km / 50.0))))
    middle = WGS84.npts(lon1, lat1, lon2, lat2, max(n - 2, 0)) if n > 2 else []
    lons = np.array([lon1] + [p[0] for p in middle] + [lon2])
    lats = np.array([lat1] + [p[1] for p in middle] + [lat2])
    lons = _unwrapped(lons, lon1)
    return [(float(x), float(y)) for x, y in zip(lats, lons)]


def segments(points: Iterable[Sequence[float]]) -> list[list[tuple[float, float]]]:
    """Split a line of ``(lat, lon)`` points where it passes over a pole.

    Over a pole the longitude flips by about 180 degrees between two vertices;
    a map would draw that as a line straight across it. Each returned piece
    can be drawn safely.

    >>> [len(s) for s in segments([(80, 0), (89.9, 0), (89.9, 180), (80, 180)])]
    [2, 2]
    """
    pieces: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for lat, lon in points:
        if current and abs(lon - current[-1][1]) > _POLE_JUMP_DEG:
            pieces.append(current)
            current = []
        current.append((float(lat), float(lon)))
    if current:
        pieces.append(current)
    return [p for p in pieces if len(p) >= 2]


def encloses_pole(center: Point, radius_km: float) -> list[str]:
    """The poles (``'north'``, ``'south'``) inside a range ring of ``radius_km`` around ``center``.

    A ring round exactly one pole spans 360 degrees of longitude on a flat map.

    >>> encloses_pole("pyongyang", 1000)
    []
    """
    lat, lon = resolve(center)
    poles = []
    for name, pole_lat in (("north", 90.0), ("south", -90.0)):
        if float(inverse(lat, lon, pole_lat, lon)[2]) < radius_km:
            poles.append(name)
    return poles


def distances_from(center: Point, lats, lons) -> np.ndarray:
    """Distances in km from ``center`` to many points at once (vectorised).

    >>> distances_from("pyongyang", [35.6895, 37.5665], [139.6917, 126.978]).round().tolist()
    [1287.0, 195.0]
    """
    lat, lon = resolve(center)
    lats, lons = np.asarray(lats, float), np.asarray(lons, float)
    return inverse(np.full(lats.shape, lat), np.full(lons.shape, lon), lats, lons)[2]


def within(center: Point, radius_km: float, kinds: Iterable[str] | None = None,
           places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Places within ``radius_km`` of ``center``, nearest first, with distance and bearing.

    ``kinds`` limits the search to some kinds of place (``"capital"``,
    ``"city"``, ``"us_force"`` ...); ``places`` searches another table with
    ``place_id``, ``name``, ``lat`` and ``lon`` columns.

    >>> within("pyongyang", 1000, kinds=["capital"])["place_id"].tolist()
    ['pyongyang', 'seoul', 'beijing']
    """
    if radius_km < 0:
        raise ValueError(f"radius_km must not be negative, not {radius_km}")
    table = (_places().reset_index() if places is None else places.copy())
    if kinds is not None:
        kinds = list(kinds)
        table = table[table["kind"].isin(kinds)]
    lat, lon = resolve(center)
    az, _, km = inverse(np.full(len(table), lat), np.full(len(table), lon),
                        table["lat"].to_numpy(float), table["lon"].to_numpy(float))
    bearing = np.where(km > 0, np.round(az, 1), np.nan)  # no direction from a point to itself
    table = table.assign(distance_km=np.round(km, 1), bearing_deg=bearing)
    table = table[table["distance_km"] <= radius_km].sort_values(["distance_km", "place_id"])
    keep = [c for c in ("place_id", "name", "country", "kind", "distance_km", "bearing_deg") if c in table]
    return table[keep].reset_index(drop=True)


#: Mean Earth radius (km) and the usual 4/3 factor for radio waves bending in a
#: standard atmosphere (the "4/3 Earth" model of radar engineering).
EARTH_RADIUS_KM = 6371.0
STANDARD_REFRACTION = 4.0 / 3.0


def radar_horizon_km(antenna_height_m: float, target_height_m: float = 0.0,
                     refraction: float = STANDARD_REFRACTION) -> float:
    """How far a radar at ``antenna_height_m`` can see a target at ``target_height_m``.

    Beyond this distance the Earth's curvature hides the target: a missile
    must climb before a distant radar can see it. Uses the 4/3-Earth model,
    d = sqrt(2 k R h1) + sqrt(2 k R h2).

    >>> round(radar_horizon_km(30, 0))          # a ship's radar, a target at sea level
    23
    >>> round(radar_horizon_km(30, 100_000))    # the same radar, a missile at 100 km
    1326
    """
    if antenna_height_m < 0 or target_height_m < 0:
        raise ValueError("heights must not be negative")
    effective = refraction * EARTH_RADIUS_KM
    return math.sqrt(2 * effective * antenna_height_m / 1000) + math.sqrt(2 * effective * target_height_m / 1000)
