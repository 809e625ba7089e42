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
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlparse

from . import paths
from .problems import Problem, ValidationFailed
from .problems import Report as _BaseReport

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
#: Chinese and Japanese are written without spaces: the limit is in characters.
QUOTATION_MAX_CHARS_CJK = 60

#: Hosts the kit never cites: blogs, bookmark lists, aggregators, content farms, mirrors and
#: sites that re-host other publishers' copy.  A source must be the original publisher's page.
WEAK_HOSTS = (
    "tellerreport.com", "pledgetimes.com", "earthpressnews.com", "socialbites.ca", "cmio.org",
    "anmnews.in", "weeklyblitz.net", "cfdot.com", "coron.tech", "jjang0u.com", "krnews21.co.kr",
    "blog.goo.ne.jp", "b.hatena.ne.jp", "hatenablog", "ameblo.jp", "note.com", "livedoor",
    "nordot.app", "wikimili.com", "statista.com", "3rd-in.co.jp", "abhp.net", "usfl.com",
    "news-pravda.com", "pravda-", "ein presswire", "einpresswire.com", "medium.com",
    "blogspot.", "wordpress.com", "substack.com", "infoseek.co.jp", "kamoto", "sdsantai",
    "centennialasia.com", "kuna.net.kw", "inform.kz", "bolnews.com", "dailymaverick.co.za",
    "report.az", "suntv.co.jp", "easyjapanese", "foxnews.com",
)
REFERENCE_HOSTS = ("wikipedia.org",)
STATE_MEDIA_HOSTS = ("kcna.kp", "rodong.rep.kp", "kookbang.dema.mil.kr", "ktv.go.kr", "xinhuanet.com", "news.cn",
                     "cgtn.com", "globaltimes.cn", "tass.", "ria.ru")

#: Every voice of the statements table, and how many a topic needs at least.
VOICES = ("japan_government", "rok_government", "rok_opposition", "rok_civil_society", "us_government",
          "prc_government", "dprk", "russia_government")
MIN_VOICES_PER_TOPIC = 4
#: The press framings of the Madrid meeting come from at least this many countries.
MIN_PRESS_COUNTRIES = 5


class Report(_BaseReport):
    """Result of checking the datasets: a :class:`~eastasia_security.problems.Report`
    with the folder and the number of rows read from each table."""

    def __init__(self, folder: Path, problems: list[Problem] | None = None,
                 rows_checked: dict[str, int] | None = None):
        super().__init__(title=f"Datasets in {folder}", problems=list(problems or []))
        self.folder = folder
        self.rows_checked = dict(rows_checked or {})

    @property
    def items(self) -> dict[str, str]:  # type: ignore[override]
        return {name: f"{count:>4} rows" for name, count in self.rows_checked.items()}

    @items.setter
    def items(self, value) -> None:  # the base class sets it once; rows_checked is the truth
        pass

    def format(self, all_good: str = "All datasets are valid.") -> str:
        return super().format(all_good)


class DatasetError(ValidationFailed):
    """Raised by the loader when a dataset does not pass validation."""

    what = "the kit's datasets"


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


class Tables:
    """The rows of every readable table, for the rules below (row dicts, values as text)."""

    def __init__(self, tables: dict[str, list[dict[str, str]]], today: dt.date):
        self.tables = tables
        self.today = today
        self.source_ids = {r["source_id"] for r in tables.get("sources", [])}

    def rows(self, name: str) -> Iterator[tuple[int, dict[str, str]]]:
        """(line of the file, row) for each row of a table; the header is line 1."""
        for line, row in enumerate(self.tables.get(name, []), start=2):
            yield line, row

    def ids(self, name: str, key: str) -> set[str]:
        return {r.get(key, "") for r in self.tables.get(name, [])}


Rule = Callable[[Tables], Iterator[Problem]]
#: The kit's own rules, by the table they check (a rule may read other tables too).
RULES: dict[str, list[Rule]] = {}


def rule(table: str) -> Callable[[Rule], Rule]:
    """Register a rule for ``table``; the rule yields Problems."""
    def register(function: Rule) -> Rule:
        RULES.setdefault(table, []).append(function)
        return function
    return register


