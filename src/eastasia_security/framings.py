"""Framings side by side: who said what about a contested topic, from the `statements` table.

A lesson's framing section calls :func:`show` with a topic; the table it draws is built from
attributed rows (speaker, date, the words in their own language, an English translation and the
source), never from the editorial's account of what others think.

>>> from eastasia_security import framings
>>> len(framings.voices("gsomia")) >= 5
True
>>> framings.table("gsomia", voices=["dprk"])["voice"].unique().tolist()
['dprk']
"""

from __future__ import annotations

import html

import pandas as pd

from . import data

__all__ = ["VOICE_LABELS", "TOPICS", "COUNTRY_NAMES", "table", "voices", "show", "Framings",
           "press_table", "press", "PressFramings"]

#: How each voice is named in a lesson (the kit's neutral labels).
VOICE_LABELS = {
    "japan_government": "Japan's government",
    "rok_government": "South Korea's government",
    "rok_opposition": "South Korea's opposition",
    "rok_civil_society": "South Korean civil society",
    "us_government": "US government",
    "prc_government": "China's government",
    "dprk": "North Korea (DPRK)",
    "russia_government": "Russia's government",
}

#: The contested topics of the case (the `topic` column of `statements`).
TOPICS = ("madrid_meeting", "trilateral_cooperation", "gsomia", "missile_tests", "sanctions_china",
          "history_disputes", "engagement")


def _sourced_in_order(rows: pd.DataFrame, column: str, wanted: list[str] | None, order: list[str]) -> pd.DataFrame:
    """`rows` kept to the `wanted` values of `column` (all when None), in display order then by
    date, with each source's publisher and URL."""
    if wanted is not None:
        unknown = sorted(set(wanted) - set(order))
        if unknown:
            raise ValueError(f"unknown {column} value(s) {unknown}; use one of: {', '.join(order)}")
        rows = rows[rows[column].isin(wanted)]
    sources = data.load("sources").set_index("source_id")
    rows = rows.assign(order=rows[column].map(order.index), publisher=rows["source_id"].map(sources["publisher"]),
                       url=rows["source_id"].map(sources["url"]))
    return rows.sort_values(["order", "date"], na_position="last").drop(columns=["order"]).reset_index(drop=True)


def table(topic: str, voices: list[str] | None = None) -> pd.DataFrame:
    """The statements on `topic`, ordered by voice then date, with each source's publisher and URL.

    >>> table("history_disputes").columns.tolist()[:4]
    ['voice', 'speaker', 'speaker_role', 'date']
    """
    statements = data.load("statements")
    known = sorted(statements["topic"].dropna().unique())
    if topic not in known:
        raise ValueError(f"no statements on topic {topic!r}; topics in the data: {', '.join(known)}")
    rows = _sourced_in_order(statements[statements["topic"] == topic], "voice", voices, list(VOICE_LABELS))
    return rows[["voice", "speaker", "speaker_role", "date", "language", "quotation", "translation_en",
                 "source_id", "publisher", "url", "statement_id"]].reset_index(drop=True)


def voices(topic: str) -> list[str]:
    """The voices heard on `topic`, in display order.

    >>> "dprk" in voices("missile_tests")
    True
    """
    return list(dict.fromkeys(table(topic)["voice"]))


def _quoted_html(row) -> str:
    """The words in their own language (marked so for screen readers), then the translation."""
    said = f'<q lang="{html.escape(row["language"])}">{html.escape(row["quotation"])}</q>'
    if isinstance(row["translation_en"], str) and row["translation_en"]:
        said += f'<br><span class="kit-translation">English: {html.escape(row["translation_en"])}</span>'
    return said


def _source_html(row) -> str:
    source = html.escape(str(row["publisher"]))
    return f'<a href="{html.escape(row["url"])}">{source}</a>' if isinstance(row["url"], str) else source


def _quoted_text(row, head: str) -> list[str]:
    lines = [f"- {head}: \"{row['quotation']}\""]
    if isinstance(row["translation_en"], str) and row["translation_en"]:
        lines.append(f"    English: {row['translation_en']}")
    return lines + [f"    Source: {row['publisher']}, {row['url']}"]


