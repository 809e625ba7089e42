"""The fact-check thread: each checkable claim of the editorial tested against the datasets.

The claims, their kind (fact, opinion, recommendation, prediction) and the
kit's verdicts are in ``datasets/editorial_claims.csv``. This module recomputes
the evidence for the claims that data can test, so that a student sees *why*
a verdict is what it is, and can disagree with it on the evidence.

>>> from eastasia_security import factcheck
>>> factcheck.evidence("P3-a").figures["previous_meeting"]
'2017-09-21'
>>> factcheck.evidence("P4-a").figures["events_with_cruise"]
17
"""

from __future__ import annotations

import html
import re  # noqa: F401  (patterns below use pandas' str.extract)
from dataclasses import dataclass, field

import pandas as pd

from . import data, launches

__all__ = ["Evidence", "evidence", "thread", "MADRID", "LAST_LAUNCH_BEFORE_MADRID"]

MADRID = "2022-06-29"
LAST_LAUNCH_BEFORE_MADRID = "2022-06-05"


@dataclass
class Evidence:
    """One claim with the data that test it, the kit's verdict and why."""

    claim_id: str
    paragraph: str
    quotation: str
    kind: str
    verdict: str
    explanation: str
    table: pd.DataFrame | None = None
    figures: dict = field(default_factory=dict)

    def _repr_html_(self) -> str:
        table = "" if self.table is None else self.table.to_html(index=False, border=0, na_rep="")
        figures = "".join(f"<li><code>{html.escape(str(k))}</code>: {html.escape(str(v))}</li>"
                          for k, v in self.figures.items())
        return (f'<div class="kit-factcheck"><p><b>{html.escape(self.claim_id)}</b> ({html.escape(self.paragraph)}, '
                f"{html.escape(self.kind)}): <q>{html.escape(self.quotation)}</q></p>"
                + (f"<ul>{figures}</ul>" if figures else "") + table
                + f"<p><b>Verdict: {html.escape(self.verdict.replace('_', ' '))}.</b> {html.escape(self.explanation)}</p></div>")

    def __str__(self) -> str:
        lines = [f"{self.claim_id} ({self.paragraph}, {self.kind}): \"{self.quotation}\""]
        lines += [f"  {k}: {v}" for k, v in self.figures.items()]
        lines.append(f"Verdict: {self.verdict.replace('_', ' ')}. {self.explanation}")
        return "\n".join(lines)


def _claims() -> pd.DataFrame:
    return data.load("editorial_claims").set_index("claim_id")


def thread() -> pd.DataFrame:
    """Every claim with its paragraph, kind, the dataset that tests it and the verdict."""
    claims = data.load("editorial_claims")
    return claims[["claim_id", "paragraph", "kind", "testable_with", "verdict"]].reset_index(drop=True)


def _p3a() -> tuple[pd.DataFrame, dict]:
    summits = data.load("summits").sort_values("date")
    before = summits[summits["date"] < pd.Timestamp(MADRID)]
    previous = before.iloc[-1]
    gap = pd.Timestamp(MADRID) - previous["date"]
    months = (pd.Timestamp(MADRID).year - previous["date"].year) * 12 + pd.Timestamp(MADRID).month - previous["date"].month
    table = summits[["date", "city", "occasion", "format"]].assign(date=lambda t: t["date"].dt.date)
    return table, {"previous_meeting": previous["date"].date().isoformat(), "previous_city": previous["city"],
                   "gap_days": int(gap.days), "gap_months": int(months), "gap_years": round(gap.days / 365.25, 2)}


def _p4a() -> tuple[pd.DataFrame, dict]:
    table = data.load("missile_launches")
    rules = launches.counting_rules_table(table, "2022-01-01", LAST_LAUNCH_BEFORE_MADRID).reset_index()
    figures = {
        "events_with_cruise": launches.count(table, "2022-01-01", LAST_LAUNCH_BEFORE_MADRID, include_cruise=True),
        "ballistic_events": launches.count(table, "2022-01-01", LAST_LAUNCH_BEFORE_MADRID),
        "ballistic_missiles_rok_jcs": launches.count(table, "2022-01-01", LAST_LAUNCH_BEFORE_MADRID,
                                                     unit="missiles_rok_jcs"),
    }
    return rules, figures