DATE_FIELDS = ("date", "date_kst", "end_date", "signed", "in_force", "ended", "first_flight_test")


def every_table_other_sources_exist(t: Tables) -> Iterator[Problem]:
    """other_source_ids name sources that exist."""
    for name in t.tables:
        for line, row in t.rows(name):
            for extra in filter(None, (row.get("other_source_ids") or "").split(";")):
                if t.source_ids and extra.strip() not in t.source_ids:
                    yield Problem(f"{name}.csv", line, "other_source_ids",
                                  f"'{extra.strip()}' is not a source_id in sources.csv")


def every_table_no_future_dates(t: Tables) -> Iterator[Problem]:
    """No date lies after today, and no row was checked in the future."""
    for name in t.tables:
        for line, row in t.rows(name):
            for key in DATE_FIELDS + ("checked",):
                d = _date(row.get(key, ""))
                if d and d > t.today:
                    yield Problem(f"{name}.csv", line, key, f"{row[key]} is in the future")


def every_table_unchecked_rows_say_why(t: Tables) -> Iterator[Problem]:
    """A row that could not be verified says why in notes."""
    for name in t.tables:
        for line, row in t.rows(name):
            if "checked" in row and not row["checked"] and not row.get("notes"):
                yield Problem(f"{name}.csv", line, "checked", "is empty without a note saying why the row could not be verified")


GLOBAL_RULES: list[Rule] = [every_table_other_sources_exist, every_table_no_future_dates,
                            every_table_unchecked_rows_say_why]


def _host(url: str) -> str:
    return (urlparse(url).hostname or "").lower()


@rule("sources")
def sources_no_weak_hosts(t: Tables) -> Iterator[Problem]:
    """No blog, mirror, aggregator or re-hosted copy: the original publisher's page."""
    for line, row in t.rows("sources"):
        where = (row["url"] + " " + row["publisher"]).lower()
        weak = next((h for h in WEAK_HOSTS if h in where), None)
        if weak:
            yield Problem("sources.csv", line, "url",
                          f"'{row['url']}' is a blog, mirror, aggregator or re-hosted copy ({weak}); "
                          "cite the original publisher's page")


@rule("sources")
def sources_kind_matches_host(t: Tables) -> Iterator[Problem]:
    """Encyclopaedias are 'reference' and state media 'state_media', whatever else they are."""
    for line, row in t.rows("sources"):
        host = _host(row["url"])
        if any(host.endswith(h) for h in REFERENCE_HOSTS) and row["kind"] != "reference":
            yield Problem("sources.csv", line, "kind", f"'{row['kind']}': a page on {host} is a 'reference'")
        if any(h in host for h in STATE_MEDIA_HOSTS) and row["kind"] not in ("state_media", "primary"):
            yield Problem("sources.csv", line, "kind", f"'{row['kind']}': {host} is 'state_media'")


@rule("sources")
def sources_titles_translated(t: Tables) -> Iterator[Problem]:
    """A source in another language gives its title in English in notes."""
    for line, row in t.rows("sources"):
        if row["language"] != "en" and "title (en):" not in row.get("notes", "").lower():
            yield Problem("sources.csv", line, "notes",
                          f"the source is in '{row['language']}': give the title in English as 'Title (en): ...'")


@rule("sources")
def sources_one_row_per_page(t: Tables) -> Iterator[Problem]:
    """A page is one source: two ids for the same URL split its citations and inflate the counts."""
    first: dict[str, tuple[int, str]] = {}
    for line, row in t.rows("sources"):
        url = row["url"].strip()
        if url and url in first:
            yield Problem("sources.csv", line, "url",
                          f"'{url}' is already source '{first[url][1]}' (line {first[url][0]}); cite that id")
        first.setdefault(url, (line, row["source_id"]))