class Framings:
    """The side-by-side view of one topic: HTML in a notebook, plain text elsewhere."""

    def __init__(self, topic: str, rows: pd.DataFrame):
        self.topic = topic
        self.rows = rows

    @property
    def voices(self) -> list[str]:
        return list(dict.fromkeys(self.rows["voice"]))

    def _repr_html_(self) -> str:
        cells = []
        for _, r in self.rows.iterrows():
            said, source = _quoted_html(r), _source_html(r)
            cells.append(
                f"<tr><th scope='row'>{html.escape(VOICE_LABELS[r['voice']])}</th>"
                f"<td>{html.escape(r['speaker'])}<br><small>{html.escape(str(r['speaker_role']))}</small></td>"
                f"<td>{r['date'].date().isoformat()}</td><td>{said}</td><td>{source}</td></tr>")
        caption = (f"Statements on {self.topic.replace('_', ' ')}: {len(self.rows)} from "
                   f"{len(self.voices)} voices (dataset: statements)")
        return (f'<table class="kit-framings" data-topic="{html.escape(self.topic)}" '
                f'data-voices="{len(self.voices)}"><caption>{html.escape(caption)}</caption>'
                "<thead><tr><th scope='col'>voice</th><th scope='col'>who</th><th scope='col'>date</th>"
                "<th scope='col'>what they said</th><th scope='col'>source</th></tr></thead><tbody>"
                + "".join(cells) + "</tbody></table>")

    def __str__(self) -> str:
        lines = [f"Statements on {self.topic.replace('_', ' ')} ({len(self.voices)} voices)"]
        for _, r in self.rows.iterrows():
            lines += _quoted_text(r, f"{VOICE_LABELS[r['voice']]}: {r['speaker']} ({r['speaker_role']}), "
                                     f"{r['date'].date().isoformat()}")
        return "\n".join(lines)

    __repr__ = __str__


def show(topic: str, voices: list[str] | None = None) -> Framings:
    """The statements on `topic` side by side, each attributed and sourced (display it in a cell).

    >>> print(show("madrid_meeting", voices=["us_government"]))   # doctest: +ELLIPSIS
    Statements on madrid meeting (1 voices)
    - US government: Joe Biden (President of the United States), 2022-06-29: ...
    """
    return Framings(topic, table(topic, voices))


# --------------------------------------------------------------------------- the press on Madrid

#: Countries of the outlets in `press_framings`, in the order the lesson shows them.
COUNTRY_NAMES = {"JPN": "Japan", "KOR": "South Korea", "USA": "United States", "CHN": "China",
                 "PRK": "North Korea", "RUS": "Russia"}


def press_table(countries: list[str] | None = None) -> pd.DataFrame:
    """How outlets framed the Madrid meeting (`press_framings`), by country then date, with sources.

    >>> set(press_table()["country"]) >= {"JPN", "KOR", "USA", "CHN", "PRK"}
    True
    """
    return _sourced_in_order(data.load("press_framings"), "country", countries, list(COUNTRY_NAMES))


class PressFramings:
    """The side-by-side view of the press: HTML in a notebook, plain text elsewhere."""

    def __init__(self, rows: pd.DataFrame):
        self.rows = rows

    @property
    def countries(self) -> list[str]:
        return list(dict.fromkeys(self.rows["country"]))

    @staticmethod
    def _date(value) -> str:
        return "date not shown (see notes)" if pd.isna(value) else value.date().isoformat()

    def _repr_html_(self) -> str:
        cells = []
        for _, r in self.rows.iterrows():
            said, source = _quoted_html(r), _source_html(r)
            orientation = r["orientation"] if isinstance(r["orientation"], str) else ""
            cells.append(
                f"<tr><th scope='row'>{html.escape(r['outlet'])}<br><small>{COUNTRY_NAMES[r['country']]}"
                f"{', ' + html.escape(orientation) if orientation else ''} ({html.escape(r['outlet_type'])})</small></th>"
                f"<td>{self._date(r['date'])}</td><td>{said}</td><td>{source}</td></tr>")
        caption = (f"The press on the Madrid meeting: {len(self.rows)} pieces from {len(self.countries)} countries "
                   "(dataset: press_framings; orientation as commonly described, see notes)")
        return (f'<table class="kit-framings kit-press" data-countries="{len(self.countries)}">'
                f"<caption>{html.escape(caption)}</caption><thead><tr><th scope='col'>outlet</th>"
                "<th scope='col'>date</th><th scope='col'>what it wrote</th><th scope='col'>page read</th></tr>"
                "</thead><tbody>" + "".join(cells) + "</tbody></table>")

    def __str__(self) -> str:
        lines = [f"The press on the Madrid meeting ({len(self.rows)} pieces, {len(self.countries)} countries)"]
        for _, r in self.rows.iterrows():
            lines += _quoted_text(r, f"{r['outlet']} ({COUNTRY_NAMES[r['country']]}), {self._date(r['date'])}")
        return "\n".join(lines)

    __repr__ = __str__


def press(countries: list[str] | None = None) -> PressFramings:
    """The press framings of the Madrid meeting side by side (display it in a cell). The frame
    column (the kit's one-line reading of each piece) is left out: students write their own.

    >>> print(press(["PRK"]))   # doctest: +ELLIPSIS
    The press on the Madrid meeting (1 pieces, 1 countries)
    - ...
    """
    return PressFramings(press_table(countries))
