"""What a researcher checks before trusting the data: who the sources are, whether every side
is heard, whether the launch record reproduces each counter's published totals, and whether it
agrees with an independent database. Each rule also gets a corrupted copy that must fail with
the file, row and field named."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eastasia_security import data, geo, launches
from eastasia_security.cli import main
from eastasia_security.validation import VOICES, WEAK_HOSTS, validate_datasets

from kit_testing import REPO, line_of, set_cell


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, table: list[dict[str, str]]) -> None:
    """Write ``table`` (as :func:`rows` returns it) back over a copied CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)


def first_row(folder: Path, name: str, **match) -> dict[str, str]:
    for row in rows(folder, name):
        if all(row[k] == v for k, v in match.items()):
            return row
    raise LookupError(f"no row of {name} with {match}")


# --------------------------------------------------------------------------- sources


def test_sources_meet_the_shares_a_researcher_expects():
    sources = data.load("sources")
    n = len(sources)
    kinds = sources["kind"].value_counts()
    assert kinds.get("reference", 0) / n <= 0.10, kinds.to_dict()
    assert kinds.get("primary", 0) / n >= 0.35, kinds.to_dict()
    languages = sources["language"].value_counts()
    assert languages.get("ko", 0) >= 8, languages.to_dict()
    assert languages.get("zh", 0) >= 5, languages.to_dict()


def test_no_source_is_a_blog_mirror_or_aggregator():
    sources = data.load("sources")
    for row in sources.itertuples():
        where = f"{row.url} {row.publisher}".lower()
        assert not any(host in where for host in WEAK_HOSTS), (row.source_id, row.url)


def test_every_source_is_cited_by_some_row():
    """A source list is a bibliography of what the data use, not a reading list."""
    cited: set[str] = set()
    for name in data.list_datasets():
        if name == "sources":
            continue
        table = data.load(name)
        for column in ("source_id", "other_source_ids"):
            if column in table:
                for value in table[column].dropna():
                    cited |= {s.strip() for s in str(value).split(";") if s.strip()}
    for bank in (REPO / "course" / "quizzes").glob("*.yml"):
        text = bank.read_text(encoding="utf-8")
        cited |= {s for s in data.load("sources")["source_id"] if s in text}
    unused = sorted(set(data.load("sources")["source_id"]) - cited)
    assert unused == [], unused


@pytest.mark.parametrize("field,value,words", [
    ("url", "https://pledgetimes.com/some-story/", "re-hosted copy"),
    ("kind", "blog", "'blog' is not allowed"),
    ("language", "fr", "'fr' is not allowed"),
])
def test_a_bad_source_row_is_named(datasets_copy, capsys, field, value, words):
    source_id = first_row(datasets_copy, "sources.csv", kind="primary")["source_id"]
    line = set_cell(datasets_copy, "sources.csv", "source_id", source_id, field, value)
    assert main(["validate", "--datasets", str(datasets_copy), "--skip-course"]) == 1
    out = capsys.readouterr().out
    assert f"sources.csv, row {line - 1} (line {line}), field '{field}'" in out and words in out, out


def test_a_wikipedia_page_must_be_kind_reference(datasets_copy):
    source_id = first_row(datasets_copy, "sources.csv", kind="primary")["source_id"]
    line = set_cell(datasets_copy, "sources.csv", "source_id", source_id, "url", "https://en.wikipedia.org/wiki/GSOMIA")
    problems = validate_datasets(datasets_copy).problems_in("sources.csv")
    assert any(p.line == line and p.field == "kind" and "reference" in p.message for p in problems), problems


def test_two_ids_for_one_page_are_named(datasets_copy):
    first, second = rows(datasets_copy, "sources.csv")[:2]
    line = set_cell(datasets_copy, "sources.csv", "source_id", second["source_id"], "url", first["url"])
    problems = validate_datasets(datasets_copy).problems_in("sources.csv")
    assert any(p.line == line and p.field == "url" and f"already source '{first['source_id']}'" in p.message
               for p in problems), problems


