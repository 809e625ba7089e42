"""Size and build time of saved kit maps (target: a map with all layers <= 1 MB).

Run:  .venv/bin/python benchmarks/map_size.py
Prints one row per map: layers, bytes on disk, build + save seconds.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from eastasia_security import data, maps


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


def main() -> None:
    data.load("places")  # validation runs once, outside the timings
    names = ["base map only", "places (all kinds)", "launches, all years", "ICBM rings from Sunan",
             "full_map() (all layers, 2022)", "everything, all years"]
    print(f"{'map':34} {'bytes':>10} {'KB':>7} {'build+save s':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            start = time.perf_counter()
            m = build(name)
            path = Path(tmp) / "map.html"
            m.save(str(path))
            seconds = time.perf_counter() - start
            size = path.stat().st_size
            print(f"{name:34} {size:>10,} {size / 1024:>7.0f} {seconds:>13.2f}")
    print("target: every row <= 1,000,000 bytes")


if __name__ == "__main__":
    main()
