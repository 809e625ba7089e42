"""Quiz banks, answer checking, the widgets, and error messages for broken banks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eastasia_security import data, geo, launches, paths, quiz
from eastasia_security.cli import main

#: Every bank, one per lesson topic; each needs at least 15 questions (issue #13).
BANKS = ["after-madrid", "alliances", "editorial", "engagement", "geography", "gsomia", "history", "missile-defence",
         "press", "sanctions", "simulation"]
MINIMUM_QUESTIONS = dict.fromkeys(BANKS, 15)


def test_every_bank_loads_validates_and_is_big_enough():
    report = quiz.validate_banks()
    assert report.problems == []
    counts = {name: int(summary.split()[0]) for name, summary in report.items.items()}
    for bank_id, minimum in MINIMUM_QUESTIONS.items():
        bank = quiz.load_bank(bank_id)
        assert len(bank.questions) >= minimum, bank_id
        assert counts[f"{bank_id}.yml"] == len(bank.questions)
    kinds = {q.type for b in MINIMUM_QUESTIONS for q in quiz.load_bank(b).questions}
    # The banks use the reasoning types, not only recall formats.
    assert {"scenario", "attribution", "data"} <= kinds <= set(quiz.models.TYPE_TAGS)


def test_every_bank_is_mostly_above_recall_and_length_gives_nothing_away():
    from eastasia_security.quiz import banks

    for bank_id in BANKS:
        bank = quiz.load_bank(bank_id)
        levels = [q.level for q in bank.questions]
        assert sum(level != "recall" for level in levels) >= 0.40 * len(levels), bank_id
        choice = [q for q in bank.questions if q.type in banks.CHOICE_TYPES]
        assert sum(banks.right_is_longest(q) for q in choice) <= 0.35 * len(choice), bank_id
        assert any(q.type == "scenario" for q in bank.questions), f"{bank_id} has no scenario question"


def test_the_cli_validates_the_banks(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "gsomia.yml" in out and "All quiz banks are valid." in out


# ----------------------------------------------------------------- facts in the banks match the data

@pytest.mark.parametrize("question_id,a,b", [
    ("geography-pyongyang-tokyo", "pyongyang", "tokyo"),
    ("geography-seoul-pyongyang", "seoul", "pyongyang"),
    ("geography-pyongyang-guam", "pyongyang", "hagatna"),
])
def test_distance_answers_match_the_geodesy(question_id, a, b):
    question = quiz.load_bank("geography").question(question_id)
    assert quiz.check(question, geo.distance_km(a, b)).correct


def test_bases_within_1000_km_match_geo_within():
    question = quiz.load_bank("geography").question("geography-bases-1000")
    near = set(geo.within("sunan", 1000, kinds=["us_force"])["name"])
    for option in question.options:
        assert option.correct == any(name in option.text for name in near), option.text


def test_editorial_counts_match_the_launch_data():
    table = data.load("missile_launches")
    bank = quiz.load_bank("editorial")
    with_cruise = launches.count(table, "2022-01-01", "2022-06-05", include_cruise=True)
    ballistic = launches.count(table, "2022-01-01", "2022-06-05")
    assert quiz.check(bank.question("editorial-count-17"), with_cruise).correct
    assert quiz.check(bank.question("editorial-count-ballistic"), ballistic).correct


def test_overflight_figures_match_the_launch_data():
    row = data.load("missile_launches").set_index("event_id").loc["2022-10-04"]
    assert quiz.check(quiz.load_bank("geography").question("geography-overflight-2022"), row["max_range_km"]).correct
    assert quiz.check(quiz.load_bank("gsomia").question("gsomia-seconds"), row["flight_time_min"]).correct


# ----------------------------------------------------------------- checking each type

def test_check_gives_per_option_feedback_for_each_type():
    gsomia = quiz.load_bank("gsomia")
    single = gsomia.question("gsomia-signed")
    wrong = quiz.check(single, "c")
    assert not wrong.correct and "Trilateral Information Sharing Arrangement" in wrong.feedback[0]

    multiple = gsomia.question("gsomia-2019-context")
    partial = quiz.check(multiple, ["a"])
    assert not partial.correct and "You left out 1 correct option(s)." in partial.feedback
    assert quiz.check(multiple, ["a", "b"]).correct
    assert not quiz.check(multiple, ["a", "b", "d"]).correct

    numeric = gsomia.question("gsomia-days-suspended")
    assert quiz.check(numeric, 92).correct and quiz.check(numeric, 91.5).correct
    assert quiz.check(numeric, 80).feedback == [numeric.too_low]
    assert quiz.check(numeric, 120).feedback == [numeric.too_high]
    assert not quiz.check(numeric, "ninety").correct

    ordering = gsomia.question("gsomia-order")
    assert quiz.check(ordering, ordering.items).correct
    swapped = [ordering.items[1], ordering.items[0]] + ordering.items[2:]
    assert quiz.check(ordering, swapped).feedback == [f"{len(ordering.items) - 2} of {len(ordering.items)} items are in the right place."]

    true_false = gsomia.question("gsomia-2019-lapse")
    assert quiz.check(true_false, False).correct
    assert quiz.check(true_false, True).feedback == [true_false.feedback_true]


# ----------------------------------------------------------------- the widgets

def _all_text(widget) -> str:
    """Every string a front end would receive for a widget tree."""
    import ipywidgets as widgets

    parts = []
    for attr in ("value", "description", "options", "tooltip"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, (tuple, list)):
            parts.extend(str(v) for v in value)
    if isinstance(widget, widgets.Box):
        for child in widget.children:
            parts.append(_all_text(child))
    return "\n".join(parts)


def test_no_answer_or_feedback_reaches_the_page_before_an_attempt():
    bank = quiz.load_bank("gsomia")
    page = _all_text(quiz.show("gsomia").widget)
    for question in bank.questions:
        assert question.explanation.strip()[:40] not in page
        for text in [getattr(o, "feedback", "") for o in getattr(question, "options", [])] + \
                [getattr(question, f, "") for f in ("too_low", "too_high", "feedback_true", "feedback_false")]:
            if text:
                assert text not in page, text


def test_widgets_check_retry_and_keep_a_running_score():
    w = quiz.show("gsomia", questions=["gsomia-signed", "gsomia-2019-context", "gsomia-days-suspended",
                                       "gsomia-order", "gsomia-2019-lapse"])
    single, multiple, numeric, ordering, true_false = w.views
    assert "Score: 0 of 5 correct" in w.score.value

    single.input.value = "a"
    single.check_button.click()
    assert "Not quite." in single.feedback.value and "called off at the last minute" in single.feedback.value
    # The explanation gives the answer away: not after one wrong answer...
    assert single.explanation.value == "" and not single.retry_button.disabled
    assert "1 more wrong one" in single.feedback.value
    single.retry_button.click()
    assert single.input.value is None and single.feedback.value == ""
    single.input.value = "c"
    single.check_button.click()
    # ...but after the second.
    assert "Not quite." in single.feedback.value and "Explanation." in single.explanation.value
    single.retry_button.click()
    single.input.value = "b"
    single.check_button.click()
    assert "Correct." in single.feedback.value and single.check_button.disabled

    multiple.boxes["a"].value = True
    multiple.boxes["b"].value = True
    multiple.check_button.click()
    assert "Correct." in multiple.feedback.value

    numeric.check_button.click()          # nothing entered yet
    assert "Choose an answer first." in numeric.feedback.value and numeric.attempts == 0
    numeric.input.value = "92"
    numeric.check_button.click()
    assert "Correct." in numeric.feedback.value

    for slot, item in zip(ordering.slots, ordering.question.items):
        slot.value = item
    ordering.check_button.click()
    assert "All in the right order." in ordering.feedback.value

    true_false.input.value = True
    true_false.check_button.click()
    assert "Not quite." in true_false.feedback.value
    assert "Score: 4 of 5 correct (3 at the first attempt); 5 attempted." in w.score.value
    assert true_false.explanation.value == ""
    assert "Explanation." in multiple.explanation.value, "a right answer opens the explanation at once"


def test_text_fallback_lists_questions_without_answers():
    w = quiz.show("sanctions")
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    text = bundle["text/markdown"]
    bank = quiz.load_bank("sanctions")
    assert all(q.prompt.strip()[:30] in text for q in bank.questions)
    assert "Explanation" not in text and "correct" not in text.lower().replace("incorrect", "")
    assert bank.question("sanctions-1718").options[0].feedback not in text


# ----------------------------------------------------------------- broken banks

GOOD = """id: broken
title: A bank to break
questions:
  - id: q-one
    type: single
    prompt: Which?
    objective: test.objective
    difficulty: intro
    level: recall
    explanation: Because.
    source_ids: [kyodo-2016-11-23]
    options:
      - id: a
        text: This one
        correct: true
        feedback: Yes.
      - id: b
        text: That one
        feedback: No.
  - id: q-two
    type: numeric
    prompt: How many?
    objective: test.objective
    difficulty: intro
    level: recall
    explanation: Because.
    source_ids: [kyodo-2016-11-23]
    answer: 92
    tolerance: 1
    unit: days
    too_low: More.
    too_high: Fewer.
  - id: q-three
    type: ordering
    prompt: Order them.
    objective: test.objective
    difficulty: intro
    level: recall
    explanation: Because.
    source_ids: [kyodo-2016-11-23]
    items: [first, second, third]