def _p4b() -> tuple[pd.DataFrame, dict]:
    table = launches.select(data.load("missile_launches"), "2022-01-01", LAST_LAUNCH_BEFORE_MADRID,
                            include_cruise=True)
    # Irregular ('abnormal') trajectories: reported as such, or flown far at a low apogee.
    low = table["max_apogee_km"].notna() & table["max_range_km"].notna() & \
        (table["max_apogee_km"] < 100) & (table["max_range_km"] >= 300)
    noted = table["notes"].fillna("").str.contains("irregular|abnormal", case=False, regex=True)
    hypersonic = table["missile_designation"].fillna("").str.contains("ypersonic") | \
        table["missile_type_id"].fillna("").str.contains("hypersonic")
    picked = table[low | noted | hypersonic]
    out = picked[["event_id", "missile_designation", "max_apogee_km", "max_range_km", "figures_from"]]
    return out.reset_index(drop=True), {"irregular_or_low": int((low | noted).sum()),
                                        "called_hypersonic_by_dprk": int(hypersonic.sum())}


def _p7b() -> tuple[pd.DataFrame, dict]:
    timeline = data.load("gsomia_timeline")
    rows = timeline[timeline["date"] <= pd.Timestamp("2016-12-31")]
    signed = timeline[timeline["event"].str.contains("GSOMIA signed", regex=False)].iloc[0]
    return rows[["date", "event"]].assign(date=lambda t: t["date"].dt.date).reset_index(drop=True), \
        {"gsomia_signed": signed["date"].date().isoformat()}


def _p8a() -> tuple[pd.DataFrame, dict]:
    res = data.load("unsc_resolutions")
    sanctions = res[res["date"] >= pd.Timestamp("2006-10-01")]
    adopted = sanctions[sanctions["outcome"] == "adopted"]
    vetoed = sanctions[sanctions["outcome"] == "vetoed"]
    table = sanctions[["number", "date", "outcome", "votes_for", "votes_against", "abstentions", "vetoed_by"]]
    return table.assign(date=lambda t: t["date"].dt.date).reset_index(drop=True), {
        "sanctions_resolutions_adopted": len(adopted),
        "all_adopted_unanimously": bool((adopted["votes_for"] == 15).all()),
        "vetoed_drafts": len(vetoed),
        "vetoes_including_china": int(vetoed["vetoed_by"].fillna("").str.contains("CHN").sum()),
    }


def _p8b() -> tuple[pd.DataFrame, dict]:
    res = data.load("unsc_resolutions")
    row = res[res["number"] == 2397]
    months = row["key_measures"].str.extract(r"within (\d+) months")[0].iloc[0]
    return row[["number", "date", "key_measures"]].assign(date=lambda t: t["date"].dt.date).reset_index(drop=True), \
        {"worker_repatriation_deadline_months": int(months)}


def _p7a() -> tuple[pd.DataFrame, dict]:
    timeline = data.load("gsomia_timeline")
    after = timeline[timeline["date"] > pd.Timestamp(MADRID)]
    return after[["date", "event"]].assign(date=lambda t: t["date"].dt.date).reset_index(drop=True), \
        {"steps_after_madrid": len(after)}


_COMPUTE = {"P3-a": _p3a, "P4-a": _p4a, "P4-b": _p4b, "P7-a": _p7a, "P7-b": _p7b, "P8-a": _p8a, "P8-b": _p8b,
            "P6-b": _p7a, "P1-b": _p7a}


def evidence(claim_id: str) -> Evidence:
    """The claim, the data that bear on it (where the kit has any), and the verdict.

    >>> print(evidence("P9-a").verdict)
    not_checkable
    """
    claims = _claims()
    if claim_id not in claims.index:
        raise KeyError(f"No claim {claim_id!r}; claims are {', '.join(claims.index)}")
    row = claims.loc[claim_id]
    table, figures = _COMPUTE[claim_id]() if claim_id in _COMPUTE else (None, {})
    return Evidence(claim_id, row["paragraph"], row["quotation"], row["kind"], row["verdict"],
                    row["explanation"], table, figures)
