"""Counting North Korean launches under explicit rules.

"How many launches?" has several honest answers: events or missiles, with or
without cruise missiles and space launches, by Japan's or South Korea's tally.
The editorial's "17 launches" (P4) is one of them; these functions make the
rule visible.

>>> from eastasia_security import data, launches
>>> table = data.load("missile_launches")
>>> launches.count(table, "2022-01-01", "2022-06-05", unit="events", include_cruise=True)
17
>>> launches.count(table, "2022-01-01", "2022-06-05", unit="events", include_cruise=False)
16
"""

from __future__ import annotations

import pandas as pd

UNITS = ("events", "missiles_rok_jcs", "missiles_japan_mod")


def select(table: pd.DataFrame, start: str, end: str, *, include_cruise: bool = False,
           include_space_launches: bool = False) -> pd.DataFrame:
    """Rows of ``missile_launches`` between two dates (inclusive, KST) under a rule."""
    dates = table["date_kst"]
    rows = table[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
    if not include_cruise:
        rows = rows[rows["ballistic"].fillna(True)]
    if not include_space_launches:
        rows = rows[rows["missile_class"] != "SLV"]
    return rows


def count(table: pd.DataFrame, start: str, end: str, *, unit: str = "events",
          include_cruise: bool = False, include_space_launches: bool = False) -> int:
    """Count launch events, or missiles by ROK JCS or Japan MOD tally.

    Missile counts add the tally column; events whose tally is empty (not
    reported) add nothing, so use :func:`missing_tallies` to see what is left out.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    rows = select(table, start, end, include_cruise=include_cruise, include_space_launches=include_space_launches)
    if unit == "events":
        return len(rows)
    column = "n_missiles_rok_jcs" if unit == "missiles_rok_jcs" else "n_missiles_japan_mod"
    return int(rows[column].fillna(0).sum())


def missing_tallies(table: pd.DataFrame, start: str, end: str, *, unit: str, **rule) -> list[str]:
    """Event ids whose missile tally for ``unit`` is empty under the rule."""
    column = {"missiles_rok_jcs": "n_missiles_rok_jcs", "missiles_japan_mod": "n_missiles_japan_mod"}[unit]
    rows = select(table, start, end, **rule)
    return rows.loc[rows[column].isna(), "event_id"].tolist()


def counting_rules_table(table: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """The same period counted five ways, for the P4 fact-check.

    >>> from eastasia_security import data
    >>> t = counting_rules_table(data.load("missile_launches"), "2022-01-01", "2022-06-05")
    >>> int(t.loc["launch events, ballistic and cruise", "count"])
    17
    """
    rules = [
        ("launch events, ballistic and cruise", dict(unit="events", include_cruise=True)),
        ("launch events, ballistic only", dict(unit="events")),
        ("missiles, ROK JCS tally, ballistic only", dict(unit="missiles_rok_jcs")),
        ("missiles, Japan MOD tally, ballistic only", dict(unit="missiles_japan_mod")),
    ]
    rows = []
    for label, rule in rules:
        unit = rule["unit"]
        missing = [] if unit == "events" else missing_tallies(
            table, start, end, unit=unit, include_cruise=rule.get("include_cruise", False))
        rows.append({"rule": label, "count": count(table, start, end, **rule),
                     "events_without_tally": len(missing)})
    return pd.DataFrame(rows).set_index("rule")
