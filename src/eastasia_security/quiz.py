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

Question types: ``single`` (one right option), ``multiple`` (every right option
and nothing else), ``numeric`` (a value within a tolerance, with a unit),
``ordering`` (items in the right order) and ``true_false``. Each option has its
own feedback; every question has an explanation, a learning-objective tag, a
difficulty and ``source_ids`` into the datasets' ``sources``.
"""

from __future__ import annotations

import html
import math
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from . import paths
from .problems import Problem, Report, ValidationFailed

__all__ = [
    "Option", "Question", "Bank", "QuizError", "QuizProblem", "Result",
    "load_bank", "list_banks", "check", "validate_banks", "show", "to_markdown",
]

Difficulty = Literal["intro", "core", "stretch"]
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    """One choice: its text, whether it is right, and why (shown after the student picks it)."""

    id: str = Field(pattern=r"^[a-z]$")
    text: str = Field(min_length=1)
    correct: bool = False
    feedback: str = Field(min_length=1)


class _QuestionBase(_Model):
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1, description="Markdown")
    objective: str = Field(min_length=1, description="learning-objective tag, e.g. 'gsomia.timeline'")
    difficulty: Difficulty
    explanation: str = Field(min_length=1, description="Markdown, shown after the first attempt")
    source_ids: list[str] = Field(min_length=1)


class _ChoiceQuestion(_QuestionBase):
    options: list[Option] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _unique_option_ids(cls, options: list[Option]) -> list[Option]:
        ids = [o.id for o in options]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"option ids must be unique; repeated: {', '.join(duplicates)}")
        texts = [o.text.strip().lower() for o in options]
        if len(set(texts)) != len(texts):
            raise ValueError("two options have the same text")
        return options


class SingleChoice(_ChoiceQuestion):
    type: Literal["single"]

    @model_validator(mode="after")
    def _exactly_one_correct(self):
        n = sum(o.correct for o in self.options)
        if n != 1:
            raise ValueError(f"a single-choice question needs exactly one correct option, found {n}")
        return self


class MultipleChoice(_ChoiceQuestion):
    type: Literal["multiple"]

    @model_validator(mode="after")
    def _some_correct_some_not(self):
        n = sum(o.correct for o in self.options)
        if n < 1 or n == len(self.options):
            raise ValueError(f"a multiple-choice question needs at least one correct and one wrong option; "
                             f"{n} of {len(self.options)} are correct")
        return self


class Numeric(_QuestionBase):
    type: Literal["numeric"]
    answer: float
    tolerance: float = Field(description="largest accepted |answer - given|, in the unit")
    unit: str = Field(min_length=1)
    too_low: str = Field(min_length=1, description="feedback for an answer below the range")
    too_high: str = Field(min_length=1, description="feedback for an answer above the range")

    @field_validator("tolerance")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"tolerance must be greater than 0, not {value}")
        return value


class Ordering(_QuestionBase):
    type: Literal["ordering"]
    items: list[str] = Field(min_length=2, description="in the correct order")

    @field_validator("items")
    @classmethod
    def _unique_items(cls, items: list[str]) -> list[str]:
        duplicates = sorted({i for i in items if items.count(i) > 1})
        if duplicates:
            raise ValueError(f"ordering items must be unique; repeated: {'; '.join(duplicates)}")
        return items


class TrueFalse(_QuestionBase):
    type: Literal["true_false"]
    answer: bool
    feedback_true: str = Field(min_length=1, description="shown to a student who answers 'true'")
    feedback_false: str = Field(min_length=1, description="shown to a student who answers 'false'")


Question = Annotated[Union[SingleChoice, MultipleChoice, Numeric, Ordering, TrueFalse], Field(discriminator="type")]
_QUESTION = TypeAdapter(Question)


class Bank(_Model):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    description: str = ""
    questions: list[Question] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique_question_ids(cls, questions):
        ids = [q.id for q in questions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(duplicates)}")
        return questions

    def question(self, question_id: str):
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"No question {question_id!r} in bank {self.id!r}; "
                       f"it has: {', '.join(q.id for q in self.questions)}")


# --------------------------------------------------------------------------- errors with YAML lines


#: Quiz problems are the kit's one Problem type; ``problem.question_id`` names the question.
QuizProblem = Problem


class QuizError(ValidationFailed):
    """A bank (or several) failed validation; ``.problems`` lists each with file, line and question."""

    what = "the quiz banks"

    def __init__(self, problems: list[Problem]):
        ValueError.__init__(self, "\n".join(str(p) for p in problems))
        self.problems = problems


def _node_for(root, loc: tuple) -> Any:
    """The YAML node at a pydantic error location (keys and indices), as deep as it exists."""
    node = root
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == key]
            if not match:
                if key in _TYPE_TAGS:  # pydantic names the union member; the YAML has no such key
                    continue
                break
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break  # e.g. the discriminator tag pydantic adds ('single', 'numeric' ...)
    return node


def _read(path: Path) -> tuple[Any, Any, list[Problem]]:
    """(data, node tree, problems) for one YAML file."""
    name = _display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return None, None, [Problem(name, line, None, f"not UTF-8 text ({exc.reason})")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        content = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, None, [Problem(name, line, None, f"not valid YAML: {exc.problem or exc}")]
    if not isinstance(content, dict):
        return None, None, [Problem(name, 1, None, "a bank is a YAML mapping with id, title and questions")]
    return content, node, []


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.repository_root() or Path("/nonexistent")))
    except (ValueError, TypeError):
        return str(path)


def _parse(path: Path, known_sources: set[str] | None) -> tuple[Bank | None, list[Problem]]:
    content, root, problems = _read(path)
    if problems:
        return None, problems
    name = _display_name(path)
    try:
        bank = Bank.model_validate(content)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            if "correct option" in error["msg"] and "options" not in loc:
                loc = loc + ("options",)   # a rule about the options as a whole: point at them
            if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                loc = loc + ("type",)
            node = _node_for(root, loc)
            line = node.start_mark.line + 1 if node is not None else None
            question_id = None
            if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
                try:
                    question_id = content["questions"][loc[1]].get("id")
                except (KeyError, IndexError, AttributeError, TypeError):
                    question_id = None
            fields = [str(k) for k in loc[2:] if not (isinstance(k, str) and k in _TYPE_TAGS)] if question_id \
                or (len(loc) >= 2 and loc[0] == "questions") else [str(k) for k in loc]
            message = error["msg"].removeprefix("Value error, ")
            if message.startswith("question ids must be unique"):
                # Point at the second use of the id rather than at the list.
                ids = [q.get("id") if isinstance(q, dict) else None for q in content.get("questions", [])]
                for index, qid in enumerate(ids):
                    if qid is not None and qid in ids[:index]:
                        node = _node_for(root, ("questions", index, "id"))
                        problems.append(Problem(name, node.start_mark.line + 1, "id",
                                                f"question id '{qid}' is used twice in this bank", item=qid))
                continue
            if error["type"] == "union_tag_invalid" or error["type"] == "union_tag_not_found":
                message = f"type must be one of {', '.join(_TYPE_TAGS)}"
            problems.append(Problem(name, line, ".".join(fields) or None, message, item=question_id))
        return None, problems
    if known_sources is not None:
        for index, question in enumerate(bank.questions):
            for position, source_id in enumerate(question.source_ids):
                if source_id not in known_sources:
                    node = _node_for(root, ("questions", index, "source_ids", position))
                    problems.append(Problem(name, node.start_mark.line + 1, "source_ids",
                                            f"'{source_id}' is not a source_id in datasets/sources.csv", item=question.id))
    if bank.id != path.stem:
        node = _node_for(root, ("id",))
        problems.append(Problem(name, node.start_mark.line + 1, "id",
                                    f"bank id '{bank.id}' must match the file name '{path.stem}'"))
    return (None if problems else bank), problems


_TYPE_TAGS = ("single", "multiple", "numeric", "ordering", "true_false")


def _known_sources(datasets: Path | str | None = None) -> set[str]:
    """source_ids in sources.csv (read directly, so that banks can be checked even when
    another dataset has problems)."""
    import csv

    folder = Path(datasets) if datasets is not None else paths.datasets_dir()
    with (folder / "sources.csv").open(encoding="utf-8", newline="") as handle:
        return {row["source_id"] for row in csv.DictReader(handle)}


def list_banks(folder: Path | str | None = None) -> list[str]:
    """Ids of the banks in ``course/quizzes`` (file names without ``.yml``)."""
    folder = Path(folder) if folder is not None else paths.quizzes_dir()
    return sorted(p.stem for p in folder.glob("*.yml"))


def load_bank(bank_id: str | Path, folder: Path | str | None = None) -> Bank:
    """Load and validate one bank; raises :class:`QuizError` naming file, line and question."""
    path = Path(bank_id) if str(bank_id).endswith((".yml", ".yaml")) else \
        (Path(folder) if folder is not None else paths.quizzes_dir()) / f"{bank_id}.yml"
    if not path.is_file():
        raise QuizError([Problem(_display_name(path), None, None,
                                     f"no such bank; available: {', '.join(list_banks(path.parent)) or 'none'}")])
    bank, problems = _parse(path, _known_sources())
    if problems:
        raise QuizError(problems)
    return bank


def validate_banks(folder: Path | str | None = None, datasets: Path | str | None = None) -> Report:
    """Check every bank in ``folder``: a Report with the number of questions per bank.

    Also checks that question ids are unique across banks, so a lesson can name
    a question without its bank being ambiguous. A missing folder, a folder with
    no banks, or an unreadable ``sources.csv`` is a problem too.

    >>> report = validate_banks()
    >>> report.ok, report.items["alliances.yml"].strip().endswith("questions")
    (True, True)
    """
    folder = Path(folder) if folder is not None else paths.quizzes_dir()
    report = Report(f"Quiz banks in {_display_name(folder)}")
    if not folder.is_dir():
        report.problems.append(Problem(_display_name(folder), None, None, "no such folder: the quiz banks are missing"))
        return report
    try:
        known = _known_sources(datasets)
    except (OSError, KeyError, UnicodeDecodeError) as exc:
        report.problems.append(Problem("sources.csv", None, "source_id",
                                       f"cannot read the sources the banks cite ({exc})"))
        known = None
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        bank, found = _parse(path, known)
        report.problems.extend(replace(p, group=path.name) for p in found)
        report.items[path.name] = f"{len(bank.questions) if bank else 0:3d} questions"
        if bank:
            for q in bank.questions:
                if q.id in seen:
                    report.problems.append(Problem(_display_name(path), None, "id",
                                                   f"question id also used in {seen[q.id]}", item=q.id,
                                                   group=path.name))
                seen[q.id] = path.name
    if not report.items:
        report.problems.append(Problem(_display_name(folder), None, None, "holds no quiz bank (*.yml)"))
    return report


# --------------------------------------------------------------------------- checking answers


@dataclass
class Result:
    """The verdict on one answer: right or not, and the feedback to show."""

    correct: bool
    feedback: list[str] = field(default_factory=list)


def check(question, answer) -> Result:
    """Check an answer to a question.

    * single: an option id (``"b"``)
    * multiple: option ids (``["a", "c"]``)
    * numeric: a number in the question's unit
    * ordering: the items in the order the student chose
    * true_false: ``True`` or ``False``
    """
    if isinstance(question, SingleChoice):
        chosen = [o for o in question.options if o.id == answer]
        if not chosen:
            raise ValueError(f"Choose one of {', '.join(o.id for o in question.options)}")
        return Result(chosen[0].correct, [chosen[0].feedback])
    if isinstance(question, MultipleChoice):
        picked = set(answer or [])
        unknown = picked - {o.id for o in question.options}
        if unknown:
            raise ValueError(f"Unknown option(s) {sorted(unknown)}")
        feedback = [f"({o.id}) {o.feedback}" for o in question.options if o.id in picked]
        missed = [o for o in question.options if o.correct and o.id not in picked]
        if missed:
            feedback.append(f"You left out {len(missed)} correct option(s).")
        right = picked == {o.id for o in question.options if o.correct}
        return Result(right, feedback)
    if isinstance(question, Numeric):
        try:
            value = float(answer)
        except (TypeError, ValueError):
            return Result(False, [f"Enter a number (in {question.unit})."])
        if math.isnan(value):
            return Result(False, [f"Enter a number (in {question.unit})."])
        if abs(value - question.answer) <= question.tolerance:
            return Result(True, [f"Yes: {question.answer:,g} {question.unit} (answers within "
                                 f"{question.tolerance:,g} {question.unit} count)."])
        return Result(False, [question.too_low if value < question.answer else question.too_high])
    if isinstance(question, Ordering):
        given = list(answer or [])
        if sorted(given) != sorted(question.items):
            return Result(False, ["Use each item exactly once."])
        in_place = sum(a == b for a, b in zip(given, question.items))
        if in_place == len(question.items):
            return Result(True, ["All in the right order."])
        return Result(False, [f"{in_place} of {len(question.items)} items are in the right place."])
    if isinstance(question, TrueFalse):
        if not isinstance(answer, bool):
            raise ValueError("Answer True or False")
        return Result(answer == question.answer, [question.feedback_true if answer else question.feedback_false])
    raise TypeError(f"Not a question: {question!r}")


# --------------------------------------------------------------------------- text version


def _prompt_text(question) -> str:
    lines = [question.prompt.strip()]
    if isinstance(question, (SingleChoice, MultipleChoice)):
        if isinstance(question, MultipleChoice):
            lines.append("*(choose all that apply)*")
        lines += [f"- ({o.id}) {o.text}" for o in question.options]
    elif isinstance(question, Numeric):
        lines.append(f"*(answer in {question.unit})*")
    elif isinstance(question, Ordering):
        lines.append("*(put in order, earliest first)*")
        lines += [f"- {item}" for item in _shuffled(question)]
    elif isinstance(question, TrueFalse):
        lines.append("*(true or false)*")
    return "\n\n".join(lines[:1]) + ("\n\n" + "\n".join(lines[1:]) if len(lines) > 1 else "")


def _shuffled(question: Ordering) -> list[str]:
    """The items in a fixed, never-correct order (seeded by the question id)."""
    items = list(question.items)
    rng = random.Random(question.id)
    for _ in range(20):
        rng.shuffle(items)
        if items != question.items:
            break
    return items


#: Set to "folded" (the course site's build does) for quizzes whose text version carries each
#: answer and explanation folded under the question, for reading without widgets.
ANSWERS_ENV = "EASTASIA_SECURITY_QUIZ_ANSWERS"


def _answer_text(question) -> str:
    if isinstance(question, (SingleChoice, MultipleChoice)):
        right = [o for o in question.options if o.correct]
        text = ", ".join(f"({o.id}) {o.text}" for o in right)
        why = " ".join(f"({o.id}) {o.feedback}" for o in right)
        return f"{text}. {why}"
    if isinstance(question, Numeric):
        return f"{question.answer:,g} {question.unit} (answers within {question.tolerance:,g} {question.unit} count)."
    if isinstance(question, Ordering):
        return "; ".join(question.items) + "."
    if isinstance(question, TrueFalse):
        return ("True. " + question.feedback_true) if question.answer else ("False. " + question.feedback_false)
    raise TypeError(f"Not a question: {question!r}")


def to_markdown(bank: Bank, questions: list[str] | None = None, answers: bool = False) -> str:
    """The questions as Markdown (for print and front ends without widgets).

    Without ``answers`` nothing gives the answers away; with it, each question is followed by
    its answer and explanation folded in a ``<details>`` box (the course site).
    """
    chosen = [bank.question(q) for q in questions] if questions else bank.questions
    parts = [f"### Quiz: {bank.title}", ""]
    for number, q in enumerate(chosen, start=1):
        parts.append(f"**{number}.** " + _prompt_text(q))
        parts.append("")
        if answers:
            parts += ['<details class="kit-quiz-answer"><summary>Answer</summary>', "",
                      f"**Answer.** {_answer_text(q)}", "", f"**Explanation.** {q.explanation.strip()}", "",
                      f"*Sources: {', '.join(q.source_ids)}*", "", "</details>", ""]
    if answers:
        parts.append("*Try each question before opening its answer; in JupyterLab the quiz checks your answers.*")
    else:
        parts.append("*Open this notebook in JupyterLab to answer and get feedback.*")
    return "\n".join(parts)


# --------------------------------------------------------------------------- widgets


def _markdown(text: str) -> str:
    import mistune

    return mistune.html(text)


class _QuestionView:
    """The widgets for one question: input, Check, Retry, feedback, explanation."""

    def __init__(self, number: int, question, on_result):
        import ipywidgets as widgets

        self.question, self._on_result = question, on_result
        self.attempts = 0
        self.correct = False
        title = widgets.HTML(f"<b>Question {number}</b> <small>({html.escape(question.difficulty)})</small>"
                             + _markdown(question.prompt))
        q = question
        if isinstance(q, SingleChoice):
            self.input = widgets.RadioButtons(options=[(o.text, o.id) for o in q.options], value=None,
                                              layout=widgets.Layout(width="auto"))
            body = self.input
        elif isinstance(q, MultipleChoice):
            self.boxes = {o.id: widgets.Checkbox(description=o.text, value=False, indent=False,
                                                 layout=widgets.Layout(width="auto")) for o in q.options}
            self.input = widgets.VBox(list(self.boxes.values()))
            body = widgets.VBox([widgets.HTML("<i>Choose all that apply.</i>"), self.input])
        elif isinstance(q, Numeric):
            # Text, not FloatText: an empty box must stay empty (FloatText would say 0).
            self.input = widgets.Text(value="", placeholder="a number", description="Answer",
                                      layout=widgets.Layout(width="220px"))
            body = widgets.HBox([self.input, widgets.Label(q.unit)])
        elif isinstance(q, Ordering):
            shuffled = _shuffled(q)
            self.slots = [widgets.Dropdown(options=shuffled, value=shuffled[i], description=f"{i + 1}.",
                                           layout=widgets.Layout(width="95%")) for i in range(len(shuffled))]
            self.input = widgets.VBox(self.slots)
            body = widgets.VBox([widgets.HTML("<i>Put in time order, earliest first: choose an item for each place.</i>"),
                                 self.input])
        elif isinstance(q, TrueFalse):
            self.input = widgets.RadioButtons(options=[("True", True), ("False", False)], value=None)
            body = self.input
        else:  # pragma: no cover - the models allow nothing else
            raise TypeError(q)
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

    def answer(self):
        q = self.question
        if isinstance(q, MultipleChoice):
            return [i for i, box in self.boxes.items() if box.value]
        if isinstance(q, Ordering):
            return [slot.value for slot in self.slots]
        if isinstance(q, Numeric):
            text = self.input.value.strip().replace(",", "")
            return text or None
        return self.input.value

    def submit(self) -> Result | None:
        value = self.answer()
        if value is None or (isinstance(self.question, MultipleChoice) and not value):
            self.feedback.value = "<p>Choose an answer first.</p>"
            return None
        result = check(self.question, value)
        self.attempts += 1
        self.correct = result.correct
        verdict = "Correct." if result.correct else "Not quite."
        colour = "#006d4f" if result.correct else "#a63d00"
        items = "".join(f"<li>{_markdown(f)}</li>" for f in result.feedback)
        self.feedback.value = (f'<div class="kit-quiz-feedback" role="status" style="color:{colour}">'
                               f"<b>{verdict}</b><ul>{items}</ul></div>")
        sources = ", ".join(self.question.source_ids)
        self.explanation.value = (f'<div class="kit-quiz-explanation"><b>Explanation.</b> '
                                  f"{_markdown(self.question.explanation)}<small>Sources: {html.escape(sources)}"
                                  f"</small></div>")
        self.check_button.disabled = result.correct
        self.retry_button.disabled = result.correct
        self._on_result()
        return result

    def retry(self) -> None:
        q = self.question
        if isinstance(q, MultipleChoice):
            for box in self.boxes.values():
                box.value = False
        elif isinstance(q, Ordering):
            for slot, item in zip(self.slots, _shuffled(q)):
                slot.value = item
        elif isinstance(q, Numeric):
            self.input.value = ""
        else:
            self.input.value = None
        self.feedback.value = ""
        self.check_button.disabled = False
        self.retry_button.disabled = True


class QuizWidget:
    """A bank (or some of its questions) as widgets, with a running score."""

    def __init__(self, bank: Bank, questions: list[str] | None = None):
        import ipywidgets as widgets

        self.bank = bank
        chosen = [bank.question(q) for q in questions] if questions else list(bank.questions)
        self._question_ids = questions
        self.score = widgets.HTML()
        self.views = [_QuestionView(i, q, self._update_score) for i, q in enumerate(chosen, start=1)]
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
        bundle["text/markdown"] = to_markdown(self.bank, self._question_ids, answers=folded)
        bundle["text/plain"] = to_markdown(self.bank, self._question_ids)
        return bundle


def show(bank_id: str, questions: list[str] | None = None) -> QuizWidget:
    """A bank as an interactive quiz (``questions`` picks some of its question ids)."""
    return QuizWidget(load_bank(bank_id), questions)
