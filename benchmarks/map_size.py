"""Sizes of what the kit shows: saved maps, lessons with their outputs, and the course site.

Run:  .venv/bin/python benchmarks/map_size.py [--no-lessons]
      (build the site first with `bash kit.sh site` to get its rows)

Every saved or notebook map carries its own Leaflet, plugins and Natural Earth basemap (it
works with no network), so sizes include them; on the course site the maps of a page link the
site's one copy of Leaflet & co. and carry only the basemap. Targets (issue 16): a saved full map <= 1.5 MB; a lesson
with its outputs <= 5 MB. Prints tables; never gates CI.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from eastasia_security import data, maps, paths

REPO = Path(__file__).resolve().parent.parent
MAP_TARGET = 1_500_000
LESSON_TARGET = 5_000_000


def build(name: str):
    m = maps.base_map()
    if name == "base map only":
        return m
    if name == "places (all kinds)":
        maps.places_layer(list(maps.KIND_STYLE)).add_to(m)
        return m
    if name == "launches, all years":
        maps.launches_layer().add_to(m)
        return m
    if name == "ICBM rings from Sunan":
        maps.range_rings("sunan", missile_class="ICBM").add_to(m)
        return m
    if name == "full_map() (all layers, 2022)":
        return maps.full_map()
    if name == "everything, all years":
        maps.places_layer(list(maps.KIND_STYLE)).add_to(m)
        maps.launches_layer().add_to(m)
        for cls in ("SRBM", "MRBM", "IRBM", "ICBM", "SLBM"):
            maps.range_rings("sunan", missile_class=cls).add_to(m)
        maps.demarcation_lines().add_to(m)
        maps.distance_line("pyongyang", "tokyo").add_to(m)
        maps.distance_line("pyongyang", "hagatna").add_to(m)
        return m
    raise KeyError(name)


def _row(cells, widths):
    return "| " + " | ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = [_row(header, widths), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(lines + [_row(r, widths) for r in rows])


def saved_maps() -> str:
    names = ["base map only", "places (all kinds)", "launches, all years", "ICBM rings from Sunan",
             "full_map() (all layers, 2022)", "everything, all years"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            start = time.perf_counter()
            m = build(name)
            path = Path(tmp) / "map.html"
            m.save(str(path))
            seconds = time.perf_counter() - start
            size = path.stat().st_size
            world = "yes" if m._kit_basemap.world else "no"
            rows.append([name, world, f"{size:,}", f"{size / 1024:,.0f}", f"{seconds:.2f}",
                         "ok" if size <= MAP_TARGET else "OVER"])
    return _table(["saved map", "world tier", "bytes", "KB", "build+save s", "<= 1.5 MB"], rows)


def lessons() -> str:
    import nbformat
    from nbclient import NotebookClient

    rows = []
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = time.perf_counter() - start
        size = len(nbformat.writes(nb).encode("utf-8"))
        n_maps = sum(str(o.get("data", {}).get("text/html", "")).count("<iframe srcdoc=")
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
        rows.append([path.name, n_maps, f"{size:,}", f"{size / 1024:,.0f}", f"{seconds:.1f}",
                     "ok" if size <= LESSON_TARGET else "OVER"])
    return _table(["lesson with outputs (.ipynb)", "maps", "bytes", "KB", "run s", "<= 5 MB"], rows)


def site() -> str:
    html = REPO / "site" / "_build" / "html"
    if not (html / "index.html").is_file():
        return "(course site not built: run `bash kit.sh site` for its rows)"
    total = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    files = sum(1 for p in html.rglob("*") if p.is_file())
    rows = [["whole site", files, f"{total:,}", f"{total / 1024 / 1024:,.1f} MB"]]
    static = sum(p.stat().st_size for p in (html / "_static").rglob("*") if p.is_file())
    rows.append(["  _static (theme, fonts, scripts)", sum(1 for p in (html / "_static").rglob("*") if p.is_file()),
                 f"{static:,}", f"{static / 1024 / 1024:,.1f} MB"])
    for page in sorted((html / "notebooks").glob("*.html")):
        size = page.stat().st_size
        rows.append([f"  {page.name}", 1, f"{size:,}", f"{size / 1024:,.0f} KB"])
    return _table(["course site (site/_build/html)", "files", "bytes", "size"], rows)


def assets() -> str:
    rows = []
    for folder in ("web", "basemap"):
        files = [p for p in (paths.assets_dir() / folder).rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        rows.append([f"assets/{folder}", len(files), f"{size:,}", f"{size / 1024:,.0f}"])
    return _table(["bundled in the package", "files", "bytes", "KB"], rows)


def main() -> None:
    data.load("places")  # validation runs once, outside the timings
    print(saved_maps(), end="\n\n")
    if "--no-lessons" not in sys.argv:
        print(lessons(), end="\n\n")
    print(site(), end="\n\n")
    print(assets())


if __name__ == "__main__":
    main()
