"""The quiz engine (issue #13): options in an order per learner, explanations withheld until earned,
and the question types that test reasoning: scenario, data, attribution."""

from __future__ import annotations

import textwrap

import pytest

from eastasia_security import data, launches, quiz
from eastasia_security.quiz.models import LABELS

LEARNERS = [f"student-{i:03d}" for i in range(300)]


def _choice_questions():
    for bank_id in quiz.list_banks():
        for question in quiz.load_bank(bank_id).questions:
            if isinstance(question, (quiz.SingleChoice, quiz.MultipleChoice)):
                yield question


def test_the_order_is_stable_for_a_learner_and_differs_between_learners():
    question = quiz.load_bank("gsomia").question("gsomia-signed")
    first = [o.id for _, o in question.choices("student-001")]
    assert first == [o.id for _, o in question.choices("student-001")]
    orders = {tuple(o.id for _, o in question.choices(learner)) for learner in LEARNERS[:40]}
    assert len(orders) >= 10, "forty learners should not share a handful of orders"


def test_the_text_version_shows_the_same_order_and_labels_as_the_widget():
    bank = quiz.load_bank("gsomia")
    question = bank.question("gsomia-signed")
    text = quiz.to_markdown(bank, ["gsomia-signed"], learner="student-042")
    widget = quiz.show("gsomia", questions=["gsomia-signed"], learner="student-042")
    shown = [label for label, _ in widget.views[0].input.options]
    expected = [o.text for _, o in question.choices("student-042")]
    assert shown == expected
    assert [line.split(") ", 1)[1] for line in text.splitlines() if line.startswith("- (")] == expected


def _worst_position_excess(questions, order) -> float:
    """How far the most favoured position is right above chance, over questions x learners;
    `order(question, learner)` gives the options in the order shown."""
    observed = [0.0] * len(LABELS)
    expected = [0.0] * len(LABELS)
    pairs = 0
    for question in questions:
        for learner in LEARNERS:
            pairs += 1
            for position, option in enumerate(order(question, learner)):
                observed[position] += option.correct / sum(o.correct for o in question.options)
                expected[position] += 1 / len(question.options)
    return max((o - e) / pairs for o, e in zip(observed, expected))


def test_no_position_is_right_more_often_than_chance_plus_ten_points():
    """Across every bank and many learners, where the right option sits says nothing."""
    shown = _worst_position_excess(list(_choice_questions()), lambda q, learner: [o for _, o in q.choices(learner)])
    assert shown <= 0.10, shown


def test_the_position_check_catches_a_fixed_order():
    """The measure above is not vacuous: questions whose right option always comes first fail it."""
    right_first = [quiz.load_bank("gsomia").question("gsomia-signed").model_copy(update={"options": [
        quiz.Option(id="a", text="right", correct=True, feedback="."),
        quiz.Option(id="b", text="wrong one", feedback="."), quiz.Option(id="c", text="wrong two", feedback=".")]})]
    assert _worst_position_excess(right_first, lambda q, learner: list(q.options)) > 0.10
    assert _worst_position_excess(right_first, lambda q, learner: [o for _, o in q.choices(learner)]) <= 0.10


def test_the_explanation_waits_for_a_right_answer_or_a_second_wrong_one():
    w = quiz.show("gsomia", questions=["gsomia-signed"], learner="student-005")
    view = w.views[0]
    wrong = [o.id for o in view.question.options if not o.correct]
    view.input.value = wrong[0]
    view.check_button.click()
    assert view.explanation.value == ""
    view.retry_button.click()
    view.input.value = wrong[1]
    view.check_button.click()
    assert "Explanation." in view.explanation.value
    right = quiz.show("gsomia", questions=["gsomia-signed"], learner="student-006").views[0]
    right.input.value = next(o.id for o in right.question.options if o.correct)
    right.check_button.click()
    assert "Explanation." in right.explanation.value and right.attempts == 1


# --------------------------------------------------------------------------- every type

EVERY_TYPE = textwrap.dedent("""\
    id: every-type
    title: One question of each type
    questions:
      - id: et-single
        type: single
        prompt: Which agreement did Seoul and Tokyo sign in 2016?
        objective: t.one
        difficulty: intro
        level: recall
        explanation: GSOMIA.
        source_ids: [kyodo-2016-11-23]
        options:
          - {id: a, text: GSOMIA, correct: true, feedback: Yes.}
          - {id: b, text: TISA, feedback: That was 2014.}
      - id: et-scenario
        type: scenario
        scenario: A launch is detected over the Sea of Japan (East Sea) and only Seoul's radars saw its last phase.
        prompt: Which arrangement lets Tokyo receive Seoul's track data directly?
        objective: t.two
        difficulty: core
        level: apply
        explanation: GSOMIA covers the handling of such information between the two.
        source_ids: [kyodo-2016-11-23]
        options:
          - {id: a, text: The 1965 Claims Agreement, feedback: That settled property and claims.}
          - {id: b, text: GSOMIA, correct: true, feedback: Yes.}
          - {id: c, text: The Armistice, feedback: That ended the fighting in 1953.}
      - id: et-multiple
        type: multiple
        prompt: Which are Japan-ROK agreements?
        objective: t.three
        difficulty: core
        level: understand
        explanation: Both are bilateral.
        source_ids: [kyodo-2016-11-23]
        options:
          - {id: a, text: GSOMIA, correct: true, feedback: Yes.}
          - {id: b, text: The 1965 Basic Treaty, correct: true, feedback: Yes.}
          - {id: c, text: The 1953 Armistice, feedback: No.}
      - id: et-numeric
        type: numeric
        prompt: How many days?
        objective: t.four
        difficulty: core
        level: recall
        explanation: Ninety-two.
        source_ids: [kyodo-2016-11-23]
        answer: 92
        tolerance: 1
        unit: days
        too_low: Too few.
        too_high: Too many.
      - id: et-data
        type: data
        prompt: Under the rule 'ballistic and cruise missiles, no space launches', how many launch events from 2022-01-01 to 2022-06-05?
        objective: t.five
        difficulty: core
        level: apply
        explanation: Count the rows of missile_launches under the rule.
        source_ids: [kyodo-2016-11-23]
        compute: launch_count
        params: {start: "2022-01-01", end: "2022-06-05", include_cruise: true}
        tolerance: 0.5
        unit: events
        too_low: Did you leave out the cruise missiles?
        too_high: Did you count space launches?
      - id: et-ordering
        type: ordering
        prompt: Order these.
        objective: t.six
        difficulty: core
        level: recall
        explanation: By date.
        source_ids: [kyodo-2016-11-23]
        items: [first, second, third]
      - id: et-true-false
        type: true_false
        prompt: GSOMIA was signed in 2016.
        objective: t.seven
        difficulty: intro
        level: recall
        explanation: In November.
        source_ids: [kyodo-2016-11-23]
        answer: true
        feedback_true: Yes.
        feedback_false: It was.
      - id: et-attribution
        type: attribution
        objective: t.eight
        difficulty: core
        level: analyse
        explanation: Read the framing, then the source.
        source_ids: [kyodo-2016-11-23]
        statement_id: STATEMENT
        voices: [japan_government, rok_government, prc_government, dprk]
    """)


