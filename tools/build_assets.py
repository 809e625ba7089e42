"""Regenerate the offline assets in src/eastasia_security/assets/ (run by hand, not by CI).

    npm ci --prefix tools                      # the pinned npm packages (tools/package.json)
    .venv/bin/pip install shapely              # only this script needs it
    .venv/bin/python tools/build_assets.py     # rewrites src/eastasia_security/assets/

Two things are made:

* ``assets/web/<package>@<version>/...``: the JavaScript, CSS, fonts and images that
  folium's pages load from CDNs, copied from the npm packages of the same versions
  (``offline.CDN_FILES`` lists them), with each package's licence. Font Awesome's CSS
  is rewritten to name only its WOFF2 fonts (every browser the kit supports reads WOFF2;
  the TrueType copies would double the size).
* ``assets/basemap/*.geojson``: a small vector basemap made from Natural Earth 4.1.0
  (public domain) as redistributed by the npm package world-atlas 2.0.2: land,
  coastlines and land borders, clipped and simplified in two tiers (1:10m for the region's
  core, 1:50m for the rest of the region), and a coarse 1:110m world layer for maps that
  reach beyond the region (ICBM ranges).

The output is deterministic: running the script twice gives the same bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import shapely
import shapely.affinity
from shapely import geometry, ops
from shapely.geometry import box, mapping, shape

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "tools" / "node_modules"
ASSETS = REPO / "src" / "eastasia_security" / "assets"

sys.path.insert(0, str(REPO / "src"))
from eastasia_security import offline  # noqa: E402  (the one list of files and tiers)


# --------------------------------------------------------------------------- web assets

def _npm_version(package: str) -> str:
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


def copy_web_assets() -> list[str]:
    target_root = ASSETS / "web"
    if target_root.exists():
        shutil.rmtree(target_root)
    written = []
    for asset in offline.CDN_FILES.values():
        version = _npm_version(asset.npm_package)
        if version != asset.npm_version:
            raise SystemExit(f"{asset.npm_package}: tools/node_modules has {version}, expected {asset.npm_version}")
        source_dir = NODE_MODULES / asset.npm_package
        folder = target_root / asset.folder
        for rel_source, rel_target in [(asset.npm_path, asset.path)] + list(asset.extra_files):
            src = source_dir / rel_source
            dst = folder / rel_target
            dst.parent.mkdir(parents=True, exist_ok=True)
            content = src.read_bytes()
            if asset.npm_package == "@fortawesome/fontawesome-free" and rel_target.endswith(".css"):
                # Keep only the WOFF2 source of each @font-face.
                text = content.decode("utf-8")
                text = re.sub(r',url\(\.\./webfonts/[\w-]+\.ttf\) format\("truetype"\)', "", text)
                content = text.encode("utf-8")
            dst.write_bytes(content)
            written.append(str(dst.relative_to(ASSETS)))
        licence = folder / "LICENSE.txt"
        licence.write_bytes((source_dir / asset.licence_file).read_bytes())
        written.append(str(licence.relative_to(ASSETS)))
    return sorted(set(written))


# --------------------------------------------------------------------------- basemap

def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The arcs of a quantized TopoJSON topology, in degrees."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs, indexes) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _unwrap(points):
    """Longitudes made continuous (no jump of more than 180 degrees between neighbours)."""
    out = [points[0]]
    for x, y in points[1:]:
        px = out[-1][0]
        while x - px > 180:
            x -= 360
        while x - px < -180:
            x += 360
        out.append((x, y))
    return out


WORLD = box(-180, -90, 180, 90)


def _fold(geom):
    """A geometry that may reach past the antimeridian, cut there and folded back into -180..180."""
    parts = [geom.intersection(WORLD)]
    for shift in (-360, 360):
        moved = shapely.affinity.translate(geom, xoff=shift)
        if moved.intersects(WORLD):
            parts.append(moved.intersection(WORLD))
    return ops.unary_union([p for p in parts if not p.is_empty])


def _polygon(arcs, rings_arcs):
    """A polygon from TopoJSON rings (spherical: they may cross the antimeridian or circle a pole).

    Rings that quantization left with under 4 points are dropped.
    """
    rings = []
    for ra in rings_arcs:
        ring = _unwrap(_ring(arcs, ra))
        if len(ring) < 4:
            if not rings:
                return None
            continue
        dx = ring[-1][0] - ring[0][0]
        if abs(dx) > 180:   # round a pole (Antarctica): close the ring along the pole's latitude
            pole = -90.0 if sum(y for _, y in ring) < 0 else 90.0
            ring = ring + [(ring[-1][0], pole), (ring[0][0], pole), ring[0]]
        rings.append(ring)
    if not rings:
        return None
    return _fold(shapely.make_valid(geometry.Polygon(rings[0], rings[1:])))


def _line(points):
    return _fold(geometry.LineString(_unwrap(points)))


def _geometry(arcs, geom: dict):
    if geom["type"] == "Polygon":
        parts = [_polygon(arcs, geom["arcs"])]
    elif geom["type"] == "MultiPolygon":
        parts = [_polygon(arcs, p) for p in geom["arcs"]]
    elif geom["type"] == "GeometryCollection":
        parts = [_geometry(arcs, g) for g in geom["geometries"]]
    else:
        raise ValueError(geom["type"])
    return ops.unary_union([p for p in parts if p is not None and not p.is_empty])


def _arc_ids(geom: dict) -> list[int]:
    """Every arc a geometry uses (as non-negative indexes)."""
    def walk(value):
        if isinstance(value, int):
            yield value if value >= 0 else ~value
        else:
            for v in value:
                yield from walk(v)
    if geom["type"] == "GeometryCollection":
        return [a for g in geom["geometries"] for a in _arc_ids(g)]
    return list(walk(geom.get("arcs", [])))


def natural_earth(scale: str):
    """Land (one geometry), coastlines and land borders (lines) of world-atlas' countries-<scale>.json.

    A border is an arc shared by two different countries; a coastline is an arc that only one
    country uses (TopoJSON's own `mesh` rule).
    """
    topology = json.loads((NODE_MODULES / "world-atlas" / f"countries-{scale}.json").read_text())
    arcs = _decode_arcs(topology)
    land = _geometry(arcs, topology["objects"]["land"])
    users: dict[int, set[int]] = {}
    for n, country in enumerate(topology["objects"]["countries"]["geometries"]):
        for a in _arc_ids(country):
            users.setdefault(a, set()).add(n)
    coast = ops.unary_union([_line(arcs[a]) for a, who in sorted(users.items()) if len(who) == 1])
    borders = ops.unary_union([_line(arcs[a]) for a, who in sorted(users.items()) if len(who) > 1])
    return land, coast, borders


def _rounded(geom, digits: int):
    """GeoJSON geometry with coordinates rounded (and repeated points after rounding dropped)."""
    def fix(coords):
        out = []
        for x, y in coords:
            p = [round(x, digits), round(y, digits)]
            if not out or out[-1] != p:
                out.append(p)
        return out

    gj = mapping(geom)
    kind = gj["type"]
    if kind == "Polygon":
        polys = [gj["coordinates"]]
    elif kind == "MultiPolygon":
        polys = gj["coordinates"]
    elif kind == "LineString":
        return {"type": "MultiLineString", "coordinates": [fix(gj["coordinates"])]}
    elif kind == "MultiLineString":
        lines = [fix(line) for line in gj["coordinates"]]
        return {"type": "MultiLineString", "coordinates": [line for line in lines if len(line) > 1]}
    elif kind == "GeometryCollection":
        parts = [g for g in geom.geoms if not g.is_empty]
        polys_only = [g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")]
        lines_only = [g for g in parts if g.geom_type in ("LineString", "MultiLineString")]
        return _rounded(ops.unary_union(polys_only) if polys_only else ops.linemerge(lines_only), digits)
    else:
        raise ValueError(kind)
    rings = []
    for poly in polys:
        fixed = [fix(r) for r in poly]
        fixed = [r for r in fixed if len(r) >= 4]
        if fixed:
            rings.append(fixed)
    return {"type": "MultiPolygon", "coordinates": rings}


def _lines_only(geom):
    if geom.is_empty:
        return geometry.MultiLineString()
    if geom.geom_type in ("LineString", "MultiLineString"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("LineString", "MultiLineString")]
    return ops.linemerge(parts) if parts else geometry.MultiLineString()


def tier(scale: str, area, tolerance: float, digits: int, cache: dict) -> dict:
    """A FeatureCollection of land, coastline and border features for one tier."""
    if scale not in cache:
        cache[scale] = natural_earth(scale)
    land, coast, borders = cache[scale]
    features = []
    for kind, geom in (("land", land), ("coastline", coast), ("border", borders)):
        clipped = geom.intersection(area)
        if kind != "land":
            clipped = ops.linemerge(_lines_only(clipped)) if not clipped.is_empty else clipped
        simple = clipped.simplify(tolerance, preserve_topology=True)
        if simple.is_empty:
            continue
        features.append({"type": "Feature", "properties": {"kind": kind},
                         "geometry": _rounded(simple, digits)})
    return {"type": "FeatureCollection", "features": features}


def build_basemap() -> list[str]:
    folder = ASSETS / "basemap"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    cache: dict = {}
    written = []
    for layer in offline.BASEMAP_TIERS:
        area = box(*layer.bounds)
        for inner in layer.minus:
            area = area.difference(box(*inner))
        collection = tier(layer.scale, area, layer.tolerance_deg, layer.digits, cache)
        collection["properties"] = {"source": "Natural Earth 4.1.0 (public domain), via world-atlas 2.0.2",
                                    "scale": f"1:{layer.scale}", "bounds": layer.bounds}
        path = folder / layer.file
        path.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
        written.append(str(path.relative_to(ASSETS)))
        print(f"{layer.file:24} {path.stat().st_size:>9,} bytes")
    return written


def main() -> None:
    if not NODE_MODULES.is_dir():
        raise SystemExit("run `npm ci --prefix tools` first")
    files = copy_web_assets() + build_basemap()
    print(f"{len(files)} files written under {ASSETS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
