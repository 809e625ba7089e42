"""Quizzes: question banks in YAML, checked answers with feedback, and a widget to take them.

A bank is a YAML file in ``course/quizzes/`` (one per topic). In a notebook::

    from eastasia_security import quiz
    quiz.show("gsomia")                              # the whole bank
    quiz.show("gsomia", questions=["gsomia-signed"])  # a few questions inside a lesson

Checking is plain Python, separate from the widgets, so tests, autograders and
self-learners get the same verdict and feedback::

    >>> bank = load_bank("gsomia")
    >>> question = bank.question("gsomia-signed")
    >>> result = check(question, "b")
    >>> result.correct
    True

Question types (:mod:`.models`, one class each): ``single`` (one right option), ``scenario`` (a
situation, then one right option), ``multiple`` (every right option and nothing else), ``numeric``
(a value within a tolerance, with a unit), ``data`` (a number computed from the datasets when the
bank loads), ``ordering`` (items in the right order), ``true_false`` and ``attribution`` ("who said
this?", from the ``statements`` table). Each option has its own feedback; every question has an
explanation, a learning-objective tag, a difficulty, a cognitive ``level`` and ``source_ids`` into
the datasets' ``sources``.

Options appear in an order shuffled per learner and stable for that learner, labelled a, b, c in
the order shown; the explanation appears after a right answer or after the second wrong one.
"""

from __future__ import annotations

from .banks import Bank, QuizError, QuizProblem, list_banks, load_bank, validate_banks
from .models import (LEVELS, QUESTION_TYPES, Attribution, DataNumeric, MultipleChoice, Numeric, Option,
                     Ordering, Question, Result, Scenario, SingleChoice, TrueFalse, order_for)
from .widgets import ANSWERS_ENV, EXPLAIN_AFTER_WRONG, QuizWidget, learner_id, show, to_markdown

__all__ = [
    "Option", "Question", "Bank", "QuizError", "QuizProblem", "Result", "QUESTION_TYPES", "LEVELS",
    "SingleChoice", "Scenario", "MultipleChoice", "Numeric", "DataNumeric", "Ordering", "TrueFalse", "Attribution",
    "load_bank", "list_banks", "check", "validate_banks", "show", "to_markdown", "order_for", "learner_id",
    "QuizWidget", "EXPLAIN_AFTER_WRONG", "ANSWERS_ENV",
]


def check(question, answer) -> Result:
    """Check an answer to a question (each type checks its own; see its class for the answer's form).

    * single, scenario: an option id (``"b"``); multiple: option ids (``["a", "c"]``)
    * numeric, data: a number in the question's unit
    * ordering: the items in the order the student chose; true_false: ``True`` or ``False``
    * attribution: a voice (``"dprk"``)
    """
    if not isinstance(question, QUESTION_TYPES):
        raise TypeError(f"Not a question: {question!r}")
    return question.check(answer)
