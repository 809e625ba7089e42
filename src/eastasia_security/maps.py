"""Folium maps of Japan, the Korean Peninsula and the region, built from the kit's datasets.

Each builder is named for what it draws and returns a folium object; they
compose like folium's own layers::

    from eastasia_security import maps
    m = maps.base_map()
    maps.places_layer(["capital", "us_force"]).add_to(m)
    maps.launches_layer(start="2022-01-01", end="2022-06-05").add_to(m)
    maps.range_rings("sunan", missile_class="ICBM").add_to(m)
    maps.demarcation_lines().add_to(m)
    maps.distance_line("pyongyang", "tokyo").add_to(m)
    m                      # shows the map in JupyterLab
    print(maps.describe(m))  # the same map in words, for screen readers and print

Every popup cites its source. Long range rings are geodesic polylines
(``geo.range_ring``), never ``folium.Circle``: Leaflet's circle is drawn in the
map projection and is already about 5 % off at 5,500 km.
"""

from __future__ import annotations

import html
import json
from typing import Iterable, Sequence

import folium
import folium.plugins
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from . import data, geo, offline

__all__ = [
    "PALETTE",
    "KIND_STYLE",
    "CLASS_STYLE",
    "RegionMap",
    "NaturalEarthBasemap",
    "base_map",
    "places_layer",
    "launches_layer",
    "range_ring_layer",
    "range_rings",
    "demarcation_lines",
    "distance_line",
    "Legend",
    "describe",
    "full_map",
    "show",
    "DescribedMap",
]

#: Okabe-Ito colours: distinguishable with the common forms of colour blindness.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#777777",
}

#: Colour and legend label for each kind of place.
KIND_STYLE = {
    "capital": (PALETTE["black"], "Capital"),
    "city": (PALETTE["grey"], "City"),
    "us_force": (PALETTE["blue"], "US forces"),
    "dprk_launch_site": (PALETTE["vermillion"], "DPRK launch site"),
    "dprk_nuclear": (PALETTE["purple"], "DPRK nuclear site"),
    "summit_venue": (PALETTE["green"], "Summit venue"),
    "landmark": (PALETTE["sky_blue"], "Reference point"),
}

#: Colour and dash pattern for each missile class (dashes keep classes apart without colour).
CLASS_STYLE = {
    "SRBM": (PALETTE["sky_blue"], None),
    "MRBM": (PALETTE["green"], "10 4"),
    "IRBM": (PALETTE["orange"], "2 6"),
    "ICBM": (PALETTE["vermillion"], "12 6 2 6"),
    "SLBM": (PALETTE["purple"], "6 6"),
    "SLV": (PALETTE["blue"], "1 4"),
    "cruise": (PALETTE["yellow"], None),
    "unknown": (PALETTE["grey"], None),
}

REGION_CENTER = (37.5, 132.0)
REGION_ZOOM = 5

#: Sea names drawn on every region map. The kit writes "Sea of Japan (East Sea)":
#: Japan and most atlases use the first name, the two Koreas the second.
SEA_LABELS = [
    ("Sea of Japan (East Sea)", 40.0, 134.0),
    ("Yellow Sea (West Sea)", 35.8, 123.9),
    ("East China Sea", 30.0, 125.5),
    ("Pacific Ocean", 32.0, 145.0),
]

# Stylesheets folium adds for glyphicon-prefixed and rotated icons. No kit map
# uses them, and the kit does not bundle them (Bootstrap 3's glyphicons, folium's own CSS on GitHub).
_UNUSED_CSS = offline.UNBUNDLED_CSS

#: Colours of the bundled basemap: quiet greys and blues under the Okabe-Ito data layers.
BASEMAP_STYLE = {"sea": "#dfeaf3", "land": "#f3f1ea", "coastline": "#6f8294", "border": "#8a8a8a"}