def test_a_foreign_language_title_needs_its_translation(datasets_copy):
    row = next(r for r in rows(datasets_copy, "sources.csv") if r["language"] == "ko")
    line = set_cell(datasets_copy, "sources.csv", "source_id", row["source_id"], "notes", "")
    problems = validate_datasets(datasets_copy).problems_in("sources.csv")
    assert any(p.line == line and p.field == "notes" and "Title (en)" in p.message for p in problems), problems


# --------------------------------------------------------------------------- statements


def test_every_topic_is_heard_from_at_least_four_voices_and_every_voice_is_heard():
    statements = data.load("statements")
    per_topic = statements.groupby("topic")["voice"].nunique()
    assert set(per_topic.index) == {"madrid_meeting", "trilateral_cooperation", "gsomia", "missile_tests",
                                    "sanctions_china", "history_disputes", "engagement"}
    assert (per_topic >= 4).all(), per_topic.to_dict()
    assert set(statements["voice"]) >= set(VOICES) - set(), set(VOICES) - set(statements["voice"])


def test_quotations_are_short_and_translated():
    statements = data.load("statements")
    for row in statements.itertuples():
        if row.language in ("zh", "ja"):
            assert len("".join(row.quotation.split())) <= 60, row.statement_id
        else:
            assert len(row.quotation.split()) <= 25, row.statement_id
        assert (row.language == "en") == pd.isna(row.translation_en), row.statement_id


@pytest.mark.parametrize("file,key,field,value,words", [
    ("statements.csv", "statement_id", "quotation", " ".join(["mot"] * 26), "26 words; quote at most 25"),
    ("statements.csv", "statement_id", "translation_en", "", "give an English translation"),
    ("statements.csv", "statement_id", "voice", "editorial_board", "'editorial_board' is not allowed"),
    ("press_framings.csv", "framing_id", "quotation", " ".join(["낱말"] * 26), "26 words; quote at most 25"),
    ("press_framings.csv", "framing_id", "translation_en", "", "give an English translation"),
    ("press_framings.csv", "framing_id", "country", "FRA", "'FRA' is not allowed"),
])
def test_a_bad_quotation_row_is_named(datasets_copy, capsys, file, key, field, value, words):
    row = next(r for r in rows(datasets_copy, file) if r["language"] == "ko")
    line = set_cell(datasets_copy, file, key, row[key], field, value)
    assert main(["validate", "--datasets", str(datasets_copy), "--skip-course"]) == 1
    out = capsys.readouterr().out
    assert f"{file}, row {line - 1} (line {line}), field '{field}'" in out and words in out, out


def test_a_chinese_quotation_is_limited_in_characters(datasets_copy):
    row = next(r for r in rows(datasets_copy, "statements.csv") if r["language"] == "zh")
    line = set_cell(datasets_copy, "statements.csv", "statement_id", row["statement_id"], "quotation", "制裁" * 31)
    problems = validate_datasets(datasets_copy).problems_in("statements.csv")
    assert any(p.line == line and "62 characters" in p.message for p in problems), problems


def test_the_press_on_madrid_comes_from_five_countries_in_their_own_languages():
    press = data.load("press_framings")
    assert set(press["country"]) >= {"JPN", "KOR", "USA", "CHN", "PRK"}
    korean = press[press["country"] == "KOR"]
    assert {"conservative", "progressive"} <= set(korean["orientation"].dropna())
    assert set(press["language"]) >= {"ja", "ko", "en"}


def test_press_from_four_countries_is_too_narrow(datasets_copy):
    path = datasets_copy / "press_framings.csv"
    table = [r for r in rows(datasets_copy, "press_framings.csv") if r["country"] != "PRK"]
    write_rows(path, table)
    problems = validate_datasets(datasets_copy).problems_in("press_framings.csv")
    assert any("outlets from 4 countries" in p.message for p in problems), problems


def test_a_topic_left_with_three_voices_fails(datasets_copy):
    path = datasets_copy / "statements.csv"
    table = rows(datasets_copy, "statements.csv")
    topic = "gsomia"
    keep_voices = sorted({r["voice"] for r in table if r["topic"] == topic})[:3]
    kept = [r for r in table if r["topic"] != topic or r["voice"] in keep_voices]
    write_rows(path, kept)
    problems = validate_datasets(datasets_copy).problems_in("statements.csv")
    assert any("topic 'gsomia' has 3 voice(s)" in p.message for p in problems), problems


