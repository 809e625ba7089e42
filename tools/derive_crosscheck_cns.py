"""Derive ``crosscheck_cns.csv``: missiles per Korean day in the CNS North Korea Missile Test Database.

Only derived facts are stored (a count and the database's missile names per day), never a
copy of the database. The input is a public copy of the database's records (the JSON file
``data/test.en.json`` of the nk-missile-tests visualisation, which follows the CNS figures);
pass its path, and the commit it was read at for the notes:

    python tools/derive_crosscheck_cns.py path/to/test.en.json > /tmp/cns.csv

The database gives UTC dates and times; a launch at 23:10 UTC is on the next day in Korea,
so each record is moved to its KST date before counting. Records with no time keep their
date (noted). Existing ``explanation`` and ``notes`` cells of the current file are kept, so
re-deriving never loses the reconciliation work.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

SOURCE_ID = "cns-nti-missile-test-database"
FIRST_DAY = "2016-01-01"
HEADER = ["date_kst", "n_missiles_cns", "missiles_cns", "explanation", "source_id", "notes"]


def kst_day(record: dict) -> tuple[str, bool]:
    """(KST date, whether the time was known) of one database record."""
    day = dt.date.fromisoformat(record["date"])
    time = record.get("time", "unknown")
    if time.endswith("(UTC)"):
        hours, minutes = map(int, time.split()[0].split(":"))
        moment = dt.datetime(day.year, day.month, day.day, hours, minutes) + dt.timedelta(hours=9)
        return moment.date().isoformat(), True
    return day.isoformat(), False


def derive(records: list[dict], existing: dict[str, dict]) -> list[dict]:
    days: dict[str, dict] = {}
    for record in records:
        if record["date"] < FIRST_DAY[:4]:
            continue  # early records are dated by month only
        day, timed = kst_day(record)
        if day < FIRST_DAY:
            continue
        entry = days.setdefault(day, {"n": 0, "names": set(), "untimed": 0})
        entry["n"] += 1
        entry["names"].add(record.get("missile", "unknown"))
        entry["untimed"] += 0 if timed else 1
    rows = []
    for day in sorted(days):
        entry = days[day]
        old = existing.get(day, {})
        note = old.get("notes", "")
        if entry["untimed"] and not note:
            note = f"{entry['untimed']} record(s) without a time: the database's date is kept as the KST date."
        rows.append({"date_kst": day, "n_missiles_cns": entry["n"], "missiles_cns": ";".join(sorted(entry["names"])),
                     "explanation": old.get("explanation", ""), "source_id": SOURCE_ID, "notes": note})
    # Days the kit records and the database lacks (count 0) carry their explanation over.
    rows += [dict(r) for day, r in existing.items() if day not in days and r.get("n_missiles_cns") == "0"]
    return sorted(rows, key=lambda r: r["date_kst"])


def main(argv: list[str]) -> int:
    data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    records = [r for year in data["timeBins"] for r in year["data"]]
    current = Path(__file__).resolve().parent.parent / "datasets" / "crosscheck_cns.csv"
    existing = {}
    if current.is_file():
        with current.open(encoding="utf-8", newline="") as handle:
            existing = {r["date_kst"]: r for r in csv.DictReader(handle)}
    writer = csv.DictWriter(sys.stdout, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(derive(records, existing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