@rule("places")
def places_inside_country(t: Tables) -> Iterator[Problem]:
    """A place lies in its country's bounding box (catches swapped or mistyped coordinates)."""
    for line, row in t.rows("places"):
        lat, lon, country = _num(row["lat"]), _num(row["lon"]), row["country"]
        if lat is None or lon is None or country not in COUNTRY_BOUNDS:
            continue
        boxes = [COUNTRY_BOUNDS[country]] + ([GUAM_BOUNDS] if country == "USA" else [])
        if not any(_inside(lat, lon, b) for b in boxes):
            lat_ok = any(b[0] <= lat <= b[1] for b in boxes)
            yield Problem("places.csv", line, "lon" if lat_ok else "lat",
                          f"({lat}, {lon}) is outside {country}'s bounds; check for swapped or mistyped coordinates")
        if row["kind"].startswith("dprk_") and country != "PRK":
            yield Problem("places.csv", line, "country", f"a {row['kind']} must be in PRK, not {country}")


@rule("lines")
def lines_vertices_numbered(t: Tables) -> Iterator[Problem]:
    """Each line has at least two vertices numbered 1..n without gaps or repeats."""
    seen_seq: dict[str, list[tuple[int, int]]] = {}
    for line, row in t.rows("lines"):
        seq = _num(row["seq"])
        if seq is not None and seq == int(seq):
            seen_seq.setdefault(row["line_id"], []).append((int(seq), line))
    for line_id, items in seen_seq.items():
        items.sort()
        if len(items) < 2:
            yield Problem("lines.csv", items[0][1], "seq", f"line '{line_id}' needs at least two vertices")
        numbers = [seq for seq, _ in items]
        missing = sorted(set(range(1, len(items) + 1)) - set(numbers))
        for seq, line in items:
            if seq > len(items) or numbers.count(seq) > 1:
                yield Problem(
                    "lines.csv", line, "seq",
                    f"line '{line_id}' has {len(items)} vertices, numbered 1 to {len(items)} without gaps or repeats; "
                    f"this row has {seq}" + (f" (missing: {', '.join(map(str, missing))})" if missing else ""))