# --------------------------------------------------------------------------- nuclear tests, events, launches


def test_the_six_nuclear_tests_are_there_with_their_responses():
    tests = data.load("nuclear_tests").set_index("test_id")
    assert list(tests["date_kst"].dt.date.astype(str)) == [
        "2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03"]
    resolutions = set(data.load("unsc_resolutions")["number"].astype(str))
    for response in tests["unsc_response"].dropna():
        assert set(response.split(";")) <= resolutions


def test_an_inverted_yield_range_is_named(datasets_copy):
    line = set_cell(datasets_copy, "nuclear_tests.csv", "test_id", "nuclear-6", "yield_low_kt", "900")
    problems = validate_datasets(datasets_copy).problems_in("nuclear_tests.csv")
    assert any(p.line == line and p.field == "yield_low_kt" for p in problems), problems


def test_the_timeline_covers_2017_to_2026_and_the_events_the_lessons_need():
    events = data.load("events")
    years = set(events["date"].dt.year)
    assert set(range(2017, 2026)) <= years, sorted(years)
    for date in ("2018-09-19", "2019-02-27", "2023-08-18", "2024-12-03"):
        assert (events["date"] == date).any(), date


def test_an_event_that_ends_before_it_starts_is_named(datasets_copy):
    row = rows(datasets_copy, "events.csv")[0]
    line = set_cell(datasets_copy, "events.csv", "event_id", row["event_id"], "end_date", "2017-01-01")
    problems = validate_datasets(datasets_copy).problems_in("events.csv")
    assert row["date"] > "2017-01-01"
    assert any(p.line == line and p.field == "end_date" for p in problems), problems


def test_launch_record_runs_from_2016_to_2026_with_every_kind_flagged():
    table = data.load("missile_launches")
    recent = table[table["date_kst"] >= "2016-01-01"]
    assert set(recent["date_kst"].dt.year) >= set(range(2016, 2026)) - {2018}
    assert set(recent["launch_kind"]) >= {"ballistic", "cruise", "space_launch", "rocket_artillery"}
    assert recent["checked"].notna().mean() > 0.9


def test_a_cruise_missile_flagged_ballistic_is_named(datasets_copy):
    row = first_row(datasets_copy, "missile_launches.csv", launch_kind="cruise")
    line = set_cell(datasets_copy, "missile_launches.csv", "event_id", row["event_id"], "launch_kind", "ballistic")
    problems = validate_datasets(datasets_copy).problems_in("missile_launches.csv")
    assert any(p.line == line and p.field == "launch_kind" for p in problems), problems


# --------------------------------------------------------------------------- reconciliation and cross-check


def test_each_published_annual_total_is_reproduced_or_explained():
    table = launches.reconcile(data.load("missile_launches"), data.load("launch_counter_totals"))
    assert set(table["counter"]) >= {"japan_mod", "cns_nti"}
    assert set(table["counter"]) & {"rok_jcs", "rok_mnd", "rok_mofa", "rok_press_tally"}
    assert set(table["year"]) >= {2016, 2017, 2019, 2022, 2023, 2024}
    bad = table[~table["matches"] & ~table["explained"]]
    assert bad.empty, bad[["year", "counter", "unit", "published", "kit"]].to_string()
    assert table["matches"].sum() > 0


def test_reconcile_command_prints_the_table_and_fails_on_an_unexplained_difference(tmp_path, capsys, monkeypatch):
    assert main(["reconcile"]) == 0
    out = capsys.readouterr().out
    assert "japan_mod" in out and "published" in out
    table = launches.reconcile(data.load("missile_launches"), data.load("launch_counter_totals"))
    explained = table[~table["matches"]]
    assert not explained.empty, "the test needs a published total that differs from the kit's count"
    totals = data.load("launch_counter_totals").copy()
    r = explained.iloc[0]
    mask = (totals["year"] == r.year) & (totals["counter"] == r.counter) & (totals["unit"] == r.unit)
    totals.loc[mask, "explanation"] = pd.NA
    again = launches.reconcile(data.load("missile_launches"), totals)
    assert "UNEXPLAINED" in launches.format_reconciliation(again)


