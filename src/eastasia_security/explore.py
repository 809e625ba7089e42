"""Interactive explorers (ipywidgets 8): maps and tables that update in place.

In a notebook::

    from eastasia_security import explore
    explore.RangeExplorer()        # choose a launch place and a missile type
    explore.TimelineExplorer()     # choose a period and missile classes

Each explorer keeps its current state in plain attributes (``map``,
``table`` or ``counts``, ``description``) so that lessons, tests and
assignments can read what the student is looking at. Changing a control
replaces the contents of the same output widgets; nothing piles up below
the cell.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from . import data, geo, maps

__all__ = ["RangeExplorer", "TimelineExplorer"]


def _map_html(m) -> str:
    # folium's notebook representation: an iframe holding the whole map page.
    return m._repr_html_()


def _description_html(text: str) -> str:
    lines = [html.escape(line) for line in text.splitlines()]
    return ('<details class="kit-map-description"><summary>Map description (text)</summary>'
            + "<br>".join(lines) + "</details>")


class _Explorer:
    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # Front ends without widgets (the course site, nbconvert HTML) show the explorer as it
        # starts: its summary, map, table and description, without the controls.
        parts = [getattr(self, name).value for name in ("summary", "map_output", "table_output",
                                                       "counts_output", "description_output")
                 if hasattr(self, name)]
        bundle["text/html"] = ('<div class="kit-explorer-static">' + "".join(parts)
                               + "<p><i>Open this notebook in JupyterLab to change the choices.</i></p></div>")
        return bundle


class RangeExplorer(_Explorer):
    """Pick a launch place and a missile type: see its range ring and the places within range.

    >>> explorer = RangeExplorer(place="sunan", missile_type="hwasong-12")
    >>> explorer.radius_km
    4500.0
    >>> "andersen-afb" in set(explorer.table["place_id"])
    True
    >>> explorer.missile_type.value = "kn-23"
    >>> "andersen-afb" in set(explorer.table["place_id"])
    False
    """

    #: Kinds of place listed in the table of targets within range.
    TABLE_KINDS = ("capital", "city", "us_force")

    def __init__(self, place: str = "sunan", missile_type: str = "hwasong-12"):
        places = data.load("places")
        launch_sites = places[places["kind"].isin(["dprk_launch_site", "capital"]) & (places["country"] == "PRK")]
        types = data.load("missile_types")
        types = types[types["range_high_km"].notna()].sort_values("range_high_km")
        self._types = types.set_index("type_id")
        self.place = widgets.Dropdown(
            options=[(r["name"], r["place_id"]) for _, r in launch_sites.iterrows()],
            value=place, description="Launch from", style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"))
        self.missile_type = widgets.Dropdown(
            options=[(f"{r['designation']} ({r['missile_class']}, {r['range_high_km']:,.0f} km)", r["type_id"])
                     for _, r in types.iterrows()],
            value=missile_type, description="Missile", style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"))
        self.map_output = widgets.HTML(layout=widgets.Layout(width="100%", height="520px"))
        self.table_output = widgets.HTML()
        self.summary = widgets.HTML()
        self.description_output = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HBox([self.place, self.missile_type]),
            self.summary, self.description_output,
            widgets.HBox([widgets.Box([self.map_output], layout=widgets.Layout(width="62%")),
                          widgets.Box([self.table_output], layout=widgets.Layout(width="38%", overflow="auto",
                                                                                   max_height="520px"))]),
        ])
        self.place.observe(self._update, names="value")
        self.missile_type.observe(self._update, names="value")
        self._update()

    @property
    def radius_km(self) -> float:
        return float(self._types.loc[self.missile_type.value, "range_high_km"])

    def _update(self, change=None):
        t = self._types.loc[self.missile_type.value]
        place = self.place.value
        lat, lon = geo.resolve(place)
        m = maps.base_map(center=(lat, lon), zoom=3 if self.radius_km > 3000 else 5)
        maps.range_ring_layer(place, self.radius_km, f"{t['designation']} ({t['missile_class']})",
                              colour=maps.CLASS_STYLE[t["missile_class"]][0],
                              dash=maps.CLASS_STYLE[t["missile_class"]][1]).add_to(m)
        table = geo.within(place, self.radius_km, kinds=self.TABLE_KINDS)
        table = table[table["place_id"] != place].reset_index(drop=True)
        if len(table):
            maps.places_layer(place_ids=table["place_id"], name="Within range").add_to(m)
        maps.places_layer(place_ids=[place], name="Launch place").add_to(m)
        self.map, self.table = m, table
        self.description = maps.describe(m)
        self.summary.value = (
            f"<p><b>{html.escape(t['designation'])}</b> from <b>{html.escape(self.place.label)}</b>: "
            f"estimated maximum range {self.radius_km:,.0f} km (an estimate; see missile_types). "
            f"{len(table)} of the kit's capitals, cities and US bases lie within it.</p>")
        self.map_output.value = _map_html(m)
        self.description_output.value = _description_html(self.description)
        rows = "".join(f"<tr><td>{html.escape(str(r['name']))}</td><td>{html.escape(str(r['country']))}</td>"
                       f"<td style='text-align:right'>{r['distance_km']:,.0f}</td></tr>" for _, r in table.iterrows())
        self.table_output.value = (
            "<table><caption>Places within range, nearest first</caption>"
            "<thead><tr><th>Place</th><th>Country</th><th>km</th></tr></thead>"
            f"<tbody>{rows or '<tr><td colspan=3>none</td></tr>'}</tbody></table>")


class TimelineExplorer(_Explorer):
    """Pick a period and missile classes: the launch map and a count by month update together.

    >>> explorer = TimelineExplorer(start="2022-01", end="2022-06")
    >>> int(explorer.counts["events"].sum())   # the editorial's "17 launches" (to 5 June)
    17
    >>> explorer.classes.value = ("ICBM",)
    >>> int(explorer.counts["events"].sum())
    5
    """

    def __init__(self, start: str = "2022-01", end: str = "2022-12", classes=None):
        launches = data.load("missile_launches")
        launches = launches[launches["launch_kind"] != "rocket_artillery"]   # missiles only, as on the map
        self._launches = launches
        first, last = launches["date_kst"].min(), launches["date_kst"].max()
        months = pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")
        self._months = months
        self.period = widgets.SelectionRangeSlider(
            options=[(str(p), p) for p in months],
            index=(months.get_loc(pd.Period(start, "M")), months.get_loc(pd.Period(end, "M"))),
            description="Months", continuous_update=False, layout=widgets.Layout(width="720px"))
        available = [c for c in maps.CLASS_STYLE if (launches["missile_class"] == c).any()]
        self.classes = widgets.SelectMultiple(
            options=available, value=tuple(classes or available), description="Classes", rows=len(available))
        self.map_output = widgets.HTML(layout=widgets.Layout(width="100%", height="520px"))
        self.counts_output = widgets.HTML()
        self.summary = widgets.HTML()
        self.description_output = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HBox([self.period]), widgets.HBox([self.classes]), self.summary, self.description_output,
            widgets.HBox([widgets.Box([self.map_output], layout=widgets.Layout(width="62%")),
                          widgets.Box([self.counts_output], layout=widgets.Layout(width="38%", overflow="auto",
                                                                                    max_height="520px"))]),
        ])
        self.period.observe(self._update, names="value")
        self.classes.observe(self._update, names="value")
        self._update()

    def _update(self, change=None):
        first, last = self.period.value
        start, end = first.start_time, last.end_time.normalize()
        classes = list(self.classes.value)
        rows = self._launches[(self._launches["date_kst"] >= start) & (self._launches["date_kst"] <= end)
                              & self._launches["missile_class"].isin(classes)]
        months = pd.period_range(first, last, freq="M")
        counts = (rows["date_kst"].dt.to_period("M").value_counts().reindex(months, fill_value=0)
                  .rename_axis("month").rename("events").reset_index())
        m = maps.base_map(zoom=5)
        if classes:
            maps.launches_layer(start=start, end=end, classes=classes).add_to(m)
        self.map, self.counts = m, counts
        self.description = maps.describe(m)
        self.summary.value = (f"<p>{len(rows)} launch events from {first} to {last} "
                              f"({', '.join(classes) if classes else 'no class chosen'}). "
                              "An event is a day's launch activity, as Japan counts; several missiles can fly in one event.</p>")
        self.map_output.value = _map_html(m)
        self.description_output.value = _description_html(self.description)
        top = max(int(counts["events"].max()) if len(counts) else 0, 1)
        bars = "".join(
            f"<tr><td>{r['month']}</td><td style='text-align:right'>{r['events']}</td>"
            f"<td><div style='background:{maps.PALETTE['vermillion']};height:10px;width:{120 * r['events'] / top:.0f}px'"
            f" aria-hidden='true'></div></td></tr>" for _, r in counts.iterrows())
        self.counts_output.value = ("<table><caption>Launch events by month</caption>"
                                    "<thead><tr><th>Month</th><th>Events</th><th></th></tr></thead>"
                                    f"<tbody>{bars}</tbody></table>")
