"""The loader: dtypes, citations, errors, and facts the lessons rely on."""

from __future__ import annotations

import pandas as pd
import pytest

from eastasia_security import data, launches, paths
from eastasia_security.validation import DatasetError

from kit_testing import set_cell


def test_list_datasets_names_every_table():
    assert data.list_datasets() == [
        "sources", "places", "lines", "missile_types", "missile_launches", "treaties",
        "gsomia_timeline", "summits", "unsc_resolutions", "editorial_claims", "nuclear_tests", "events",
        "statements", "press_framings", "launch_counter_totals", "crosscheck_cns",
    ]


def test_load_gives_proper_dtypes():
    launches_ = data.load("missile_launches")
    assert pd.api.types.is_datetime64_any_dtype(launches_["date_kst"])
    assert str(launches_["datetime_utc"].dt.tz) == "UTC"
    assert launches_["n_missiles_rok_jcs"].dtype == "Int64"
    assert launches_["max_range_km"].dtype == "float64"
    assert launches_["ballistic"].dtype == "boolean"
    places = data.load("places").set_index("place_id")
    assert places.loc["tokyo", "lat"] == pytest.approx(35.6895)
    assert places["lat"].dtype == "float64"


def test_unknown_dataset_lists_the_available_ones():
    with pytest.raises(KeyError, match="Available: sources, places"):
        data.load("missiles")


def test_load_refuses_a_corrupt_copy_and_names_the_problem(datasets_copy, monkeypatch):
    line = set_cell(datasets_copy, "places.csv", "place_id", "seoul", "lat", "not-a-number")
    monkeypatch.setenv(paths.DATASETS_ENV, str(datasets_copy))
    with pytest.raises(DatasetError) as info:
        data.load("places")
    assert f"places.csv, row {line - 1} (line {line}), field 'lat'" in str(info.value)
    # Other tables still load: one broken file does not hide the rest.
    assert len(data.load("summits")) > 0


def test_every_row_of_every_dataset_cites_an_existing_source():
    known = set(data.load("sources")["source_id"])
    for name in data.list_datasets():
        frame = data.load(name)
        assert frame["source_id"].notna().all(), name
        assert set(frame["source_id"]) <= known, name


def test_sources_for_and_cite():
    table = data.load("missile_launches")
    row = table[table["event_id"] == "2024-10-31"]
    cited = data.sources_for(row)
    own = [row["source_id"].iloc[0]] + row["other_source_ids"].iloc[0].split(";")
    assert cited["source_id"].tolist() == own
    assert data.cite("kyodo-2016-11-23").startswith("Kyodo News (2016-11-23).")


def test_empty_figures_are_explained():
    table = data.load("missile_launches")
    unexplained = table[table["max_range_km"].isna() & table["notes"].isna()]
    assert unexplained.empty, unexplained["event_id"].tolist()


def test_2022_and_2017_are_complete_by_the_published_tallies():
    table = data.load("missile_launches")
    # Kyodo called 2022-12-31 the DPRK's 37th launch event of 2022 (cruise missiles included).
    assert launches.count(table, "2022-01-01", "2022-12-31", include_cruise=True) == 37
    # Japan counted 2017-11-29 as the 15th launch event of 2017.
    assert launches.count(table, "2017-01-01", "2017-12-31") == 15


def test_the_editorials_17_launches_depends_on_the_counting_rule():
    table = data.load("missile_launches")
    rules = launches.counting_rules_table(table, "2022-01-01", "2022-06-05")
    assert rules.loc["launch events, ballistic and cruise", "count"] == 17
    assert rules.loc["launch events, ballistic only", "count"] == 16
    # 16 March (a launch that failed at once) has no JCS number, so the tally misses it and says so.
    assert rules.loc["missiles, ROK JCS tally, ballistic only", "count"] == 30
    assert rules.loc["missiles, ROK JCS tally, ballistic only", "events_without_tally"] == 1
    claim = data.load("editorial_claims").set_index("claim_id").loc["P4-a"]
    assert claim["testable_with"] == "missile_launches"
    assert "17" in claim["explanation"] and "16" in claim["explanation"]


def test_landing_inside_japans_eez_matches_the_2022_reports():
    table = data.load("missile_launches")
    inside = table[(table["date_kst"].dt.year == 2022) & (table["japan_eez"] == "inside")]
    assert inside["event_id"].tolist() == ["2022-03-24", "2022-11-18"]


def test_overflights_of_japan_are_the_seven_japan_counts_by_2022():
    table = data.load("missile_launches")
    before_2023 = table[(table["overflew_japan"]) & (table["date_kst"] < "2023-01-01")]
    # Japanese press called 2022-10-04 the 7th time a DPRK rocket or missile overflew Japan.
    assert len(before_2023) == 7
    assert before_2023["event_id"].iloc[-1] == "2022-10-04"


def test_editorial_quotations_are_exact_and_short():
    editorial = paths.repository_root()
    text_path = editorial.parent / "shared" / "case-study" / "editorial.md" if editorial else None
    if text_path is None or not text_path.exists():
        pytest.skip("the shared case-study text is not beside this checkout")
    normalise = lambda s: s.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = normalise(text_path.read_text(encoding="utf-8"))
    paragraphs = {line.split(".", 1)[0]: line for line in text.splitlines() if line[:1] == "P" and "." in line[:4]}
    claims = data.load("editorial_claims")
    assert set(claims["paragraph"]) == {f"P{i}" for i in range(1, 12)}, "every paragraph has a claim"
    for row in claims.itertuples():
        assert len(row.quotation.split()) <= 25
        assert normalise(row.quotation) in paragraphs[row.paragraph], (row.claim_id, row.quotation)


def test_clean_validation_is_remembered_across_processes_but_problems_never_are(datasets_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("EASTASIA_SECURITY_CACHE", str(cache))
    assert data.validate(datasets_copy).ok
    records = list(cache.glob("valid-*.json"))
    assert len(records) == 1
    # A new process (simulated by a new folder path with the same bytes) reuses the record.
    same = tmp_path / "same"
    import shutil
    shutil.copytree(datasets_copy, same)
    assert data.validate(same).ok and len(list(cache.glob("valid-*.json"))) == 1
    # One changed byte: validated again, the problem reported, nothing cached.
    set_cell(same, "places.csv", "place_id", "tokyo", "lat", "123")
    report = data.validate(same)
    assert not report.ok and any(p.field == "lat" for p in report.problems)
    assert len(list(cache.glob("valid-*.json"))) == 1