"""

BROKEN = [
    ("bad YAML", ("    prompt: Which?\n", "    prompt: Which?: no\n"), 6, None, "not valid YAML"),
    ("two correct answers on a single choice", ("        text: That one\n", "        text: That one\n        correct: true\n"),
     13, "q-one", "exactly one correct option, found 2"),
    ("unknown source", ("    source_ids: [kyodo-2016-11-23]\n    answer", "    source_ids: [no-such-source]\n    answer"),
     27, "q-two", "'no-such-source' is not a source_id"),
    ("duplicate question id", ("  - id: q-three\n", "  - id: q-one\n"), 33, "q-one", "used twice"),
    ("zero tolerance", ("    tolerance: 1\n", "    tolerance: 0\n"), 29, "q-two", "tolerance must be greater than 0"),
    ("ordering items repeated", ("items: [first, second, third]", "items: [first, second, first]"), 41, "q-three",
     "ordering items must be unique"),
    ("unknown question type", ("    type: numeric\n", "    type: essay\n"), 21, "q-two", "type must be one of"),
]


@pytest.mark.parametrize("case", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_bank_fails_with_file_line_and_question(case, tmp_path, capsys):
    _, (old, new), line, question_id, words = case
    assert old in GOOD
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "broken.yml").write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(quiz.QuizError) as caught:
        quiz.load_bank("broken", folder=folder)
    problem = caught.value.problems[0]
    assert problem.line == line, str(problem)
    assert problem.question_id == question_id
    assert words in problem.message
    assert "broken.yml" in str(problem) and f"line {line}" in str(problem)
    # The command line says the same and exits 1.
    assert main(["validate", "--quizzes", str(folder)]) == 1
    assert f"line {line}" in capsys.readouterr().out


def test_the_good_bank_used_above_is_valid(tmp_path):
    (tmp_path / "broken.yml").write_text(GOOD, encoding="utf-8")
    assert len(quiz.load_bank("broken", folder=tmp_path).questions) == 3


def test_bank_id_must_match_its_file_and_unknown_bank_is_named(tmp_path):
    (tmp_path / "other.yml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(quiz.QuizError, match="bank id 'broken' must match the file name 'other'"):
        quiz.load_bank("other", folder=tmp_path)
    with pytest.raises(quiz.QuizError, match="no such bank"):
        quiz.load_bank("nope")


def test_shipped_banks_are_found_from_a_copy(tmp_path, monkeypatch):
    copy = tmp_path / "q"
    shutil.copytree(paths.quizzes_dir(), copy)
    monkeypatch.setenv(paths.QUIZZES_ENV, str(copy))
    assert quiz.list_banks() == sorted(MINIMUM_QUESTIONS)