def test_the_kit_agrees_with_the_cns_database_day_by_day_or_says_why():
    disagreements = launches.crosscheck(data.load("missile_launches"), data.load("crosscheck_cns"))
    unexplained = disagreements[disagreements["explanation"].isna()]
    assert unexplained.empty, unexplained.to_string()
    assert len(data.load("crosscheck_cns")) > 100


def test_a_dropped_launch_day_is_caught_by_the_crosscheck(datasets_copy):
    cns = rows(datasets_copy, "crosscheck_cns.csv")
    day = next(r["date_kst"] for r in cns if not r["explanation"] and r["n_missiles_cns"] != "0")
    table = rows(datasets_copy, "missile_launches.csv")
    kept = [r for r in table if r["date_kst"] != day]
    write_rows(datasets_copy / "missile_launches.csv", kept)
    problems = validate_datasets(datasets_copy).problems_in("crosscheck_cns.csv")
    line = line_of(datasets_copy, "crosscheck_cns.csv", "date_kst", day)
    assert any(p.line == line and p.field == "explanation" for p in problems), problems


# --------------------------------------------------------------------------- validate's own completeness


def test_validate_fails_when_the_quiz_banks_or_the_course_are_missing(tmp_path, capsys):
    assert main(["validate", "--quizzes", str(tmp_path / "nowhere")]) == 1
    assert "quiz banks are missing" in capsys.readouterr().out
    assert main(["validate", "--course", str(tmp_path / "nowhere")]) == 1
    assert "source/" in capsys.readouterr().out


def test_every_problem_of_every_check_is_the_same_type(tmp_path):
    from eastasia_security import course, problems, quiz

    bank = tmp_path / "quizzes"
    bank.mkdir()
    (bank / "broken.yml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    found = quiz.validate_banks(bank).problems + course.validate_course(tmp_path).problems
    assert found and all(isinstance(p, problems.Problem) for p in found)
    assert any(p.file.endswith("broken.yml") and p.line is not None for p in found), found


def _land_polygons():
    """Outer rings of the bundled 1:10m basemap's land around Korea (Natural Earth, simplified)."""
    import json

    import eastasia_security

    path = Path(eastasia_security.__file__).parent / "assets" / "basemap" / "region_core_10m.geojson"
    rings = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings += [polygon[0] for polygon in polygons]
    return rings


def _on_land(lat: float, lon: float, rings) -> bool:
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


def test_the_schematic_nll_stays_at_sea():
    """The NLL is a sketch, but it must run between the North Korean coast and the ROK-held islands, not
    across land (the 2026-12-01 sketch crossed about 5 and 9 km of the North Korean coast)."""
    lines = data.load("lines")
    nll = lines[lines["line_id"] == "nll"].sort_values("seq")
    points = list(zip(nll["lat"], nll["lon"]))
    near = [r for r in _land_polygons() if any(37.3 <= y <= 38.5 and 124.0 <= x <= 126.7 for x, y in r)]
    crossings = []
    for (lat1, lon1), (lat2, lon2) in zip(points, points[1:]):
        for step in range(101):
            t = step / 100
            lat, lon = lat1 + (lat2 - lat1) * t, lon1 + (lon2 - lon1) * t
            if _on_land(lat, lon, near):
                crossings.append((round(lat, 3), round(lon, 3)))
    assert crossings == [], f"the NLL sketch crosses land at {crossings[:5]}"
    # And it keeps the five ROK-held islands on its south side (their latitude below the line's there).
    for island in ("yeonpyeongdo", "baengnyeongdo"):
        lat, lon = geo.resolve(island)
        line_lat = np.interp(lon, nll["lon"].to_numpy(dtype=float)[::-1], nll["lat"].to_numpy(dtype=float)[::-1])
        assert lat < line_lat, island