@pytest.fixture()
def every_type(tmp_path):
    statements = data.load("statements")
    statement = statements[statements["voice"] == "prc_government"].iloc[0]
    path = tmp_path / "every-type.yml"
    path.write_text(EVERY_TYPE.replace("STATEMENT", statement["statement_id"]), encoding="utf-8")
    return quiz.load_bank(path), statement


def test_each_question_type_checks_its_answers(every_type):
    bank, statement = every_type
    q = bank.question
    assert quiz.check(q("et-single"), "a").correct and not quiz.check(q("et-single"), "b").correct
    assert quiz.check(q("et-scenario"), "b").correct and not quiz.check(q("et-scenario"), "a").correct
    assert quiz.check(q("et-multiple"), ["a", "b"]).correct and not quiz.check(q("et-multiple"), ["a"]).correct
    assert quiz.check(q("et-numeric"), 92.5).correct and not quiz.check(q("et-numeric"), 80).correct
    assert quiz.check(q("et-ordering"), ["first", "second", "third"]).correct
    assert not quiz.check(q("et-ordering"), ["second", "first", "third"]).correct
    assert quiz.check(q("et-true-false"), True).correct and not quiz.check(q("et-true-false"), False).correct
    assert quiz.check(q("et-attribution"), "prc_government").correct
    assert not quiz.check(q("et-attribution"), "dprk").correct
    assert statement["speaker"] in quiz.check(q("et-attribution"), "prc_government").feedback[0]


def test_a_data_question_takes_its_answer_from_the_data(every_type):
    bank, _ = every_type
    question = bank.question("et-data")
    expected = launches.count(data.load("missile_launches"), "2022-01-01", "2022-06-05", include_cruise=True)
    assert question.value == expected == 17
    assert quiz.check(question, expected).correct
    assert quiz.check(question, expected - 1).feedback == ["Did you leave out the cruise missiles?"]


def test_each_question_type_through_its_widget(every_type):
    bank, _ = every_type
    w = quiz.QuizWidget(bank, learner="student-010")
    views = {v.question.id: v for v in w.views}
    views["et-single"].input.value = "a"
    views["et-scenario"].input.value = "b"
    views["et-multiple"].boxes["a"].value = True
    views["et-multiple"].boxes["b"].value = True
    views["et-numeric"].input.value = "92"
    views["et-data"].input.value = "17"
    for slot, item in zip(views["et-ordering"].slots, ["first", "second", "third"]):
        slot.value = item
    views["et-true-false"].input.value = True
    views["et-attribution"].input.value = "prc_government"
    for view in views.values():
        view.check_button.click()
        assert "Correct." in view.feedback.value, view.question.id
        assert "Explanation." in view.explanation.value, view.question.id
    assert "Score: 8 of 8 correct (8 at the first attempt)" in w.score.value
    # The quotation is shown in its own language, with the translation.
    assert "English:" in quiz.to_markdown(bank, ["et-attribution"], learner="student-010")


@pytest.mark.parametrize("change,field,words", [
    ("statement_id: STATEMENT", "statement_id: no-such-statement", "is not in datasets/statements.csv"),
    ("voices: [japan_government, rok_government, prc_government, dprk]", "voices: [japan_government, dprk]",
     "voices must include the speaker's voice"),
    ('params: {start: "2022-01-01", end: "2022-06-05", include_cruise: true}', "params: {begin: 2022}",
     "params do not fit compute 'launch_count'"),
])
def test_a_broken_reasoning_question_is_named_with_file_line_and_question(tmp_path, change, field, words):
    statements = data.load("statements")
    statement_id = statements[statements["voice"] == "prc_government"].iloc[0]["statement_id"]
    text = EVERY_TYPE.replace(change, field).replace("STATEMENT", statement_id)
    path = tmp_path / "every-type.yml"
    path.write_text(text, encoding="utf-8")
    report = quiz.validate_banks(tmp_path)
    assert not report.ok
    problem = report.problems[0]
    assert words in problem.message and problem.item in ("et-attribution", "et-data") and problem.line, problem
