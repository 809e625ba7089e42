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
           include_space_launches: bool = False, include_rocket_artillery: bool = False) -> pd.DataFrame:
    """Rows of ``missile_launches`` between two dates (inclusive, KST) under a rule.

    Ballistic-missile launches are always counted; cruise missiles, space launches and
    rocket artillery (multiple-rocket-launcher fire not classed as ballistic) only when asked.
    """
    dates = table["date_kst"]
    rows = table[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
    wanted = {"ballistic"} | ({"cruise"} if include_cruise else set()) \
        | ({"space_launch"} if include_space_launches else set()) \
        | ({"rocket_artillery"} if include_rocket_artillery else set())
    return rows[rows["launch_kind"].isin(wanted)]


def count(table: pd.DataFrame, start: str, end: str, *, unit: str = "events",
          include_cruise: bool = False, include_space_launches: bool = False,
          include_rocket_artillery: bool = False) -> int:
    """Count launch events, or missiles by ROK JCS or Japan MOD tally.

    Missile counts add the tally column; events whose tally is empty (not
    reported) add nothing, so use :func:`missing_tallies` to see what is left out.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    rows = select(table, start, end, include_cruise=include_cruise, include_space_launches=include_space_launches,
                  include_rocket_artillery=include_rocket_artillery)
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


# --------------------------------------------------------------------------- each counter's rule

#: The kit's counting rules that reproduce what each counter says it counts
#: (``launch_counter_totals.kit_rule``). Each takes the launch table and keeps the events counted.
RULES = {
    "reported_by_japan_mod": lambda t: t[t["reported_by_japan_mod"].fillna(False).astype(bool)],
    "reported_by_rok_jcs": lambda t: t[t["reported_by_rok_jcs"].fillna(False).astype(bool)],
    "ballistic": lambda t: t[t["launch_kind"] == "ballistic"],
    "ballistic_and_space": lambda t: t[t["launch_kind"].isin(["ballistic", "space_launch"])],
    "except_rocket_artillery": lambda t: t[t["launch_kind"] != "rocket_artillery"],
    "all": lambda t: t,
}

#: Whose missile tally a counter's missile total is compared with. The CNS database and
#: CSIS record missiles themselves, so the larger of the two governments' tallies of each
#: event stands in for them ("max"), as in :func:`crosscheck`.
TALLY = {"japan_mod": "n_missiles_japan_mod", "rok_jcs": "n_missiles_rok_jcs", "rok_mnd": "n_missiles_rok_jcs", "rok_mofa": "max",
         "rok_press_tally": "n_missiles_rok_jcs", "cns_nti": "max", "csis": "max"}


def count_by_rule(table: pd.DataFrame, year: int, rule: str, unit: str, counter: str = "rok_jcs") -> int:
    """Events (or missiles, from ``counter``'s tally) of one KST year under a named rule.

    >>> from eastasia_security import data
    >>> count_by_rule(data.load("missile_launches"), 2022, "ballistic", "events") > 30
    True
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {sorted(RULES)}, not {rule!r}")
    rows = RULES[rule](table[table["date_kst"].dt.year == year])
    if unit == "events":
        return len(rows)
    if unit != "missiles":
        raise ValueError(f"unit must be 'events' or 'missiles', not {unit!r}")
    if TALLY[counter] == "max":
        return int(rows[["n_missiles_rok_jcs", "n_missiles_japan_mod"]].max(axis=1).fillna(0).sum())
    return int(rows[TALLY[counter]].fillna(0).sum())


def reconcile(table: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Each counter's published yearly total beside the kit's count under the same rule.

    ``matches`` says whether they agree; where they do not, ``explanation`` (from
    ``launch_counter_totals``) says why, and ``explained`` whether it does.
    """
    rows = []
    for t in totals.itertuples(index=False):
        kit = count_by_rule(table, int(t.year), t.kit_rule, t.unit, t.counter)
        explanation = "" if pd.isna(t.explanation) else str(t.explanation)
        rows.append({"year": int(t.year), "counter": t.counter, "unit": t.unit, "published": int(t.count),
                     "kit": kit, "difference": kit - int(t.count), "matches": kit == int(t.count),
                     "explained": bool(explanation), "rule": t.kit_rule, "explanation": explanation,
                     "source_id": t.source_id})
    return pd.DataFrame(rows)


def format_reconciliation(table: pd.DataFrame) -> str:
    """The reconciliation as a text table, one line per published figure, with the reasons below."""
    head = f"{'year':<5} {'counter':<15} {'unit':<9} {'published':>9} {'kit':>5} {'diff':>5}  status      kit rule"
    lines = [head, "-" * len(head)]
    notes = []
    for r in table.itertuples(index=False):
        status = "matches" if r.matches else ("explained" if r.explained else "UNEXPLAINED")
        if not r.matches and r.explained:
            notes.append(f"  [{len(notes) + 1}] {r.year} {r.counter} {r.unit}: {r.explanation}")
            status += f" [{len(notes)}]"
        lines.append(f"{r.year:<5} {r.counter:<15} {r.unit:<9} {r.published:>9} {r.kit:>5} {r.difference:>+5}  "
                     f"{status:<11} {r.rule}")
    if notes:
        lines += ["", "Why the kit's count differs:"] + notes
    return "\n".join(lines)


def crosscheck(table: pd.DataFrame, cns: pd.DataFrame, start: str = "2016-01-01") -> pd.DataFrame:
    """Days on which the kit's missile count differs from the CNS database's (``crosscheck_cns``).

    The kit's count for a day adds, over its ballistic-missile and space-launch events, the
    larger of the ROK JCS and Japan MOD tallies (the CNS database records each missile of
    300 km or more, and space launches). A day the kit has and the database lacks is listed
    too; its row in ``crosscheck_cns`` has ``n_missiles_cns`` 0. ``explanation`` is empty (NA)
    for a disagreement nobody has explained yet.

    >>> from eastasia_security import data
    >>> found = crosscheck(data.load("missile_launches"), data.load("crosscheck_cns"))
    >>> int(found["explanation"].isna().sum())
    0
    """
    kinds = table[(table["date_kst"] >= pd.Timestamp(start))
                  & table["launch_kind"].isin(["ballistic", "space_launch"])]
    tally = kinds[["n_missiles_rok_jcs", "n_missiles_japan_mod"]].max(axis=1).fillna(0)
    kit = tally.groupby(kinds["date_kst"].dt.date.astype(str)).sum().astype(int)
    theirs = cns.assign(day=cns["date_kst"].dt.date.astype(str)).set_index("day")
    days = sorted(set(kit.index) | set(theirs.index))
    out = []
    for day in days:
        ours = int(kit.get(day, 0))
        other = int(theirs["n_missiles_cns"].get(day, 0)) if day in theirs.index else 0
        if ours != other:
            explanation = theirs["explanation"].get(day, pd.NA) if day in theirs.index else pd.NA
            out.append({"date_kst": day, "kit": ours, "cns": other,
                        "explanation": pd.NA if pd.isna(explanation) or explanation == "" else explanation})
    return pd.DataFrame(out, columns=["date_kst", "kit", "cns", "explanation"])
