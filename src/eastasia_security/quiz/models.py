"""The question types. Each one validates itself, checks an answer, and renders itself as text and
as an input widget, so a new kind of question is one class here (and one tag in ``QUESTION_TYPES``).

Choices are shown in an order shuffled per learner and stable for that learner (:func:`order_for`):
position says nothing about which option is right, and a learner who reloads sees the same quiz.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

__all__ = ["Option", "Result", "Question", "QUESTION_TYPES", "SingleChoice", "Scenario", "MultipleChoice",
           "Numeric", "DataNumeric", "Ordering", "TrueFalse", "Attribution", "order_for", "LEVELS"]

Difficulty = Literal["intro", "core", "stretch"]
#: Cognitive levels (after Bloom): "recall" is remembering a fact; the others ask for more.
Level = Literal["recall", "understand", "apply", "analyse", "evaluate"]
LEVELS = ("recall", "understand", "apply", "analyse", "evaluate")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
LABELS = "abcdefghij"


def order_for(items: list, learner: str, key: str) -> list:
    """`items` in an order drawn from (learner, key): the same for one learner, different between
    learners. A hash of the text, not Python's per-process ``hash``, so it survives restarts.

    >>> order_for(["a", "b", "c", "d"], "student-1", "q1") == order_for(["a", "b", "c", "d"], "student-1", "q1")
    True
    >>> sorted(order_for(["a", "b", "c"], "student-2", "q1"))
    ['a', 'b', 'c']
    """
    seed = int.from_bytes(hashlib.sha256(f"{learner}\x1f{key}".encode()).digest()[:8], "big")
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    return shuffled


@dataclass
class Result:
    """The verdict on one answer: right or not, and the feedback to show."""

    correct: bool
    feedback: list[str] = field(default_factory=list)


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
    level: Level = Field(description="cognitive level: recall, understand, apply, analyse, evaluate")
    explanation: str = Field(min_length=1, description="Markdown, shown after a right answer or the second wrong one")
    source_ids: list[str] = Field(min_length=1)

    #: Shown under the prompt in the text version (what kind of answer is wanted).
    hint: ClassVar[str] = ""

    def check(self, answer) -> Result:  # pragma: no cover - every type overrides it
        raise NotImplementedError

    def prompt_markdown(self, learner: str) -> str:
        """The question as Markdown, in this learner's order, without the answer."""
        lines = [self.prompt.strip()] + ([f"*({self.hint})*"] if self.hint else [])
        return "\n\n".join(lines)

    def answer_markdown(self, learner: str) -> str:  # pragma: no cover - every type overrides it
        raise NotImplementedError

    def make_input(self, learner: str):  # pragma: no cover - every type overrides it
        """(widget, read the answer, reset) for this question's input."""
        raise NotImplementedError


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

    def choices(self, learner: str) -> list[tuple[str, Option]]:
        """(label, option) in this learner's order; labels a, b, c... follow the order shown,
        so neither position nor letter tells which option is right."""
        return list(zip(LABELS, order_for(list(self.options), learner, self.id)))

    def prompt_markdown(self, learner: str) -> str:
        lines = [f"- ({label}) {o.text}" for label, o in self.choices(learner)]
        return super().prompt_markdown(learner) + "\n\n" + "\n".join(lines)

    def answer_markdown(self, learner: str) -> str:
        right = [(label, o) for label, o in self.choices(learner) if o.correct]
        return (", ".join(f"({label}) {o.text}" for label, o in right) + ". "
                + " ".join(o.feedback for _, o in right))


class SingleChoice(_ChoiceQuestion):
    """One right option. Answer: its id (``"b"``)."""

    type: Literal["single"]

    @model_validator(mode="after")
    def _exactly_one_correct(self):
        n = sum(o.correct for o in self.options)
        if n != 1:
            raise ValueError(f"a single-choice question needs exactly one correct option, found {n}")
        return self

    def check(self, answer) -> Result:
        chosen = [o for o in self.options if o.id == answer]
        if not chosen:
            raise ValueError(f"Choose one of {', '.join(o.id for o in self.options)}")
        return Result(chosen[0].correct, [chosen[0].feedback])

    def make_input(self, learner: str):
        import ipywidgets as widgets

        radio = widgets.RadioButtons(options=[(o.text, o.id) for _, o in self.choices(learner)], value=None,
                                     layout=widgets.Layout(width="auto"))
        return radio, radio, lambda: radio.value, lambda: setattr(radio, "value", None)


