"""`eastasia-security validate` on the real data and on corrupted copies."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eastasia_security.cli import main
from eastasia_security.validation import validate_datasets

from kit_testing import line_of, set_cell


def _notes_starting(prefix: str) -> str:
    """The full notes cell of the lines row whose notes start with ``prefix`` (notes grow as rows are re-checked)."""
    import csv
    from eastasia_security import paths
    with (paths.datasets_dir() / "lines.csv").open(encoding="utf-8", newline="") as handle:
        return next(r["notes"] for r in csv.DictReader(handle) if r["notes"].startswith(prefix))


LINES_EAST_END = _notes_starting("Eastern end, on the Sea of Japan (East Sea) coast.")
LINES_U_DO = _notes_starting("Schematic vertex placed by the kit, not a published coordinate. North of U-do.")


def run_validate(folder: Path, capsys) -> tuple[int, str]:
    code = main(["validate", "--datasets", str(folder)])
    return code, capsys.readouterr().out


def test_repository_datasets_are_valid(capsys):
    code = main(["validate"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "All datasets are valid." in out
    assert "missile_launches" in out and "editorial_claims" in out


def test_console_script_exits_1_on_a_bad_file(datasets_copy):
    set_cell(datasets_copy, "places.csv", "place_id", "tokyo", "lat", "123")
    exe = Path(sys.executable).with_name("eastasia-security")
    done = subprocess.run([str(exe), "validate", "--datasets", str(datasets_copy)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "places.csv" in done.stdout and "field 'lat'" in done.stdout


# Each corruption: file, key field, key, field to break, bad value, words the message must contain.
CORRUPTIONS = [
    ("bad date", "missile_launches.csv", "event_id", "2022-11-18", "date_kst", "2022-13-45",
     ["'2022-13-45' is not a date"]),
    ("latitude 123", "places.csv", "place_id", "pyongyang", "lat", "123",
     ["'123'", "maximum"]),
    ("unknown launch place", "missile_launches.csv", "event_id", "2022-10-04", "launch_place_id", "atlantis",
     ["'atlantis' is not a place_id in places.csv"]),
    ("missing source_id", "treaties.csv", "treaty_id", "us-rok-1953", "source_id", "",
     ["empty but required"]),
    ("unknown source_id", "summits.csv", "summit_id", "2022-06-29", "source_id", "no-such-source",
     ["'no-such-source' is not a source_id in sources.csv"]),
    ("sign error in longitude", "places.csv", "place_id", "yokota-ab", "lon", "-139.3485",
     ["outside JPN's bounds"]),
    ("UTC time that contradicts local time", "missile_launches.csv", "event_id", "2022-03-05", "datetime_utc",
     "2022-03-05T08:47:00Z", ["should be 2022-03-04T23:47:00Z"]),
    ("quotation too long", "editorial_claims.csv", "claim_id", "P4-a", "quotation",
     " ".join(["word"] * 30), ["30 words"]),
    ("votes that do not add up", "unsc_resolutions.csv", "resolution_id", "r2397", "votes_for", "14",
     ["add up to 14"]),
    ("class outside the vocabulary", "missile_types.csv", "type_id", "kn-23", "missile_class", "SCUD",
     ["'SCUD'", "enum"]),
    ("line vertex far off the peninsula", "lines.csv", "notes",
     LINES_EAST_END, "lon", "138.37", ["'138.37'", "maximum"]),
]


def test_gap_in_a_lines_vertex_sequence_is_reported(datasets_copy, capsys):
    line = set_cell(datasets_copy, "lines.csv", "notes",
                    LINES_U_DO, "seq", "9")
    code, out = run_validate(datasets_copy, capsys)
    assert code == 1
    assert f"lines.csv, row {line - 1} (line {line}), field 'seq'" in out
    assert "without gaps or repeats; this row has 9 (missing: 2)" in out


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_corruption_is_reported_with_file_row_and_field(case, datasets_copy, capsys):
    _, file_name, key_field, key, field, value, words = case
    line = set_cell(datasets_copy, file_name, key_field, key, field, value)
    code, out = run_validate(datasets_copy, capsys)
    assert code == 1, out
    expected_place = f"{file_name}, row {line - 1} (line {line}), field '{field}'"
    matching = [l for l in out.splitlines() if expected_place in l]
    assert matching, f"no message names {expected_place!r}:\n{out}"
    for word in words:
        assert any(word in l for l in matching), f"{word!r} missing from {matching}"


def test_duplicate_primary_key_is_reported(datasets_copy, capsys):
    line = set_cell(datasets_copy, "places.csv", "place_id", "osaka", "place_id", "tokyo")
    code, out = run_validate(datasets_copy, capsys)
    assert code == 1
    assert f"places.csv, row {line - 1} (line {line}), field 'place_id'" in out
    assert "unique" in out or "duplicate" in out


def test_non_utf8_bytes_are_reported_with_line_and_field(datasets_copy, capsys):
    path = datasets_copy / "places.csv"
    line = line_of(datasets_copy, "places.csv", "place_id", "seoul")
    raw = path.read_bytes().split(b"\n")
    raw[line - 1] = raw[line - 1].replace("서울".encode("utf-8"), "서울".encode("euc-kr"))
    path.write_bytes(b"\n".join(raw))
    code, out = run_validate(datasets_copy, capsys)
    assert code == 1
    assert f"places.csv, row {line - 1} (line {line}), field 'name_local': bytes that are not UTF-8" in out


def test_broken_datapackage_json_names_the_line(datasets_copy, capsys):
    path = datasets_copy / "datapackage.json"
    text = path.read_text(encoding="utf-8").replace('"resources": [', '"resources": [,', 1)
    path.write_text(text, encoding="utf-8")
    code, out = run_validate(datasets_copy, capsys)
    assert code == 1
    assert "datapackage.json, line" in out and "invalid JSON" in out


def test_missing_file_is_reported(datasets_copy, capsys):
    (datasets_copy / "summits.csv").unlink()
    code, out = run_validate(datasets_copy, capsys)
    assert code == 1
    assert "summits.csv: file is missing" in out


def test_validation_changes_nothing_on_disk(datasets_copy):
    set_cell(datasets_copy, "places.csv", "place_id", "tokyo", "lat", "123")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in datasets_copy.iterdir()}
    report = validate_datasets(datasets_copy)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in datasets_copy.iterdir()}
    assert not report.ok
    assert before == after