def _e(value) -> str:
    """HTML-escape a value for a popup; empty for missing values."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def _km(value: float) -> str:
    return f"{value:,.0f} km"


def _label(point: geo.Point) -> str:
    """A place's name, or the coordinates of a (lat, lon) pair."""
    if isinstance(point, str):
        geo.resolve(point)  # a clear error for an unknown place_id
        return str(data.load("places").set_index("place_id").loc[point, "name"])
    lat, lon = geo.resolve(point)
    return f"{lat:.2f}, {lon:.2f}"


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _source_link(source_id: str, sources: pd.DataFrame | None = None) -> str:
    """'Source: <a href=...>publisher: title</a>' for a source_id (pass ``sources`` when calling in a loop)."""
    if sources is None:
        sources = data.load("sources").set_index("source_id")
    if not source_id or source_id not in sources.index:
        return ""
    row = sources.loc[source_id]
    return (f'Source: <a href="{_e(row["url"])}" target="_blank" rel="noopener">'
            f'{_e(row["publisher"])}: {_e(row["title"])}</a>')


def _tag(element, description: str, legend: Sequence[tuple[str, str, str | None, str]] = ()):
    """Attach the text description and legend entries a builder produced."""
    element._kit_description = description
    element._kit_legend = list(legend)
    return element


class Legend(MacroElement):
    """A legend box in the corner of the map (built from the layers' own entries)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "kit-legend leaflet-control");
                div.setAttribute("role", "note");
                div.setAttribute("aria-label", "Map legend");
                div.innerHTML = {{ this.markup }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, entries: Iterable[tuple[str, str, str | None, str]] = ()):
        super().__init__()
        self._name = "Legend"
        self.update(entries)

    def update(self, entries: Iterable[tuple[str, str, str | None, str]]) -> None:
        """Rebuild the legend's rows from (label, colour, dash pattern, 'marker' or 'line') entries."""
        rows = []
        seen = set()
        for label, colour, dash, shape in entries:
            if label in seen:
                continue
            seen.add(label)
            if shape == "marker":
                swatch = (f'<svg width="18" height="14" aria-hidden="true"><circle cx="9" cy="7" r="5" '
                          f'fill="{colour}" fill-opacity="0.7" stroke="{colour}"/></svg>')
            else:
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                swatch = (f'<svg width="28" height="14" aria-hidden="true"><line x1="1" y1="7" x2="27" y2="7" '
                          f'stroke="{colour}" stroke-width="3"{dash_attr}/></svg>')
            rows.append(f"<div>{swatch} {_e(label)}</div>")
        self.entries = list(seen)
        box = ('<div style="background:white;padding:6px 8px;border:1px solid #999;border-radius:4px;'
               'font:12px/1.5 sans-serif;max-width:260px">' + "".join(rows) + "</div>")
        self.markup = json.dumps(box)