class Scenario(SingleChoice):
    """A situation to reason about (Markdown), then one right option."""

    type: Literal["scenario"]
    scenario: str = Field(min_length=1, description="Markdown: the situation, shown before the prompt")

    def prompt_markdown(self, learner: str) -> str:
        return f"*Scenario.* {self.scenario.strip()}\n\n" + super().prompt_markdown(learner)


class MultipleChoice(_ChoiceQuestion):
    """Every right option and nothing else. Answer: option ids (``["a", "c"]``)."""

    type: Literal["multiple"]
    hint: ClassVar[str] = "choose all that apply"

    @model_validator(mode="after")
    def _some_correct_some_not(self):
        n = sum(o.correct for o in self.options)
        if n < 1 or n == len(self.options):
            raise ValueError(f"a multiple-choice question needs at least one correct and one wrong option; "
                             f"{n} of {len(self.options)} are correct")
        return self

    def check(self, answer) -> Result:
        picked = set(answer or [])
        unknown = picked - {o.id for o in self.options}
        if unknown:
            raise ValueError(f"Unknown option(s) {sorted(unknown)}")
        feedback = [o.feedback for o in self.options if o.id in picked]
        missed = [o for o in self.options if o.correct and o.id not in picked]
        if missed:
            feedback.append(f"You left out {len(missed)} correct option(s).")
        return Result(picked == {o.id for o in self.options if o.correct}, feedback)

    def make_input(self, learner: str):
        import ipywidgets as widgets

        boxes = {o.id: widgets.Checkbox(description=o.text, value=False, indent=False,
                                        layout=widgets.Layout(width="auto")) for _, o in self.choices(learner)}
        box = widgets.VBox(list(boxes.values()))
        body = widgets.VBox([widgets.HTML("<i>Choose all that apply.</i>"), box])

        def reset():
            for b in boxes.values():
                b.value = False
        return body, boxes, lambda: [i for i, b in boxes.items() if b.value] or None, reset


class _NumberAnswer(_QuestionBase):
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

    @property
    def value(self) -> float:  # pragma: no cover - both number types override it
        raise NotImplementedError

    def check(self, answer) -> Result:
        try:
            given = float(str(answer).replace(",", "")) if answer is not None else math.nan
        except ValueError:
            given = math.nan
        if math.isnan(given):
            return Result(False, [f"Enter a number (in {self.unit})."])
        if abs(given - self.value) <= self.tolerance:
            return Result(True, [f"Yes: {self.value:,g} {self.unit} (answers within "
                                 f"{self.tolerance:,g} {self.unit} count)."])
        return Result(False, [self.too_low if given < self.value else self.too_high])

    def prompt_markdown(self, learner: str) -> str:
        return f"{self.prompt.strip()}\n\n*(answer in {self.unit})*"

    def answer_markdown(self, learner: str) -> str:
        return f"{self.value:,g} {self.unit} (answers within {self.tolerance:,g} {self.unit} count)."

    def make_input(self, learner: str):
        import ipywidgets as widgets

        # Text, not FloatText: an empty box must stay empty (FloatText would say 0).
        text = widgets.Text(value="", placeholder="a number", description="Answer", layout=widgets.Layout(width="220px"))
        body = widgets.HBox([text, widgets.Label(self.unit)])
        return body, text, lambda: text.value.strip().replace(",", "") or None, lambda: setattr(text, "value", "")


class Numeric(_NumberAnswer):
    """A value within a tolerance, in a unit. Answer: a number."""

    type: Literal["numeric"]
    answer: float

    @property
    def value(self) -> float:
        return self.answer


#: What a data question may compute: name -> (function of the datasets, the parameters it takes).
def _launch_count(start: str, end: str, unit: str = "events", include_cruise: bool = False,
                  include_space_launches: bool = False, include_rocket_artillery: bool = False) -> float:
    from .. import data, launches

    return float(launches.count(data.load("missile_launches"), start, end, unit=unit, include_cruise=include_cruise,
                                include_space_launches=include_space_launches,
                                include_rocket_artillery=include_rocket_artillery))


