"""Check the datasets: the Table Schemas of datapackage.json, then the kit's own rules.

Schema checks (types, constraints, primary and foreign keys) are done by
``frictionless``, the reference implementation of the Data Package standard, so
the package is valid for any tool that reads Frictionless data.  The rules no
schema can express (a place lies in its country, a UTC time matches the local
one, a quotation is at most 25 words...) are checked here.

Every problem names the file, the row (and the line of the file) and the field:

>>> from eastasia_security.validation import validate_datasets
>>> validate_datasets().ok
True
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import paths

# Rough bounding boxes (lat_min, lat_max, lon_min, lon_max) of the countries the
# places table uses.  Generous on purpose: they catch swapped or mistyped
# coordinates (latitude 123, a sign error), not border disputes.
COUNTRY_BOUNDS: dict[str, tuple[float, float, float, float]] = {
    "JPN": (20.0, 46.0, 122.0, 154.0),
    "KOR": (33.0, 38.7, 124.5, 131.0),
    "PRK": (37.6, 43.1, 124.1, 130.8),
    "CHN": (18.0, 54.0, 73.0, 135.1),
    "RUS": (41.0, 82.0, 19.0, 180.0),
    "USA": (13.0, 72.0, -180.0, -66.0),  # plus Guam, below
    "ESP": (35.0, 44.0, -10.0, 5.0),
}
GUAM_BOUNDS = (13.2, 13.7, 144.6, 145.0)

#: ISO 3166-1 alpha-3 codes the kit uses, plus UNC (United Nations Command).
KNOWN_PARTIES = {
    "AUS", "CHN", "DEU", "ESP", "JPN", "KHM", "KOR", "NLD", "NZL", "PHL", "PRK", "RUS", "USA", "UNC",
}

QUOTATION_MAX_WORDS = 25


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place."""

    file: str
    line: int | None  # line of the file (1 = header), None when the whole file is concerned
    field: str | None
    message: str

    @property
    def row(self) -> int | None:
        """Data row number (1 = first row after the header)."""
        return None if self.line is None else self.line - 1

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", row {self.row} (line {self.line})" if self.line > 1 else ", header (line 1)"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


@dataclass
class Report:
    """Result of checking the datasets."""

    folder: Path
    problems: list[Problem] = field(default_factory=list)
    rows_checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_in(self, file_name: str) -> list[Problem]:
        return [p for p in self.problems if p.file == file_name]

    def format(self) -> str:
        """A readable report for the terminal."""
        lines = [f"Datasets in {self.folder}"]
        width = max((len(n) for n in self.rows_checked), default=10)
        for name, count in self.rows_checked.items():
            bad = len([p for p in self.problems if p.file == f"{name}.csv"])
            status = "ok" if bad == 0 else f"{bad} problem(s)"
            lines.append(f"  {name:<{width}}  {count:>4} rows  {status}")
        if self.problems:
            lines.append("")
            lines.append(f"{len(self.problems)} problem(s):")
            lines.extend(f"  - {p}" for p in self.problems)
        else:
            lines.append("All datasets are valid.")
        return "\n".join(lines)