@rule("missile_launches")
def launches_ids_and_times(t: Tables) -> Iterator[Problem]:
    """event_id starts with the KST date; the UTC time is the KST time minus 9 hours."""
    f = "missile_launches.csv"
    for line, row in t.rows("missile_launches"):
        if row["date_kst"] and not row["event_id"].startswith(row["date_kst"]):
            yield Problem(f, line, "event_id", f"'{row['event_id']}' does not start with date_kst {row['date_kst']}")
        if row["time_kst"] and _date(row["date_kst"]):
            try:
                local = dt.datetime.fromisoformat(f"{row['date_kst']}T{row['time_kst']}")
            except ValueError:
                continue  # the schema check reports the bad time
            expected = (local - dt.timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if row["datetime_utc"] != expected:
                yield Problem(f, line, "datetime_utc",
                              f"'{row['datetime_utc']}' should be {expected} (date_kst + time_kst - 9 h)")
        elif row["datetime_utc"]:
            yield Problem(f, line, "datetime_utc", "is set but time_kst is empty")


@rule("missile_launches")
def launches_figures_and_landing(t: Tables) -> Iterator[Problem]:
    """figures_from agrees with the figures; landing points come as place, distance and bearing."""
    f = "missile_launches.csv"
    for line, row in t.rows("missile_launches"):
        if row["figures_from"] == "none" and (row["max_apogee_km"] or row["max_range_km"] or row["flight_time_min"]):
            yield Problem(f, line, "figures_from", "is 'none' but apogee, range or flight-time figures are given")
        if row["figures_from"] not in ("none", "") and not (row["max_apogee_km"] or row["max_range_km"]
                                                             or row["flight_time_min"]):
            yield Problem(f, line, "figures_from", f"is '{row['figures_from']}' but no apogee, range or flight time is given")
        if row["japan_eez"] == "overflew" and row["overflew_japan"] != "true":
            yield Problem(f, line, "overflew_japan", "japan_eez is 'overflew' so overflew_japan must be true")
        landing = [row["landing_ref_place_id"], row["landing_offset_km"], row["landing_bearing"]]
        if any(landing) and not all(landing):
            yield Problem(f, line, "landing_ref_place_id",
                          "landing_ref_place_id, landing_offset_km and landing_bearing go together")
        if not row["max_range_km"] and not row["notes"]:
            yield Problem(f, line, "max_range_km", "is empty without a note explaining why")
        if not (row["n_missiles_rok_jcs"] or row["n_missiles_japan_mod"] or row["notes"]):
            yield Problem(f, line, "n_missiles_rok_jcs", "no missile count and no note explaining why")


@rule("missile_launches")
def launches_kind_agrees_with_class(t: Tables) -> Iterator[Problem]:
    """launch_kind, missile_class and ballistic tell the same story."""
    f = "missile_launches.csv"
    for line, row in t.rows("missile_launches"):
        kind, cls, ballistic = row.get("launch_kind", ""), row["missile_class"], row["ballistic"]
        if (kind == "cruise") != (cls == "cruise"):
            yield Problem(f, line, "launch_kind", f"'{kind}' with missile_class '{cls}': cruise goes with cruise")
        if (kind == "space_launch") != (cls == "SLV"):
            yield Problem(f, line, "launch_kind", f"'{kind}' with missile_class '{cls}': space_launch goes with SLV")
        if ballistic == "false" and kind not in ("cruise", "rocket_artillery"):
            yield Problem(f, line, "ballistic", "only cruise missiles and rocket artillery may have ballistic=false")
        if ballistic == "true" and kind == "cruise":
            yield Problem(f, line, "ballistic", "a cruise missile is not ballistic")
        if row.get("reported_by_japan_mod") == "true" and not row["n_missiles_japan_mod"] and not row["notes"]:
            yield Problem(f, line, "n_missiles_japan_mod", "Japan MOD reported the event but its count is empty without a note")


@rule("missile_types")
def types_ranges_ordered(t: Tables) -> Iterator[Problem]:
    """range_low_km <= range_high_km, and an empty range says why."""
    for line, row in t.rows("missile_types"):
        low, high = _num(row["range_low_km"]), _num(row["range_high_km"])
        if low is not None and high is not None and low > high:
            yield Problem("missile_types.csv", line, "range_low_km", f"{low} is above range_high_km {high}")
        if (low is None or high is None) and not row["notes"]:
            yield Problem("missile_types.csv", line, "range_high_km", "range is empty without a note explaining why")


def _known_parties(t: Tables, table: str, column: str) -> Iterator[Problem]:
    for line, row in t.rows(table):
        for code in row[column].split(";"):
            if code and code not in KNOWN_PARTIES:
                yield Problem(f"{table}.csv", line, column, f"'{code}' is not a party code the kit knows")


@rule("treaties")
def treaties_parties_and_dates(t: Tables) -> Iterator[Problem]:
    """Known party codes; a treaty takes effect after signature and ends after that."""
    yield from _known_parties(t, "treaties", "parties")
    for line, row in t.rows("treaties"):
        signed, in_force, ended = _date(row["signed"]), _date(row["in_force"]), _date(row["ended"])
        if signed and in_force and in_force < signed:
            yield Problem("treaties.csv", line, "in_force", f"{in_force} is before signed {signed}")
        if ended and (in_force or signed) and ended < (in_force or signed):
            yield Problem("treaties.csv", line, "ended", f"{ended} is before it took effect")


@rule("unsc_resolutions")
def resolutions_votes(t: Tables) -> Iterator[Problem]:
    """Votes add up to the Council's 15 members; a veto names who cast it."""
    for line, row in t.rows("unsc_resolutions"):
        votes = [_num(row[k]) for k in ("votes_for", "votes_against", "abstentions")]
        if None not in votes and sum(votes) != 15:
            yield Problem("unsc_resolutions.csv", line, "votes_for",
                          f"votes add up to {int(sum(votes))}, not the Council's 15 members")
        if (row["outcome"] == "vetoed") != bool(row["vetoed_by"]):
            yield Problem("unsc_resolutions.csv", line, "vetoed_by", "must be set exactly when outcome is 'vetoed'")


def quotation_problem(quotation: str, language: str) -> str | None:
    """Why a quotation is too long for fair use in the kit, or None.

    >>> quotation_problem("a b c", "en") is None
    True
    >>> quotation_problem("字" * 61, "zh")
    '61 characters; quote at most 60 in Chinese or Japanese'
    """
    if language in ("zh", "ja"):
        length = len("".join(quotation.split()))
        if length > QUOTATION_MAX_CHARS_CJK:
            return f"{length} characters; quote at most {QUOTATION_MAX_CHARS_CJK} in Chinese or Japanese"
        return None
    words = len(quotation.split())
    return f"{words} words; quote at most {QUOTATION_MAX_WORDS}" if words > QUOTATION_MAX_WORDS else None


@rule("editorial_claims")
def claims_short_and_consistent(t: Tables) -> Iterator[Problem]:
    """Quotations are short; ids match paragraphs; opinions are not 'supported'."""
    for line, row in t.rows("editorial_claims"):
        message = quotation_problem(row["quotation"], "en")
        if message:
            yield Problem("editorial_claims.csv", line, "quotation", message)
        if row["paragraph"] and not row["claim_id"].startswith(row["paragraph"] + "-"):
            yield Problem("editorial_claims.csv", line, "claim_id",
                          f"'{row['claim_id']}' does not match paragraph {row['paragraph']}")
        if row["kind"] in ("opinion", "recommendation") and row["verdict"] in ("supported", "not_supported"):
            yield Problem("editorial_claims.csv", line, "verdict",
                          f"an {row['kind']} cannot be '{row['verdict']}'; use not_checkable or contested")


def _quoted_in_own_language(file: str, line: int, row: dict[str, str]) -> Iterator[Problem]:
    """A quotation is short, and one not in English comes with a translation."""
    message = quotation_problem(row["quotation"], row["language"])
    if message:
        yield Problem(file, line, "quotation", message)
    if row["language"] != "en" and not row["translation_en"]:
        yield Problem(file, line, "translation_en", f"the quotation is in '{row['language']}': give an English translation")


@rule("statements")
def statements_short_and_translated(t: Tables) -> Iterator[Problem]:
    """Quotations are short, in their own language, with an English translation when needed."""
    for line, row in t.rows("statements"):
        yield from _quoted_in_own_language("statements.csv", line, row)
        if row["language"] == "en" and row["translation_en"]:
            yield Problem("statements.csv", line, "translation_en", "the quotation is already in English")


@rule("statements")
def statements_every_side(t: Tables) -> Iterator[Problem]:
    """Every topic is heard from at least four voices, and every voice is heard."""
    rows = list(t.rows("statements"))
    if not rows:
        return
    voices: dict[str, set[str]] = {}
    for _, row in rows:
        voices.setdefault(row["topic"], set()).add(row["voice"])
    for topic, heard in sorted(voices.items()):
        if len(heard) < MIN_VOICES_PER_TOPIC:
            first = next(line for line, row in rows if row["topic"] == topic)
            yield Problem("statements.csv", first, "voice",
                          f"topic '{topic}' has {len(heard)} voice(s) ({', '.join(sorted(heard))}); "
                          f"it needs at least {MIN_VOICES_PER_TOPIC}")
    missing = sorted(set(VOICES) - set().union(*voices.values()))
    if missing:
        yield Problem("statements.csv", None, "voice", f"no statement from: {', '.join(missing)}")


@rule("press_framings")
def press_framings_short_translated_and_from_five_countries(t: Tables) -> Iterator[Problem]:
    """Press quotations are short and translated, and the outlets come from at least five countries."""
    countries: set[str] = set()
    for line, row in t.rows("press_framings"):
        countries.add(row["country"])
        yield from _quoted_in_own_language("press_framings.csv", line, row)
        if not row["headline"] and not row["notes"]:
            yield Problem("press_framings.csv", line, "notes", "the headline is empty: say why in notes")
    if t.tables.get("press_framings") and len(countries) < MIN_PRESS_COUNTRIES:
        yield Problem("press_framings.csv", None, "country",
                      f"outlets from {len(countries)} countries ({', '.join(sorted(countries))}); "
                      f"the lesson needs at least {MIN_PRESS_COUNTRIES}")


@rule("nuclear_tests")
def nuclear_tests_yields_and_responses(t: Tables) -> Iterator[Problem]:
    """Yield ranges are ordered and attributed; responses are resolutions in the kit."""
    numbers = t.ids("unsc_resolutions", "number")
    for line, row in t.rows("nuclear_tests"):
        low, high = _num(row["yield_low_kt"]), _num(row["yield_high_kt"])
        if low is not None and high is not None and low > high:
            yield Problem("nuclear_tests.csv", line, "yield_low_kt", f"{low} is above yield_high_kt {high}")
        if (low is not None or high is not None) and not row["yield_estimated_by"]:
            yield Problem("nuclear_tests.csv", line, "yield_estimated_by", "a yield estimate needs who made it")
        for number in filter(None, row["unsc_response"].split(";")):
            if numbers and number not in numbers:
                yield Problem("nuclear_tests.csv", line, "unsc_response",
                              f"resolution {number} is not in unsc_resolutions.csv")


@rule("events")
def events_dates_and_actors(t: Tables) -> Iterator[Problem]:
    """An event ends after it starts; its id starts with its date; actors are known."""
    yield from _known_parties(t, "events", "actors")
    for line, row in t.rows("events"):
        start, end = _date(row["date"]), _date(row["end_date"])
        if start and end and end < start:
            yield Problem("events.csv", line, "end_date", f"{end} is before date {start}")
        if row["date"] and not row["event_id"].startswith(row["date"]):
            yield Problem("events.csv", line, "event_id", f"'{row['event_id']}' does not start with date {row['date']}")


@rule("launch_counter_totals")
def counter_totals_explained_rules(t: Tables) -> Iterator[Problem]:
    """Each published total states its rule; one figure per year, counter and unit."""
    for line, row in t.rows("launch_counter_totals"):
        if not row["rule_as_stated"].strip():
            yield Problem("launch_counter_totals.csv", line, "rule_as_stated", "say what the counter counted")


@rule("crosscheck_cns")
def crosscheck_days_are_launch_days(t: Tables) -> Iterator[Problem]:
    """A CNS launch day that the kit has no event for must be explained."""
    days = t.ids("missile_launches", "date_kst")
    for line, row in t.rows("crosscheck_cns"):
        if days and row["date_kst"] not in days and not row["explanation"]:
            yield Problem("crosscheck_cns.csv", line, "explanation",
                          f"the kit records no launch on {row['date_kst']}: fix the record or explain the difference")


def _domain_problems(folder: Path, readable: set[str], today: dt.date) -> list[Problem]:
    tables = Tables({name: _read_rows(folder / f"{name}.csv") for name in readable}, today)
    problems: list[Problem] = []
    for check in GLOBAL_RULES:
        problems.extend(_tagged(check, check(tables)))
    for table, checks in RULES.items():
        if table not in readable:
            continue
        for check in checks:
            problems.extend(_tagged(check, check(tables)))
    return problems


def _tagged(check: Rule, found) -> list[Problem]:
    """Name the rule and the table on each problem it found."""
    out = []
    for p in found:
        group = p.file[:-4] if p.file.endswith(".csv") else p.group
        out.append(Problem(p.file, p.line, p.field, p.message, item=p.item, cell=p.cell,
                           group=group, check=check.__name__))
    return out


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
    # The kit's rules read fields by name: a table whose header does not match its schema
    # (already reported above) is left out of them rather than half-checked.
    headers_ok = {r["name"] for r in descriptor["resources"] if r.get("name") in readable
                  and _header(folder / r["path"]) == [f["name"] for f in r.get("schema", {}).get("fields", [])]}
    report.problems.extend(_domain_problems(folder, headers_ok, today or dt.date.today()))
    report.problems = sorted(
        (p if p.group else replace(p, group=p.file[:-4] if p.file.endswith(".csv") else None) for p in report.problems),
        key=lambda p: (p.file, p.line or 0, p.field or ""))
    return report


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])

