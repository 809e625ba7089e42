"""A bank as widgets: each question's input (drawn by its type), Check and Retry, feedback, the
explanation when it is earned, and a running score; a Markdown version for front ends without
widgets, in the same order for the same learner."""

from __future__ import annotations

import getpass
import html
import os

from .banks import Bank, load_bank
from .models import Result

__all__ = ["QuizWidget", "show", "to_markdown", "learner_id", "EXPLAIN_AFTER_WRONG", "ANSWERS_ENV", "LEARNER_ENV"]

#: The explanation gives the answer away: it appears after a right answer, or after this many wrong ones.
EXPLAIN_AFTER_WRONG = 2
#: Set to "folded" (the course site's build does) for quizzes whose text version carries each
#: answer and explanation folded under the question, for reading without widgets.
ANSWERS_ENV = "EASTASIA_SECURITY_QUIZ_ANSWERS"
#: Who is taking the quiz, for the order of the options (else the hub's user, else the login name).
LEARNER_ENV = "EASTASIA_SECURITY_LEARNER"


def learner_id() -> str:
    """The learner whose option order a quiz uses: stable across sessions on one account.

    >>> isinstance(learner_id(), str) and learner_id() == learner_id()
    True
    """
    for name in (LEARNER_ENV, "JUPYTERHUB_USER", "NB_USER"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (some containers): one order for everyone
        return "learner"


def _markdown(text: str) -> str:
    import mistune

    return mistune.html(text)


def to_markdown(bank: Bank, questions: list[str] | None = None, answers: bool = False,
                learner: str | None = None) -> str:
    """The questions as Markdown (for print and front ends without widgets), in the learner's order.

    Without ``answers`` nothing gives the answers away; with it, each question is followed by
    its answer and explanation folded in a ``<details>`` box (the course site).
    """
    learner = learner or learner_id()
    chosen = [bank.question(q) for q in questions] if questions else bank.questions
    parts = [f"### Quiz: {bank.title}", ""]
    for number, q in enumerate(chosen, start=1):
        parts += [f"**{number}.** " + q.prompt_markdown(learner), ""]
        if answers:
            parts += ['<details class="kit-quiz-answer"><summary>Answer</summary>', "",
                      f"**Answer.** {q.answer_markdown(learner)}", "", f"**Explanation.** {q.explanation.strip()}", "",
                      f"*Sources: {', '.join(q.source_ids)}*", "", "</details>", ""]
    if answers:
        parts.append("*Try each question before opening its answer; in JupyterLab the quiz checks your answers.*")
    else:
        parts.append("*Open this notebook in JupyterLab to answer and get feedback.*")
    return "\n".join(parts)


class _QuestionView:
    """The widgets for one question: its input, Check, Retry, feedback, and the explanation."""

    def __init__(self, number: int, question, learner: str, on_result):
        import ipywidgets as widgets

        self.question, self._on_result = question, on_result
        self.attempts = 0
        self.wrong = 0
        self.correct = False
        title = widgets.HTML(f"<b>Question {number}</b> <small>({html.escape(question.difficulty)})</small>"
                             + (_markdown(f"*Scenario.* {question.scenario}") if hasattr(question, "scenario") else "")
                             + _markdown(question.prompt))
        body, self.input, self._read, self._reset = question.make_input(learner)
        self.check_button = widgets.Button(description="Check", button_style="primary", tooltip="Check your answer")
        self.retry_button = widgets.Button(description="Retry", disabled=True, tooltip="Clear and try again")
        self.feedback = widgets.HTML()
        self.explanation = widgets.HTML()
        self.check_button.on_click(lambda _: self.submit())
        self.retry_button.on_click(lambda _: self.retry())
        self.widget = widgets.VBox([title, body, widgets.HBox([self.check_button, self.retry_button]),
                                    self.feedback, self.explanation],
                                   layout=widgets.Layout(border="1px solid #ccc", padding="6px", margin="6px 0"))
        self.widget.add_class("kit-quiz-question")

    # The inputs by type, for tests and scripts that fill them in.
    @property
    def boxes(self):
        return self.input

    @property
    def slots(self):
        return self.input

    def answer(self):
        return self._read()

    def submit(self) -> Result | None:
        value = self.answer()
        if value is None:
            self.feedback.value = "<p>Choose an answer first.</p>"
            return None
        result = self.question.check(value)
        self.attempts += 1
        self.correct = result.correct
        self.wrong += not result.correct
        verdict = "Correct." if result.correct else "Not quite."
        colour = "#006d4f" if result.correct else "#a63d00"
        items = "".join(f"<li>{_markdown(f)}</li>" for f in result.feedback)
        left = EXPLAIN_AFTER_WRONG - self.wrong
        if not result.correct and left > 0:
            items += f"<li><i>Try again: the explanation opens after a right answer or {left} more wrong one.</i></li>"
        self.feedback.value = (f'<div class="kit-quiz-feedback" role="status" style="color:{colour}">'
                               f"<b>{verdict}</b><ul>{items}</ul></div>")
        if result.correct or self.wrong >= EXPLAIN_AFTER_WRONG:
            sources = ", ".join(self.question.source_ids)
            self.explanation.value = (f'<div class="kit-quiz-explanation"><b>Explanation.</b> '
                                      f"{_markdown(self.question.explanation)}<small>Sources: {html.escape(sources)}"
                                      f"</small></div>")
        self.check_button.disabled = result.correct
        self.retry_button.disabled = result.correct
        self._on_result()
        return result

    def retry(self) -> None:
        self._reset()
        self.feedback.value = ""
        self.check_button.disabled = False
        self.retry_button.disabled = True


class QuizWidget:
    """A bank (or some of its questions) as widgets, with a running score."""

    def __init__(self, bank: Bank, questions: list[str] | None = None, learner: str | None = None):
        import ipywidgets as widgets

        self.bank = bank
        self.learner = learner or learner_id()
        chosen = [bank.question(q) for q in questions] if questions else list(bank.questions)
        self._question_ids = questions
        self.score = widgets.HTML()
        self.views = [_QuestionView(i, q, self.learner, self._update_score) for i, q in enumerate(chosen, start=1)]
        header = widgets.HTML(f"<h4>Quiz: {html.escape(bank.title)}</h4>")
        self.widget = widgets.VBox([header, self.score] + [v.widget for v in self.views])
        self.widget.add_class("kit-quiz")
        self._update_score()

    def _update_score(self) -> None:
        attempted = sum(v.attempts > 0 for v in self.views)
        right = sum(v.correct for v in self.views)
        first_time = sum(v.correct and v.attempts == 1 for v in self.views)
        self.score.value = (f'<p class="kit-quiz-score" aria-live="polite">Score: {right} of {len(self.views)} '
                            f"correct ({first_time} at the first attempt); {attempted} attempted.</p>")

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # Front ends without widgets (nbconvert HTML, GitHub) fall back to the text version.
        folded = os.environ.get(ANSWERS_ENV) == "folded"
        bundle["text/markdown"] = to_markdown(self.bank, self._question_ids, answers=folded, learner=self.learner)
        bundle["text/plain"] = to_markdown(self.bank, self._question_ids, learner=self.learner)
        return bundle


def show(bank_id: str, questions: list[str] | None = None, learner: str | None = None) -> QuizWidget:
    """A bank as an interactive quiz (``questions`` picks some of its question ids; ``learner``
    fixes whose option order is used, by default the account's)."""
    return QuizWidget(load_bank(bank_id), questions, learner)