class DatasetError(ValueError):
    """Raised by the loader when a dataset does not pass validation."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the kit's datasets:\n{shown}{more}")


# --------------------------------------------------------------------------- reading


def _read_descriptor(folder: Path, report: Report) -> dict | None:
    path = folder / "datapackage.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        report.problems.append(Problem("datapackage.json", None, None, f"missing from {folder}"))
        return None
    except UnicodeDecodeError as exc:
        report.problems.append(Problem("datapackage.json", None, None, f"not UTF-8 ({exc.reason})"))
        return None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        report.problems.append(Problem("datapackage.json", exc.lineno, None, f"invalid JSON: {exc.msg}"))
        return None
    if not isinstance(descriptor.get("resources"), list) or not descriptor["resources"]:
        report.problems.append(Problem("datapackage.json", None, "resources", "expected a non-empty list"))
        return None
    return descriptor


def _check_encoding(path: Path, report: Report) -> bool:
    """Report each line that is not UTF-8, naming the field that holds the bad bytes."""
    raw = path.read_bytes()
    header: list[str] = []
    ok = True
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            decoded = line.decode("utf-8")
            if number == 1:
                header = next(csv.reader([decoded]), [])
        except UnicodeDecodeError as exc:
            ok = False
            cells = next(csv.reader([line.decode("utf-8", errors="replace")]), [])
            bad = next((i for i, c in enumerate(cells) if "\ufffd" in c), None)
            name = header[bad] if bad is not None and bad < len(header) else None
            report.problems.append(
                Problem(path.name, number, name, f"bytes that are not UTF-8 (byte 0x{line[exc.start]:02x}); save the file as UTF-8")
            )
    return ok


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- schema (frictionless)


def _schema_problems(folder: Path, descriptor: dict, skip: set[str]) -> list[Problem]:
    """Run frictionless on the package and turn its errors into Problems."""
    import frictionless  # imported here: it takes a moment and only validation needs it

    resources = [r for r in descriptor["resources"] if r.get("name") not in skip]
    # A foreign key into a skipped (unreadable) resource cannot be checked.
    names = {r["name"] for r in resources}
    cleaned = []
    for res in resources:
        res = json.loads(json.dumps(res))
        fks = res.get("schema", {}).get("foreignKeys", [])
        res.get("schema", {})["foreignKeys"] = [
            fk for fk in fks if fk.get("reference", {}).get("resource", "") in names | {""}
        ]
        cleaned.append(res)
    package_descriptor = dict(descriptor, resources=cleaned)

    problems: list[Problem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            package = frictionless.Package(package_descriptor, basepath=str(folder))
            result = package.validate()
        except frictionless.FrictionlessException as exc:
            return [Problem("datapackage.json", None, None, f"not a valid Data Package: {exc.error.message}")]

    schemas = {r["name"]: r.get("schema", {}) for r in cleaned}
    for task in result.tasks:
        file_name = Path(task.place).name if task.place else f"{task.name}.csv"
        schema = schemas.get(task.name, {})
        for error in task.errors:
            problems.append(_problem_from_error(file_name, schema, error))
    return problems


def _problem_from_error(file_name: str, schema: dict, error) -> Problem:
    row = getattr(error, "row_number", None)
    name = getattr(error, "field_name", None)
    cell = getattr(error, "cell", None)
    kind = error.type
    note = getattr(error, "note", "") or ""
    if kind == "type-error":
        ftype = next((f.get("type") for f in schema.get("fields", []) if f["name"] == name), "?")
        expected = {"date": "a date YYYY-MM-DD", "datetime": "a date-time YYYY-MM-DDTHH:MM:SSZ",
                    "integer": "a whole number", "number": "a number", "boolean": "true or false"}.get(ftype, ftype)
        return Problem(file_name, row, name, f"'{cell}' is not {expected}")
    if kind == "constraint-error":
        if '"required"' in note:
            return Problem(file_name, row, name, "is empty but required")
        if '"unique"' in note:
            return Problem(file_name, row, name, f"'{cell}' appears more than once (must be unique)")
        return Problem(file_name, row, name, f"'{cell}' is not allowed ({note.replace(chr(34), '')})")
    if kind in ("primary-key", "unique-error"):
        fields = ", ".join(schema.get("primaryKey", [])) or (name or "")
        return Problem(file_name, row, fields, f"duplicate key: {note}")
    if kind == "foreign-key":
        fk_field = None
        for fk in schema.get("foreignKeys", []):
            if f'"{fk["fields"][0]}"' in note:
                fk_field = fk["fields"][0]
                ref = fk["reference"]
                value = note.split('values "', 1)[-1].split('"', 1)[0]
                return Problem(file_name, row, fk_field,
                               f"'{value}' is not a {ref['fields'][0]} in {ref['resource']}.csv")
        return Problem(file_name, row, fk_field, note)
    if kind in ("extra-cell", "missing-cell"):
        what = "more" if kind == "extra-cell" else "fewer"
        return Problem(file_name, row, name, f"the row has {what} cells than the header (check quoting of commas)")
    if kind in ("missing-label", "extra-label", "incorrect-label", "duplicate-label", "blank-label"):
        return Problem(file_name, 1, name, f"header does not match the schema ({kind}: {note or error.message})")
    return Problem(file_name, row, name, error.message)


# --------------------------------------------------------------------------- the kit's own rules


def _num(value: str) -> float | None:
    try:
        return float(value) if value != "" else None
    except ValueError:
        return None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _inside(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= lat <= box[1] and box[2] <= lon <= box[3]


def _domain_problems(folder: Path, readable: set[str], today: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    tables = {name: _read_rows(folder / f"{name}.csv") for name in readable}
    source_ids = {r["source_id"] for r in tables.get("sources", [])}

    def each(name):
        for line, row in enumerate(tables.get(name, []), start=2):
            yield line, row

    for name in readable:
        for line, row in each(name):
            for extra in filter(None, (row.get("other_source_ids") or "").split(";")):
                if source_ids and extra.strip() not in source_ids:
                    problems.append(Problem(f"{name}.csv", line, "other_source_ids",
                                            f"'{extra.strip()}' is not a source_id in sources.csv"))
            for key, value in row.items():
                d = _date(value) if key in ("date", "date_kst", "signed", "in_force", "ended", "first_flight_test") else None
                if d and d > today:
                    problems.append(Problem(f"{name}.csv", line, key, f"{value} is in the future"))

    for line, row in each("places"):
        lat, lon, country = _num(row["lat"]), _num(row["lon"]), row["country"]
        if lat is None or lon is None or country not in COUNTRY_BOUNDS:
            continue
        boxes = [COUNTRY_BOUNDS[country]] + ([GUAM_BOUNDS] if country == "USA" else [])
        if not any(_inside(lat, lon, b) for b in boxes):
            lat_ok = any(b[0] <= lat <= b[1] for b in boxes)
            problems.append(Problem("places.csv", line, "lon" if lat_ok else "lat",
                                    f"({lat}, {lon}) is outside {country}'s bounds; check for swapped or mistyped coordinates"))
        if row["kind"].startswith("dprk_") and country != "PRK":
            problems.append(Problem("places.csv", line, "country", f"a {row['kind']} must be in PRK, not {country}"))

    seen_seq: dict[str, list[tuple[int, int]]] = {}
    for line, row in each("lines"):
        seq = _num(row["seq"])
        if seq is not None and seq == int(seq):
            seen_seq.setdefault(row["line_id"], []).append((int(seq), line))
    for line_id, items in seen_seq.items():
        items.sort()
        if len(items) < 2:
            problems.append(Problem("lines.csv", items[0][1], "seq", f"line '{line_id}' needs at least two vertices"))
        numbers = [seq for seq, _ in items]
        missing = sorted(set(range(1, len(items) + 1)) - set(numbers))
        for seq, line in items:
            if seq > len(items) or numbers.count(seq) > 1:
                problems.append(Problem(
                    "lines.csv", line, "seq",
                    f"line '{line_id}' has {len(items)} vertices, numbered 1 to {len(items)} without gaps or repeats; "
                    f"this row has {seq}" + (f" (missing: {', '.join(map(str, missing))})" if missing else "")))

    for line, row in each("missile_launches"):
        f = "missile_launches.csv"
        if row["date_kst"] and not row["event_id"].startswith(row["date_kst"]):
            problems.append(Problem(f, line, "event_id", f"'{row['event_id']}' does not start with date_kst {row['date_kst']}"))
        if row["time_kst"] and _date(row["date_kst"]):
            try:
                local = dt.datetime.fromisoformat(f"{row['date_kst']}T{row['time_kst']}")
                expected = (local - dt.timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
                if row["datetime_utc"] != expected:
                    problems.append(Problem(f, line, "datetime_utc",
                                            f"'{row['datetime_utc']}' should be {expected} (date_kst + time_kst - 9 h)"))
            except ValueError:
                pass  # the schema check reports the bad time
        elif row["datetime_utc"]:
            problems.append(Problem(f, line, "datetime_utc", "is set but time_kst is empty"))
        if row["figures_from"] == "none" and (row["max_apogee_km"] or row["max_range_km"]):
            problems.append(Problem(f, line, "figures_from", "is 'none' but apogee or range figures are given"))
        if row["figures_from"] not in ("none", "") and not (row["max_apogee_km"] or row["max_range_km"]):
            problems.append(Problem(f, line, "figures_from", f"is '{row['figures_from']}' but no apogee or range is given"))
        if row["japan_eez"] == "overflew" and row["overflew_japan"] != "true":
            problems.append(Problem(f, line, "overflew_japan", "japan_eez is 'overflew' so overflew_japan must be true"))
        landing = [row["landing_ref_place_id"], row["landing_offset_km"], row["landing_bearing"]]
        if any(landing) and not all(landing):
            problems.append(Problem(f, line, "landing_ref_place_id",
                                    "landing_ref_place_id, landing_offset_km and landing_bearing go together"))
        if row["ballistic"] == "false" and row["missile_class"] != "cruise":
            problems.append(Problem(f, line, "ballistic", "only cruise missiles may have ballistic=false"))
        if not row["max_range_km"] and not row["notes"]:
            problems.append(Problem(f, line, "max_range_km", "is empty without a note explaining why"))
        if not (row["n_missiles_rok_jcs"] or row["n_missiles_japan_mod"] or row["notes"]):
            problems.append(Problem(f, line, "n_missiles_rok_jcs", "no missile count and no note explaining why"))

    for line, row in each("missile_types"):
        low, high = _num(row["range_low_km"]), _num(row["range_high_km"])
        if low is not None and high is not None and low > high:
            problems.append(Problem("missile_types.csv", line, "range_low_km", f"{low} is above range_high_km {high}"))
        if (low is None or high is None) and not row["notes"]:
            problems.append(Problem("missile_types.csv", line, "range_high_km", "range is empty without a note explaining why"))

    for line, row in each("treaties"):
        for code in row["parties"].split(";"):
            if code and code not in KNOWN_PARTIES:
                problems.append(Problem("treaties.csv", line, "parties", f"'{code}' is not a party code the kit knows"))
        signed, in_force, ended = _date(row["signed"]), _date(row["in_force"]), _date(row["ended"])
        if signed and in_force and in_force < signed:
            problems.append(Problem("treaties.csv", line, "in_force", f"{in_force} is before signed {signed}"))
        if ended and (in_force or signed) and ended < (in_force or signed):
            problems.append(Problem("treaties.csv", line, "ended", f"{ended} is before it took effect"))

    for line, row in each("unsc_resolutions"):
        votes = [_num(row[k]) for k in ("votes_for", "votes_against", "abstentions")]
        if None not in votes and sum(votes) != 15:
            problems.append(Problem("unsc_resolutions.csv", line, "votes_for",
                                    f"votes add up to {int(sum(votes))}, not the Council's 15 members"))
        if (row["outcome"] == "vetoed") != bool(row["vetoed_by"]):
            problems.append(Problem("unsc_resolutions.csv", line, "vetoed_by", "must be set exactly when outcome is 'vetoed'"))

    for line, row in each("editorial_claims"):
        words = len(row["quotation"].split())
        if words > QUOTATION_MAX_WORDS:
            problems.append(Problem("editorial_claims.csv", line, "quotation",
                                    f"{words} words; quote at most {QUOTATION_MAX_WORDS}"))
        if row["paragraph"] and not row["claim_id"].startswith(row["paragraph"] + "-"):
            problems.append(Problem("editorial_claims.csv", line, "claim_id",
                                    f"'{row['claim_id']}' does not match paragraph {row['paragraph']}"))
        if row["kind"] in ("opinion", "recommendation") and row["verdict"] in ("supported", "not_supported"):
            problems.append(Problem("editorial_claims.csv", line, "verdict",
                                    f"an {row['kind']} cannot be '{row['verdict']}'; use not_checkable or contested"))
    return problems


# --------------------------------------------------------------------------- entry point


def validate_datasets(folder: Path | str | None = None, today: dt.date | None = None) -> Report:
    """Check every dataset in ``folder`` (default: the kit's datasets) and return a Report.

    >>> report = validate_datasets()
    >>> report.ok, report.rows_checked["sources"] > 0
    (True, True)
    """
    folder = Path(folder) if folder is not None else paths.datasets_dir()
    report = Report(folder=folder)
    descriptor = _read_descriptor(folder, report)
    if descriptor is None:
        return report

    readable: set[str] = set()
    unreadable: set[str] = set()
    for res in descriptor["resources"]:
        name, rel = res.get("name"), res.get("path")
        if not name or not isinstance(rel, str):
            report.problems.append(Problem("datapackage.json", None, "resources", f"resource {name!r} needs a name and a path"))
            continue
        path = folder / rel
        if not path.is_file():
            report.problems.append(Problem(rel, None, None, "file is missing"))
            unreadable.add(name)
            continue
        if _check_encoding(path, report):
            readable.add(name)
            with path.open(encoding="utf-8", newline="") as handle:
                report.rows_checked[name] = max(sum(1 for _ in csv.reader(handle)) - 1, 0)
        else:
            unreadable.add(name)
            report.rows_checked[name] = 0

    report.problems.extend(_schema_problems(folder, descriptor, skip=unreadable))
    report.problems.extend(_domain_problems(folder, readable, today or dt.date.today()))
    report.problems.sort(key=lambda p: (p.file, p.line or 0, p.field or ""))
    return report