def _distance_km(a: str, b: str) -> float:
    from .. import geo

    return float(geo.distance_km(a, b))


def _rows(dataset: str, column: str, equals: str) -> float:
    from .. import data

    frame = data.load(dataset)
    return float((frame[column].astype(str) == str(equals)).sum())


COMPUTATIONS = {"launch_count": _launch_count, "distance_km": _distance_km, "rows": _rows}


class DataNumeric(_NumberAnswer):
    """A number the student reads off the data; the answer is computed from the datasets when the
    bank loads, so it follows the data (``compute`` names a computation, ``params`` its arguments)."""

    type: Literal["data"]
    compute: Literal["launch_count", "distance_km", "rows"]
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _computes(self):
        try:
            COMPUTATIONS[self.compute](**self.params)
        except TypeError as exc:
            raise ValueError(f"params do not fit compute '{self.compute}': {exc}") from None
        except (KeyError, ValueError) as exc:
            raise ValueError(f"compute '{self.compute}' failed on the data: {exc}") from None
        return self

    @property
    def value(self) -> float:
        # The datasets are loaded once per process (data.load caches), so this is cheap.
        return COMPUTATIONS[self.compute](**self.params)


class Ordering(_QuestionBase):
    """Items in the right order (earliest first). Answer: the items in the order chosen."""

    type: Literal["ordering"]
    items: list[str] = Field(min_length=2, description="in the correct order")
    hint: ClassVar[str] = "put in order, earliest first"

    @field_validator("items")
    @classmethod
    def _unique_items(cls, items: list[str]) -> list[str]:
        duplicates = sorted({i for i in items if items.count(i) > 1})
        if duplicates:
            raise ValueError(f"ordering items must be unique; repeated: {'; '.join(duplicates)}")
        return items

    def shown(self, learner: str) -> list[str]:
        """The items in this learner's order, never already the right one."""
        for attempt in range(20):
            items = order_for(self.items, learner, f"{self.id}#{attempt}")
            if items != self.items:
                return items
        return list(reversed(self.items))

    def check(self, answer) -> Result:
        given = list(answer or [])
        if sorted(given) != sorted(self.items):
            return Result(False, ["Use each item exactly once."])
        in_place = sum(a == b for a, b in zip(given, self.items))
        if in_place == len(self.items):
            return Result(True, ["All in the right order."])
        return Result(False, [f"{in_place} of {len(self.items)} items are in the right place."])

    def prompt_markdown(self, learner: str) -> str:
        return super().prompt_markdown(learner) + "\n\n" + "\n".join(f"- {i}" for i in self.shown(learner))

    def answer_markdown(self, learner: str) -> str:
        return "; ".join(self.items) + "."

    def make_input(self, learner: str):
        import ipywidgets as widgets

        shown = self.shown(learner)
        slots = [widgets.Dropdown(options=shown, value=shown[i], description=f"{i + 1}.",
                                  layout=widgets.Layout(width="95%")) for i in range(len(shown))]
        body = widgets.VBox([widgets.HTML("<i>Put in time order, earliest first: choose an item for each place.</i>"),
                             widgets.VBox(slots)])

        def reset():
            for slot, item in zip(slots, shown):
                slot.value = item
        return body, slots, lambda: [s.value for s in slots], reset


class TrueFalse(_QuestionBase):
    """True or false. Answer: ``True`` or ``False``."""

    type: Literal["true_false"]
    answer: bool
    feedback_true: str = Field(min_length=1, description="shown to a student who answers 'true'")
    feedback_false: str = Field(min_length=1, description="shown to a student who answers 'false'")
    hint: ClassVar[str] = "true or false"

    def check(self, answer) -> Result:
        if not isinstance(answer, bool):
            raise ValueError("Answer True or False")
        return Result(answer == self.answer, [self.feedback_true if answer else self.feedback_false])

    def answer_markdown(self, learner: str) -> str:
        return ("True. " + self.feedback_true) if self.answer else ("False. " + self.feedback_false)

    def make_input(self, learner: str):
        import ipywidgets as widgets

        radio = widgets.RadioButtons(options=[("True", True), ("False", False)], value=None)
        return radio, radio, lambda: radio.value, lambda: setattr(radio, "value", None)