class NaturalEarthBasemap(MacroElement):
    """The bundled Natural Earth basemap (land, coastlines, land borders), drawn with no network.

    Added to a base-layer FeatureGroup by :func:`base_map`. The region's tiers are always drawn;
    the coarse world tier only when ``world`` is true (a map reaching beyond the region, such as
    ICBM ranges; :class:`RegionMap` decides when it renders). With the world tier, everything is
    also drawn a turn of longitude east and west, because the kit's long range rings run past
    the antimeridian.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }};
            var group = {{ this._parent.get_name() }};
            if (!map.getPane("kitBasemap")) {
                map.createPane("kitBasemap");
                map.getPane("kitBasemap").style.zIndex = 250;
                map.getPane("kitBasemap").style.pointerEvents = "none";
            }
            var style = {{ this.style_json }};
            var offsets = {{ this.offsets_json }};
            var tiers = [{% for text in this.tier_texts() %}{{ text }}{% if not loop.last %},{% endif %}{% endfor %}];
            tiers.forEach(function (tier) {
                offsets.forEach(function (dx) {
                    L.geoJSON(tier, {
                        pane: "kitBasemap", interactive: false,
                        coordsToLatLng: function (c) { return L.latLng(c[1], c[0] + dx); },
                        style: function (f) {
                            var k = f.properties.kind;
                            if (k === "land") return {stroke: false, fill: true, fillColor: style.land,
                                                      fillOpacity: 1, className: "kit-basemap-land"};
                            if (k === "coastline") return {color: style.coastline, weight: 0.8, opacity: 1,
                                                           fill: false, className: "kit-basemap-coastline"};
                            return {color: style.border, weight: 1, opacity: 1, dashArray: "4 3", fill: false,
                                    className: "kit-basemap-border"};
                        }
                    }).addTo(group);
                });
            });
            map.getContainer().style.background = style.sea;
        })();
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "NaturalEarthBasemap"
        self.world = False
        self.style_json = json.dumps(BASEMAP_STYLE)

    @property
    def offsets_json(self) -> str:
        return "[-360, 0, 360]" if self.world else "[0]"

    def tiers(self) -> list:
        return [t for t in offline.BASEMAP_TIERS if self.world or not t.world]

    def tier_texts(self) -> list[str]:
        return [offline.basemap_data(t) for t in self.tiers()]


def _reaches_beyond(element, bounds=offline.REGION) -> bool:
    """Whether any vertex or marker of a layer lies outside ``bounds`` (west, south, east, north)."""
    west, south, east, north = bounds

    def outside(lat, lon) -> bool:
        return not (south <= lat <= north and west <= lon <= east)

    def points(value):
        if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
            yield value
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from points(v)

    for child in element._children.values():
        for attr in ("locations", "location"):
            value = getattr(child, attr, None)
            if value is not None and not isinstance(child, folium.Map):
                if any(outside(float(lat), float(lon)) for lat, lon in points(value)):
                    return True
        if _reaches_beyond(child, bounds):
            return True
    return False


def _uses_icon_markers(element) -> bool:
    for child in element._children.values():
        if isinstance(child, folium.Icon) or _uses_icon_markers(child):
            return True
    return False


class RegionMap(folium.Map):
    """A folium Map that works with no network, keeps its layer control and legend last, and describes itself.

    When it renders, the files folium would load from CDNs are put into the page from the
    kit's bundled copies (``offline.inline_assets``), and the basemap gets its world tier when
    a layer reaches beyond the region. Use :func:`base_map` to make one.
    """

    def __init__(self, *args, legend: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_css = [c for c in folium.Map.default_css if c[0] not in _UNUSED_CSS]
        self._kit_legend_enabled = legend
        self._kit_basemap: NaturalEarthBasemap | None = None
        # Created once, so that rendering the map twice (show, then save) does not add them twice.
        self._kit_legend_box = Legend()
        self._kit_layer_control = folium.LayerControl(collapsed=True)

    def _legend_entries(self) -> list:
        entries = []
        for child in self._children.values():
            entries.extend(getattr(child, "_kit_legend", []))
        return entries

    def render(self, **kwargs):
        # The layer control must come after every layer in the page's script,
        # or it would reference layers not yet defined; same for the legend,
        # which lists what the layers put on the map.
        for name in [n for n, c in self._children.items() if isinstance(c, (folium.LayerControl, Legend))]:
            del self._children[name]
        entries = self._legend_entries()
        if self._kit_legend_enabled and entries:
            self._kit_legend_box.update(entries)
            self._kit_legend_box.add_to(self)
        self._kit_layer_control.add_to(self)
        if self._kit_basemap is not None:
            self._kit_basemap.world = _reaches_beyond(self)
        result = super().render(**kwargs)
        offline.inline_assets(self.get_root(), keep_icon_assets=_uses_icon_markers(self))
        return result


def base_map(center: Sequence[float] = REGION_CENTER, zoom: int = REGION_ZOOM, online_tiles: str | None = "OpenStreetMap",
             height: str | int = "100%", legend: bool = True, sea_labels: bool = True) -> RegionMap:
    """A map of the Korean Peninsula and Japan with scale bar, full-screen button and layer control.

    It needs no network: the first (default) layer is the kit's bundled Natural Earth basemap
    (land, coastlines, borders; public domain), and Leaflet and its plugins are put into the
    page. ``online_tiles`` (OpenStreetMap by default, with its attribution; None for none) is
    a second base layer to pick in the layer control when there is a network. Sea names are
    labelled, including "Sea of Japan (East Sea)".

    >>> m = base_map()
    >>> describe(m).splitlines()[0]
    'Map centred on 37.5°N 132.0°E (zoom 5): the Korean Peninsula, Japan and neighbouring seas.'
    """
    lat, lon = geo.resolve(tuple(center))
    m = RegionMap(location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=True,
                  height=height, legend=legend)
    basemap = folium.FeatureGroup(name="Natural Earth basemap (offline)", overlay=False, control=True, show=True)
    m._kit_basemap = NaturalEarthBasemap()
    m._kit_basemap.add_to(basemap)
    basemap.add_to(m)
    if online_tiles:
        folium.TileLayer(online_tiles, name=f"{online_tiles} (online)", overlay=False, control=True,
                         show=False).add_to(m)
    folium.plugins.Fullscreen(position="topleft", title="Full screen", title_cancel="Exit full screen").add_to(m)
    _tag(m, f"Map centred on {abs(lat):.1f}°{'N' if lat >= 0 else 'S'} {abs(lon):.1f}°{'E' if lon >= 0 else 'W'} "
            f"(zoom {zoom}): the Korean Peninsula, Japan and neighbouring seas.")
    if sea_labels:
        group = folium.FeatureGroup(name="Sea names", control=True)
        for name, la, lo in SEA_LABELS:
            folium.Marker(
                [la, lo], interactive=False, keyboard=False,
                icon=folium.DivIcon(
                    html=f'<div style="font:italic 13px serif;color:#1f4e79;white-space:nowrap">{_e(name)}</div>',
                    class_name="kit-sea-label", icon_size=(170, 18), icon_anchor=(85, 9)),
            ).add_to(group)
        _tag(group, "Sea names: " + ", ".join(n for n, _, _ in SEA_LABELS) + ".").add_to(m)
    return m


def _place_popup(row, sources: pd.DataFrame) -> str:
    return (f"<b>{_e(row['name'])}</b> ({_e(row['name_local'])})<br>"
            f"{_e(KIND_STYLE.get(row['kind'], ('', row['kind']))[1])}, {_e(row['country'])}<br>"
            f"{row['lat']:.3f}, {row['lon']:.3f} (precision: {_e(row['precision'])})"
            + (f"<br><i>{_e(row['notes'])}</i>" if _e(row["notes"]) else "")
            + f"<br><small>{_source_link(row['source_id'], sources)}</small>")


def places_layer(kinds: str | Iterable[str] = ("capital", "us_force", "dprk_launch_site", "dprk_nuclear"),
                 place_ids: Iterable[str] | None = None, name: str | None = None) -> folium.FeatureGroup:
    """Circle markers for places of some kinds (or a list of place_ids), coloured by kind.

    Each popup gives the local name, coordinates, their precision and the source.

    >>> layer = places_layer("capital")
    >>> describe(layer).startswith("Places (Capital): 6 markers")
    True
    """
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    unknown = [k for k in kinds if k not in KIND_STYLE]
    if unknown:
        raise ValueError(f"Unknown kind(s) {unknown}; choose from {', '.join(KIND_STYLE)}")
    places = data.load("places")
    if place_ids is not None:
        wanted = list(place_ids)
        missing = [p for p in wanted if p not in set(places["place_id"])]
        if missing:
            raise KeyError(f"No place(s) called {missing} in the places dataset")
        places = places[places["place_id"].isin(wanted)]
    else:
        places = places[places["kind"].isin(kinds)]
    labels = [KIND_STYLE[k][1] for k in kinds if (places["kind"] == k).any()] if place_ids is None else \
        sorted({KIND_STYLE[k][1] for k in places["kind"]})
    group = folium.FeatureGroup(name=name or "Places: " + ", ".join(labels))
    sources = data.load("sources").set_index("source_id")
    for _, row in places.iterrows():
        colour = KIND_STYLE[row["kind"]][0]
        folium.CircleMarker(
            [row["lat"], row["lon"]], radius=6 if row["kind"] != "capital" else 8,
            color=colour, weight=2, fill=True, fill_color=colour, fill_opacity=0.7,
            tooltip=f"{row['name']}", popup=folium.Popup(_place_popup(row, sources), max_width=320),
            class_name="kit-place",
        ).add_to(group)
    names = ", ".join(places["name"].astype(str).tolist())
    legend = [(KIND_STYLE[k][1], KIND_STYLE[k][0], None, "marker") for k in dict.fromkeys(places["kind"])]
    return _tag(group, _sentence(f"Places ({', '.join(labels)}): {len(places)} markers: {names}"), legend)


def _launch_rows(start=None, end=None, classes=None, ballistic_only: bool = False) -> pd.DataFrame:
    # Maps show missile and space launches; rocket-artillery salvoes (recorded so that the
    # ROK JCS's counts can be reproduced) are not missiles and are left to launches.count.
    launches = data.load("missile_launches")
    launches = launches[launches["launch_kind"] != "rocket_artillery"]
    if start is not None:
        launches = launches[launches["date_kst"] >= pd.Timestamp(start)]
    if end is not None:
        launches = launches[launches["date_kst"] <= pd.Timestamp(end)]
    if classes is not None:
        classes = [classes] if isinstance(classes, str) else list(classes)
        unknown = [c for c in classes if c not in CLASS_STYLE]
        if unknown:
            raise ValueError(f"Unknown missile class(es) {unknown}; choose from {', '.join(CLASS_STYLE)}")
        launches = launches[launches["missile_class"].isin(classes)]
    if ballistic_only:
        launches = launches[launches["ballistic"].fillna(True)]
    return launches


def _period(start, end) -> str:
    if start is None and end is None:
        return "all dates in the dataset"
    a = pd.Timestamp(start).date().isoformat() if start is not None else "the first record"
    b = pd.Timestamp(end).date().isoformat() if end is not None else "the last record"
    return f"{a} to {b}"


def _launch_table(rows: pd.DataFrame, sources: pd.DataFrame) -> str:
    head = "<tr><th>Date (KST)</th><th>Missile</th><th>Apogee</th><th>Range</th><th>Outcome</th><th>Source</th></tr>"
    body = []
    for _, r in rows.sort_values("event_id").iterrows():
        src = r["source_id"]
        link = (f'<a href="{_e(sources.loc[src, "url"])}" target="_blank" rel="noopener">{_e(src)}</a>'
                if src in sources.index else _e(src))
        apogee = _km(r["max_apogee_km"]) if pd.notna(r["max_apogee_km"]) else "n/a"
        rng = _km(r["max_range_km"]) if pd.notna(r["max_range_km"]) else "n/a"
        body.append(f"<tr><td>{_e(r['event_id'])}</td><td>{_e(r['missile_designation'])} ({_e(r['missile_class'])})</td>"
                    f"<td>{apogee}</td><td>{rng}</td><td>{_e(r['outcome'])}</td><td>{link}</td></tr>")
    return ('<table style="font-size:11px;border-collapse:collapse" border="1" cellpadding="2">'
            + head + "".join(body) + "</table>")


def launches_layer(start=None, end=None, classes: str | Iterable[str] | None = None, ballistic_only: bool = False,
                   landings: bool = True, name: str | None = None) -> folium.FeatureGroup:
    """DPRK launch events, one marker per launch place, filtered by date range and missile class.

    A marker's size grows with the number of events at that place; its popup
    lists each event (date, missile, apogee, range, outcome, source link).
    Where Japan's Ministry of Defense gave a landing point ("about 250 km
    west of Aomori"), a small marker shows it, joined to the launch place by
    a dashed geodesic (the ground track is approximate).

    >>> layer = launches_layer(start="2022-01-01", end="2022-06-05")
    >>> describe(layer).split(":")[0]
    'Missile launches, 2022-01-01 to 2022-06-05, all classes'
    """
    rows = _launch_rows(start, end, classes, ballistic_only)
    places = data.load("places").set_index("place_id")
    class_text = "all classes" if classes is None else ", ".join([classes] if isinstance(classes, str) else classes)
    group = folium.FeatureGroup(name=name or f"Launches ({_period(start, end)})")
    located = rows[rows["launch_place_id"].notna()]
    sources = data.load("sources").set_index("source_id")
    # Ground tracks first, so that the launch markers drawn after them stay clickable.
    landing_points = []
    if landings:
        announced = located[located["landing_ref_place_id"].notna() & located["landing_offset_km"].notna()
                            & located["landing_bearing"].notna()]
        for _, r in announced.iterrows():
            lat, lon = geo.destination(r["landing_ref_place_id"], r["landing_bearing"], float(r["landing_offset_km"]))
            track = geo.path(r["launch_place_id"], (lat, lon), n_points=24)
            colour = CLASS_STYLE.get(r["missile_class"], CLASS_STYLE["unknown"])[0]
            folium.PolyLine(geo.segments(track), color=colour, weight=2, dash_array="4 6", opacity=0.9,
                            class_name="kit-track", tooltip=f"{r['event_id']}: approximate ground track").add_to(group)
            # Drawn at the track's end: on the same side of the antimeridian as the launch place.
            landing_points.append((r, (lat, track[-1][1]), colour))
    for place_id, events in located.groupby("launch_place_id", sort=True):
        place = places.loc[place_id]
        main_class = events["missile_class"].mode().iloc[0]
        colour = CLASS_STYLE.get(main_class, CLASS_STYLE["unknown"])[0]
        popup = (f"<b>{_e(place['name'])}</b>: {len(events)} launch event(s)<br>"
                 f"<small>Launch place precision: {_e(place['precision'])}</small><br>" + _launch_table(events, sources))
        folium.CircleMarker(
            [place["lat"], place["lon"]], radius=5 + 2.5 * len(events) ** 0.5,
            color="#000000", weight=1, fill=True, fill_color=colour, fill_opacity=0.85,
            tooltip=f"{place['name']}: {len(events)} event(s)",
            popup=folium.Popup(popup, max_width=520), class_name="kit-launch",
        ).add_to(group)
    for r, (lat, lon), colour in landing_points:
        ref = r["landing_ref_place_id"]
        folium.CircleMarker(
            [lat, lon], radius=4, color=colour, weight=2, fill=True, fill_color="#ffffff", fill_opacity=1,
            tooltip=f"{r['event_id']}: landing area",
            popup=folium.Popup(
                f"<b>{_e(r['event_id'])}</b> landing area: {_e(r['landing_area'])}<br>"
                f"Drawn {float(r['landing_offset_km']):,.0f} km {_e(r['landing_bearing'])} of "
                f"{_e(places.loc[ref, 'name'])}, as announced (approximate).<br>"
                f"Japan's EEZ: {_e(r['japan_eez'])}<br><small>{_source_link(r['source_id'], sources)}</small>", max_width=320),
            class_name="kit-landing",
        ).add_to(group)
    n_landings = len(landing_points)
    counts = located["launch_place_id"].value_counts()
    top = ", ".join(f"{places.loc[p, 'name']} ({n})" for p, n in counts.head(3).items())
    unplaced = len(rows) - len(located)
    text = (f"Missile launches, {_period(start, end)}, {class_text}: {len(rows)} events "
            f"({', '.join(f'{n} {c}' for c, n in rows['missile_class'].value_counts().items())}) "
            f"at {len(counts)} launch places" + (f"; most at {top}" if top else "")
            + (f"; {unplaced} event(s) without a known launch place are not drawn" if unplaced else "")
            + (f"; {n_landings} announced landing points drawn" if n_landings else "") + ".")
    legend = [(f"Launch place ({c})", CLASS_STYLE[c][0], None, "marker") for c in sorted(set(located["missile_class"]))]
    if n_landings:
        legend.append(("Ground track to an announced landing point", PALETTE["grey"], "4 6", "line"))
    return _tag(group, text, legend)


def range_ring_layer(center: geo.Point, radius_km: float, label: str, colour: str = PALETTE["vermillion"],
                     dash: str | None = None, name: str | None = None) -> folium.FeatureGroup:
    """One geodesic range ring of ``radius_km`` around ``center``, as a polyline.

    >>> layer = range_ring_layer("pyongyang", 13000, "13,000 km")
    >>> "encloses the North Pole" in describe(layer)
    True
    """
    lat, lon = geo.resolve(center)
    ring = geo.range_ring(lat, lon, radius_km)
    poles = geo.encloses_pole((lat, lon), radius_km)
    where = _label(center)
    group = folium.FeatureGroup(name=name or f"Range ring: {label}")
    folium.PolyLine(geo.segments(ring), color=colour, weight=3, dash_array=dash, opacity=0.9,
                    tooltip=f"{label}: {radius_km:,.0f} km from {where}", class_name="kit-ring").add_to(group)
    pole_text = f"; it encloses the {' and '.join(p.title() for p in poles)} Pole" + ("s" if len(poles) > 1 else "") \
        if poles else ""
    text = f"Range ring {label}: {_km(radius_km)} from {where}, drawn as a geodesic{pole_text}."
    return _tag(group, text, [(f"Range: {label}", colour, dash, "line")])


def range_rings(launch_place: geo.Point, missile_class: str | None = None,
                type_ids: Iterable[str] | None = None, name: str | None = None) -> folium.FeatureGroup:
    """Range rings from a launch place for a missile class or for chosen missile types.

    For a class, each type of that class with a published range gets a ring
    at its maximum estimated range (``missile_types.range_high_km``). Types
    whose range is unknown are listed in the description, not drawn.

    >>> layer = range_rings("sunan", missile_class="ICBM")
    >>> describe(layer).count("km from")   # Hwasong-17 and -18 share one 15,000 km ring
    3
    """
    types = data.load("missile_types")
    if type_ids is not None:
        wanted = list(type_ids)
        missing = [t for t in wanted if t not in set(types["type_id"])]
        if missing:
            raise KeyError(f"No missile type(s) {missing}; see data.load('missile_types')")
        chosen = types.set_index("type_id").loc[wanted].reset_index()
        title = ", ".join(chosen["designation"])
    elif missile_class is not None:
        if missile_class not in CLASS_STYLE:
            raise ValueError(f"Unknown missile class {missile_class!r}; choose from {', '.join(CLASS_STYLE)}")
        chosen = types[types["missile_class"] == missile_class]
        title = missile_class
    else:
        raise TypeError("Give a missile_class (e.g. 'IRBM') or type_ids (e.g. ['hwasong-12'])")
    label_where = _label(launch_place)
    group = folium.FeatureGroup(name=name or f"Range rings: {title} from {label_where}")
    texts, legend = [], []
    no_range = chosen[chosen["range_high_km"].isna()]["designation"].tolist()
    with_range = chosen[chosen["range_high_km"].notna()]
    # Types with the same estimated range share one ring.
    for radius, same in with_range.groupby("range_high_km", sort=True):
        t = same.iloc[0]
        colour, dash = CLASS_STYLE.get(t["missile_class"], CLASS_STYLE["unknown"])
        label = f"{', '.join(same['designation'])} ({t['missile_class']})"
        sub = range_ring_layer(launch_place, float(radius), label, colour=colour, dash=dash)
        for child in list(sub._children.values()):
            child.add_to(group)
        texts.append(sub._kit_description)
        legend.extend(sub._kit_legend)
    text = (f"Range rings for {title} from {label_where}, at each type's estimated maximum range "
            f"(missile_types.range_high_km; estimates, not tested ranges): " + (" ".join(texts) if texts else "none drawn."))
    if no_range:
        text += f" No published range, not drawn: {', '.join(no_range)}."
    return _tag(group, text, legend)


def demarcation_lines(name: str = "MDL and NLL") -> folium.FeatureGroup:
    """The Military Demarcation Line (approximate) and the Northern Limit Line (schematic).

    The DMZ extends 2 km either side of the MDL. The NLL was drawn by the UN
    Command in 1953; North Korea does not accept it and since 1999 claims a
    line further south. Popups say where each line's vertices come from.

    >>> "schematic" in describe(demarcation_lines())
    True
    """
    lines = data.load("lines").sort_values(["line_id", "seq"])
    group = folium.FeatureGroup(name=name)
    framing = {
        "mdl": ("The Military Demarcation Line of the 1953 Armistice, inside the 4 km-wide Demilitarized Zone "
                "(2 km either side). Approximate: generalised from Natural Earth; not a surveyed line."),
        "nll": ("Schematic sketch, not for measuring. The UN Command drew the NLL in 1953; South Korea treats it as "
                "the maritime boundary; North Korea rejects it and since 1999 claims a line further south, "
                "which would put the waters around the five Northwest Islands on its side. Clashes: 1999, 2002, "
                "2009; the Cheonan sinking and the shelling of Yeonpyeongdo in 2010."),
    }
    texts, legend = [], []
    for line_id, vertices in lines.groupby("line_id", sort=False):
        points = list(zip(vertices["lat"], vertices["lon"]))
        label = vertices["name"].iloc[0]
        dash = "8 6" if (vertices["precision"] == "schematic").any() else None
        colour = PALETTE["black"] if line_id == "mdl" else PALETTE["purple"]
        source = _source_link(vertices["source_id"].iloc[0])
        folium.PolyLine(points, color=colour, weight=4 if line_id == "mdl" else 3, dash_array=dash,
                        tooltip=f"{label} ({vertices['precision'].iloc[0]})",
                        popup=folium.Popup(f"<b>{_e(label)}</b><br>{_e(framing.get(line_id, ''))}<br>"
                                           f"<small>{source}</small>", max_width=340),
                        class_name=f"kit-line kit-line-{line_id}").add_to(group)
        km = sum(geo.distance_km(a, b) for a, b in zip(points, points[1:]))
        texts.append(f"{label}: {len(points)} vertices, {vertices['precision'].iloc[0]}, about {_km(km)} as drawn")
        legend.append((f"{label} ({vertices['precision'].iloc[0]})", colour, dash, "line"))
    return _tag(group, "Lines: " + "; ".join(texts) + ".", legend)


def distance_line(a: geo.Point, b: geo.Point, colour: str = PALETTE["blue"], name: str | None = None) -> folium.FeatureGroup:
    """A geodesic line between two places, labelled with its length.

    >>> describe(distance_line("pyongyang", "tokyo"))
    'Distance Pyongyang to Tokyo: 1,287 km (geodesic, WGS84), initial bearing 102°.'
    """
    km, bearing = geo.distance_km(a, b), geo.bearing_deg(a, b)
    points = geo.path(a, b)
    label_a, label_b = _label(a), _label(b)
    group = folium.FeatureGroup(name=name or f"Distance {label_a} to {label_b}")
    folium.PolyLine(geo.segments(points), color=colour, weight=3, tooltip=f"{_km(km)}",
                    class_name="kit-distance").add_to(group)
    middle = points[len(points) // 2]
    folium.Marker(middle, interactive=False, keyboard=False, icon=folium.DivIcon(
        html=(f'<div style="font:bold 12px sans-serif;color:{colour};background:rgba(255,255,255,.85);'
              f'padding:1px 4px;border-radius:3px;white-space:nowrap">{_km(km)}</div>'),
        class_name="kit-distance-label", icon_size=(90, 18), icon_anchor=(45, 9))).add_to(group)
    text = f"Distance {label_a} to {label_b}: {_km(km)} (geodesic, WGS84), initial bearing {bearing:.0f}°."
    return _tag(group, text, [("Geodesic distance", colour, None, "line")])


def describe(element) -> str:
    """The plain-text description of a map or layer built here (for screen readers and print).

    For a map it lists the map's extent and then every layer's description, in order.
    """
    lines = []
    own = getattr(element, "_kit_description", None)
    if own:
        lines.append(own)
    for child in getattr(element, "_children", {}).values():
        if getattr(child, "_kit_description", None):
            lines.append("- " + child._kit_description if isinstance(element, folium.Map) else child._kit_description)
    if not lines:
        raise ValueError("This object was not built by eastasia_security.maps, so it has no description")
    return "\n".join(dict.fromkeys(lines))


def full_map(start="2022-01-01", end="2022-12-31", ring_place: str = "sunan") -> RegionMap:
    """Every layer at once: places, launches of a period, ICBM and IRBM rings, lines and a distance.

    Used by the lessons' overview and to check the size of a saved map.
    """
    m = base_map()
    places_layer(["capital", "us_force"]).add_to(m)
    places_layer(["dprk_nuclear", "landmark"]).add_to(m)
    launches_layer(start=start, end=end).add_to(m)
    range_rings(ring_place, missile_class="IRBM").add_to(m)
    range_rings(ring_place, missile_class="ICBM").add_to(m)
    demarcation_lines().add_to(m)
    distance_line("pyongyang", "tokyo").add_to(m)
    return m


class DescribedMap:
    """A map shown together with its text description (use :func:`show`)."""

    def __init__(self, m: folium.Map):
        self.map = m
        self.description = describe(m)

    def _repr_html_(self) -> str:
        items = self.description.splitlines()
        text = html.escape(items[0]) + "".join(f"<br>{html.escape(line)}" for line in items[1:])
        return (f'<figure class="kit-map" style="margin:0">{self.map._repr_html_()}'
                f'<figcaption class="kit-map-description" style="font-size:90%;margin-top:4px">'
                f"<b>Map description.</b> {text}</figcaption></figure>")

    def __str__(self) -> str:
        return self.description


def show(m: folium.Map) -> DescribedMap:
    """Display a map with its description underneath (what lessons use).

    >>> print(show(base_map()).description.splitlines()[0][:15])
    Map centred on
    """
    return DescribedMap(m)
