"""Question banks: YAML files in ``course/quizzes/``, loaded and validated with errors that name the
file, the line and the question."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator

from .. import paths
from ..problems import Problem, Report, ValidationFailed
from .models import ID_PATTERN, TYPE_TAGS, Question, _Model

__all__ = ["Bank", "QuizError", "QuizProblem", "load_bank", "list_banks", "validate_banks"]


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


def node_at(root, loc: tuple) -> Any:
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


def entry_id(content: Any, loc: tuple, key: str) -> str | None:
    """The ``id`` of the entry of list ``key`` that an error location ``(key, index, ...)`` points into."""
    if len(loc) >= 2 and loc[0] == key and isinstance(loc[1], int):
        try:
            return content[key][loc[1]].get("id")
        except (KeyError, IndexError, AttributeError, TypeError):
            return None
    return None


def read_yaml(path: Path) -> tuple[Any, Any, list[Problem]]:
    """(data, node tree, problems) for one YAML file (banks and problem-set specifications)."""
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


def _parse(path: Path, known_sources: set[str] | None, standards: bool = False) -> tuple[Bank | None, list[Problem]]:
    """The bank and its problems; ``standards`` adds the course-wide rules (size, levels, lengths),
    which ``validate`` applies to every bank and a lesson loading one bank does not."""
    content, root, problems = read_yaml(path)
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
            node = node_at(root, loc)
            line = node.start_mark.line + 1 if node is not None else None
            question_id = entry_id(content, loc, "questions")
            fields = [str(k) for k in loc[2:] if not (isinstance(k, str) and k in _TYPE_TAGS)] if question_id \
                or (len(loc) >= 2 and loc[0] == "questions") else [str(k) for k in loc]
            message = error["msg"].removeprefix("Value error, ")
            if message.startswith("question ids must be unique"):
                # Point at the second use of the id rather than at the list.
                ids = [q.get("id") if isinstance(q, dict) else None for q in content.get("questions", [])]
                for index, qid in enumerate(ids):
                    if qid is not None and qid in ids[:index]:
                        node = node_at(root, ("questions", index, "id"))
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
                    node = node_at(root, ("questions", index, "source_ids", position))
                    problems.append(Problem(name, node.start_mark.line + 1, "source_ids",
                                            f"'{source_id}' is not a source_id in datasets/sources.csv", item=question.id))
    if standards:
        problems.extend(_balance_problems(bank, root, name))
    if bank.id != path.stem:
        node = node_at(root, ("id",))
        problems.append(Problem(name, node.start_mark.line + 1, "id",
                                    f"bank id '{bank.id}' must match the file name '{path.stem}'"))
    return (None if problems else bank), problems


_TYPE_TAGS = TYPE_TAGS

#: What every bank must meet (issue #13): enough questions to sample from, most of them above recall,
#: and single-choice questions whose right option is not given away by being the longest.
MIN_QUESTIONS = 15
MIN_ABOVE_RECALL = 0.40
MAX_LONGEST_RIGHT = 0.35
CHOICE_TYPES = ("single", "scenario")


def right_is_longest(question) -> bool:
    """Whether a single-choice question's right option is at least as long as every other option."""
    longest = max(len(o.text) for o in question.options)
    return any(o.correct and len(o.text) == longest for o in question.options)


def _balance_problems(bank: Bank, root, name: str) -> list[Problem]:
    """The bank-wide rules: size, share above recall, and the right option's length."""
    where = node_at(root, ("questions",))
    line = where.start_mark.line + 1 if where is not None else None
    problems = []
    count = len(bank.questions)
    if count < MIN_QUESTIONS:
        problems.append(Problem(name, line, "questions",
                                f"a bank needs at least {MIN_QUESTIONS} questions to sample from; it has {count}"))
    above = sum(q.level != "recall" for q in bank.questions)
    if above < MIN_ABOVE_RECALL * count:
        problems.append(Problem(name, line, "level",
                                f"only {above} of {count} questions are above recall; at least "
                                f"{MIN_ABOVE_RECALL:.0%} must be (understand, apply, analyse or evaluate)"))
    choice = [q for q in bank.questions if q.type in CHOICE_TYPES]
    longest = [q.id for q in choice if right_is_longest(q)]
    if choice and len(longest) > MAX_LONGEST_RIGHT * len(choice):
        problems.append(Problem(name, line, "options",
                                f"the right option is the longest in {len(longest)} of {len(choice)} single-choice "
                                f"questions (at most {MAX_LONGEST_RIGHT:.0%} allowed), so length gives it away: "
                                f"{', '.join(longest)}"))
    return problems


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
        bank, found = _parse(path, known, standards=True)
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
