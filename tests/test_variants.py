"""Variants from a course secret: a private course folder, and the real nbgrader grading the public
model answer against two non-default variants.

For every problem set, two private courses are made with ``eastasia-security course init``; one
then picks variant 1 of every autograded item and the other variant 2 (``course variant --pick``).
Each course generates its assignment with nbgrader and grades two submissions: the public
repository's model answer (the default variant) and that course's own solution. The public answer
must fail every hidden test, the course's own solution must get full marks.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from eastasia_security import assignments
from eastasia_security.cli import main
from kit_testing import REPO

ASSIGNMENTS = assignments.list_specs()


def _nbgrader(args: list[str], cwd: Path) -> None:
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def test_course_init_makes_a_private_folder_with_its_own_secret(tmp_path, capsys):
    assert main(["course", "init", str(tmp_path / "spring")]) == 0
    assert main(["course", "init", str(tmp_path / "autumn")]) == 0
    out = capsys.readouterr().out
    assert "Keep this folder private" in out
    spring, autumn = tmp_path / "spring", tmp_path / "autumn"
    secret = spring / assignments.SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_text() != (autumn / assignments.SECRET_FILE).read_text()
    ledger = json.loads((spring / assignments.VARIANTS_FILE).read_text())
    assert sorted(ledger["assignments"]) == ASSIGNMENTS
    for name in ASSIGNMENTS:
        spec = assignments.load_spec(name)
        for item in spec.auto_items():
            record = ledger["assignments"][name][item.id]
            # Never the public default, and the answer recorded is the one the data give.
            assert 1 <= record["variant"] < len(item.variants)
            assert record["answer"] == assignments.solve(spec, item, record["variant"]).answer
        # The course's source notebook is its own, not the public one.
        own = (spring / "source" / name / f"{name}.ipynb").read_text()
        assert own != (REPO / "course" / "source" / name / f"{name}.ipynb").read_text()
        assert (spring / "rubrics" / f"{name}.md").is_file()
    assert "gradebook.db" in (spring / ".gitignore").read_text()
    # Re-drawing with the same secret gives the same variants (a course can rebuild its files).
    before = (spring / "source" / "ps2_missile_data" / "ps2_missile_data.ipynb").read_text()
    assert main(["course", "variant", "ps2_missile_data", "--course", str(spring)]) == 0
    assert (spring / "source" / "ps2_missile_data" / "ps2_missile_data.ipynb").read_text() == before


def test_secret_draws_spread_over_the_non_default_variants():
    draws = {assignments.choose_variant(f"secret-{n}", "ps2_missile_data", "ps2-period", 4) for n in range(60)}
    assert draws == {1, 2, 3}


def test_course_commands_refuse_clearly(tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    assert main(["course", "init", str(tmp_path / "full")]) == 1
    assert "not empty" in capsys.readouterr().err
    # The kit's public course has no secret: no variants can be drawn there.
    assert main(["course", "variant", "ps2_missile_data", "--course", str(REPO / "course")]) == 1
    assert "not a private course folder" in capsys.readouterr().err
    assert main(["course", "init", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    assert main(["course", "variant", "ps2_missile_data", "--course", str(tmp_path / "c"), "--pick", "ps2-period=9"]) == 1
    assert "variant 9 does not exist" in capsys.readouterr().err
    assert main(["course", "variant", "ps2_missile_data", "--course", str(tmp_path / "c"), "--pick", "nope=1"]) == 1
    assert "no autograded item nope" in capsys.readouterr().err
    assert not (tmp_path / "c.partial").exists()


@pytest.mark.parametrize("bad,words", [
    (lambda d: d["items"][0].update(variants=d["items"][0]["variants"][:2]), "at least 3"),
    (lambda d: d["items"][0]["variants"][1].update(d["items"][0]["variants"][0]), "have the same answer"),
    (lambda d: d["items"][0].update(solution="q1 = 0\n"), "the model solution gives"),
    (lambda d: d["items"][0]["variants"][2].pop("start"), "has no parameter 'start'"),
])
def test_a_broken_specification_is_named_with_file_item_and_reason(tmp_path, bad, words):
    import yaml

    (tmp_path / "problem_sets").mkdir()
    data = yaml.safe_load((REPO / "course" / "problem_sets" / "ps2_missile_data.yml").read_text())
    bad(data)
    (tmp_path / "problem_sets" / "ps2_missile_data.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    report = assignments.validate_specs(tmp_path)
    assert not report.ok
    assert any(words in str(p) and "ps2_missile_data.yml" in p.file for p in report.problems), report.format()


@pytest.fixture(scope="module")
def two_courses(tmp_path_factory):
    """Two private courses, on variants 1 and 2 of every item; each grades the public answer and its own."""
    root = tmp_path_factory.mktemp("variants")
    courses = {}
    for variant in (1, 2):
        course = root / f"course-v{variant}"
        assert main(["course", "init", str(course)]) == 0
        for name in ASSIGNMENTS:
            picks = [f"{item.id}={variant}" for item in assignments.load_spec(name).auto_items()]
            args = ["course", "variant", name, "--course", str(course)]
            for pick in picks:
                args += ["--pick", pick]
            assert main(args) == 0
            _nbgrader(["generate_assignment", name, "--force"], course)
            submissions = {"public-answer": REPO / "course" / "source" / name / f"{name}.ipynb",
                           "own-answer": course / "source" / name / f"{name}.ipynb"}
            for student, notebook in submissions.items():
                folder = course / "submitted" / student / name
                folder.mkdir(parents=True)
                nbformat.write(nbformat.read(notebook, as_version=4), folder / f"{name}.ipynb")
            _nbgrader(["autograde", name, "--force"], course)
        courses[variant] = course
    return courses


@pytest.mark.slow
@pytest.mark.parametrize("variant", [1, 2])
def test_the_public_model_answer_fails_a_courses_variants_and_its_own_solution_passes(two_courses, variant):
    from nbgrader.api import Gradebook

    course = two_courses[variant]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "eastasia-security") as gb:
        for name in ASSIGNMENTS:
            public = gb.find_submission(name, "public-answer")
            own = gb.find_submission(name, "own-answer")
            assert own.code_score == own.max_code_score > 0, f"{name}: the variant's own solution gets full marks"
            assert public.code_score == 0, f"{name}: the public answer scored {public.code_score} on variant {variant}"
            # Each failure is a hidden value check: the public answer has the right form, the wrong value.
            graded = nbformat.read(course / "autograded" / "public-answer" / name / f"{name}.ipynb", as_version=4)
            for item in assignments.load_spec(name).auto_items():
                cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{item.id}-tests")
                errors = [o for o in cell.outputs if o.output_type == "error"]
                assert errors and "expected" in errors[0]["evalue"] and item.hint in errors[0]["evalue"], (name, item.id)