class Attribution(_QuestionBase):
    """"Who said this?": a quotation from the `statements` table; the options are voices, the right
    one is the statement's. Answer: a voice (``"prc_government"``)."""

    type: Literal["attribution"]
    statement_id: str = Field(min_length=1)
    voices: list[str] = Field(min_length=2, description="the voices offered, the speaker's among them")
    prompt: str = "Who said this?"

    @model_validator(mode="after")
    def _the_statement_exists(self):
        from .. import data, framings

        statements = data.load("statements").set_index("statement_id")
        if self.statement_id not in statements.index:
            raise ValueError(f"statement_id '{self.statement_id}' is not in datasets/statements.csv")
        row = statements.loc[self.statement_id]
        unknown = sorted(set(self.voices) - set(framings.VOICE_LABELS))
        if unknown:
            raise ValueError(f"unknown voice(s) {unknown}; voices: {', '.join(framings.VOICE_LABELS)}")
        if row["voice"] not in self.voices:
            raise ValueError(f"voices must include the speaker's voice '{row['voice']}'")
        return self

    @property
    def statement(self) -> dict:
        """The quoted statement (from the cached `statements` table)."""
        from .. import data

        row = data.load("statements").set_index("statement_id").loc[self.statement_id]
        return {"quotation": row["quotation"], "translation_en": row["translation_en"], "language": row["language"],
                "voice": row["voice"], "speaker": row["speaker"], "role": row["speaker_role"],
                "date": row["date"].date().isoformat()}

    def _label(self, voice: str) -> str:
        from ..framings import VOICE_LABELS

        return VOICE_LABELS[voice]

    def quotation_markdown(self) -> str:
        s = self.statement
        text = f'> "{s["quotation"]}"'
        if isinstance(s["translation_en"], str) and s["translation_en"]:
            text += f'\n>\n> English: "{s["translation_en"]}"'
        return text + f"\n\n*({s['date']})*"

    def check(self, answer) -> Result:
        if answer not in self.voices:
            raise ValueError(f"Choose one of {', '.join(self.voices)}")
        s = self.statement
        said = f"{s['speaker']} ({s['role']}) said it on {s['date']}."
        if answer == s["voice"]:
            return Result(True, [f"Yes. {said}"])
        return Result(False, [f"Not {self._label(answer)}. Look at the words: who would frame it this way?"])

    def prompt_markdown(self, learner: str) -> str:
        shown = order_for(self.voices, learner, self.id)
        return (f"{self.prompt.strip()}\n\n{self.quotation_markdown()}\n\n"
                + "\n".join(f"- ({label}) {self._label(v)}" for label, v in zip(LABELS, shown)))

    def answer_markdown(self, learner: str) -> str:
        s = self.statement
        return f"{self._label(s['voice'])}: {s['speaker']} ({s['role']}), {s['date']}."

    def make_input(self, learner: str):
        import ipywidgets as widgets

        quote = widgets.HTML(_markdown_html(self.quotation_markdown()))
        radio = widgets.RadioButtons(options=[(self._label(v), v) for v in order_for(self.voices, learner, self.id)],
                                     value=None, layout=widgets.Layout(width="auto"))
        return widgets.VBox([quote, radio]), radio, lambda: radio.value, lambda: setattr(radio, "value", None)


def _markdown_html(text: str) -> str:
    import mistune

    return mistune.html(text)


QUESTION_TYPES = (SingleChoice, Scenario, MultipleChoice, Numeric, DataNumeric, Ordering, TrueFalse, Attribution)
Question = Annotated[Union[QUESTION_TYPES], Field(discriminator="type")]   # type: ignore[valid-type]
QUESTION = TypeAdapter(Question)
#: The ``type`` tags a bank may use.
TYPE_TAGS = tuple(t.model_fields["type"].annotation.__args__[0] for t in QUESTION_TYPES)
