"""Problem sets written once as specifications, rendered as nbgrader source notebooks per variant.

A problem set lives in ``course/problem_sets/<assignment>.yml``: an introduction, the Python it
assumes, setup code, and items. An *autograded* item asks for a value the student finds in the
data (a count under a stated rule, a distance, a warning time, which claim a row supports); it has
at least three *variants*, each a set of parameters (period, rule, places, claim, year), and its
prompt, model solution and hidden test are templates filled with one variant's parameters
(``{{name}}``). The expected answer is computed from the datasets by an expression of its own,
and the model solution must reach the same value, so a template error cannot slip through.
A *written* item is graded by hand with an analytic rubric (criteria x levels, each level
described) and one anchor answer per level.

Variant 0 of every item is the *default*: it is what the public repository's
``course/source`` holds, so its model answers are public. A course's own variants come from a
secret kept in the course's private folder (:func:`init_course`): every item's variant is drawn
from the secret among the non-default ones, the matching solutions and hidden tests are
written to ``source/``, and ``variants.json`` records what each course uses.

>>> spec = load_spec("ps2_missile_data")
>>> [len(item.variants) >= 3 for item in spec.auto_items()]
[True, True, True]
>>> choose_variant("a course secret", "ps2_missile_data", "ps2-period", 4) in (1, 2, 3)
True
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Union

import nbformat
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import paths
from .problems import Problem, Report, ValidationFailed

__all__ = ["Spec", "AutoItem", "WrittenItem", "load_spec", "list_specs", "validate_specs", "render",
           "choose_variant", "init_course", "write_variant", "build_public", "SpecError", "SECRET_FILE",
           "VARIANTS_FILE", "MIN_VARIANTS"]

SECRET_FILE = ".course-secret"
VARIANTS_FILE = "variants.json"
SPECS_FOLDER = "problem_sets"
RUBRICS_FOLDER = "rubrics"
MIN_VARIANTS = 3
#: Share of all problem-set points on reasoning graded by hand with an analytic rubric (issue #13).
MIN_HAND_GRADED = 0.40
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
LEVEL_NAMES = ("Excellent", "Proficient", "Developing", "Beginning")


class SpecError(ValidationFailed):
    what = "the problem-set specifications"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def fill(template: str, params: dict[str, Any]) -> str:
    """``template`` with each ``{{name}}`` replaced by ``params[name]``.

    >>> fill("Count from {{start}} to {{ end }}", {"start": "2022-01-01", "end": "2022-06-05"})
    'Count from 2022-01-01 to 2022-06-05'
    """
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in params:
            raise KeyError(name)
        return str(params[name])
    return PLACEHOLDER.sub(one, template)


class AutoItem(_Model):
    """A value the student computes; checked against the datasets by hidden tests."""

    kind: Literal["auto"]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    points: float = Field(gt=0)
    answer: str = Field(pattern=r"^[a-z_][a-z0-9_]*$", description="the variable the student sets")
    type: Literal["int", "float", "str"]
    tolerance: float = Field(0, ge=0, description="for float answers: largest accepted difference")
    choices: list[str] | None = Field(None, description="for str answers: the allowed values (shown to students)")
    prompt: str = Field(min_length=1, description="Markdown template")
    solution: str = Field(min_length=1, description="Python template: the model solution, which sets `answer`")
    expected: str = Field(min_length=1, description="Python expression template computing the answer from the data")
    what: str = Field(min_length=1, description="what the answer is, for test messages (template)")
    hint: str = Field(min_length=1, description="shown when the answer is wrong")
    variants: list[dict[str, Any]] = Field(min_length=MIN_VARIANTS)

    @model_validator(mode="after")
    def _placeholders_filled(self):
        for index, params in enumerate(self.variants):
            for name in ("prompt", "solution", "expected", "what"):
                try:
                    fill(getattr(self, name), params)
                except KeyError as exc:
                    raise ValueError(f"variant {index} has no parameter {exc.args[0]!r} used in {name}") from None
        if self.type == "float" and not self.tolerance > 0:
            raise ValueError("a float answer needs a tolerance > 0")
        return self


class Level(_Model):
    points: float = Field(ge=0)
    descriptor: str = Field(min_length=1)


class Criterion(_Model):
    name: str = Field(min_length=1)
    levels: list[Level]

    @field_validator("levels")
    @classmethod
    def _descending(cls, levels: list[Level]) -> list[Level]:
        if len(levels) != len(LEVEL_NAMES):
            raise ValueError(f"a criterion needs {len(LEVEL_NAMES)} levels ({', '.join(LEVEL_NAMES)}), "
                             f"not {len(levels)}")
        points = [level.points for level in levels]
        if points != sorted(points, reverse=True) or len(set(points)) != len(points):
            raise ValueError(f"level points must fall from the first level to the last, got {points}")
        return levels


class Rubric(_Model):
    levels: list[str]
    criteria: list[Criterion] = Field(min_length=2)

    @field_validator("levels")
    @classmethod
    def _the_four_levels(cls, levels: list[str]) -> list[str]:
        if list(levels) != list(LEVEL_NAMES):
            raise ValueError(f"levels must be {list(LEVEL_NAMES)}")
        return levels

    @property
    def points(self) -> float:
        return sum(c.levels[0].points for c in self.criteria)


class Anchor(_Model):
    level: str
    scores: list[float]
    text: str = Field(min_length=1)
    comment: str = Field(min_length=1)


class WrittenItem(_Model):
    """An argument graded by hand with an analytic rubric and an anchor answer per level."""

    kind: Literal["written"] = "written"
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    points: float = Field(gt=0)
    prompt: str = Field(min_length=1)
    rubric: Rubric
    anchors: list[Anchor]

    @model_validator(mode="after")
    def _consistent(self):
        if not math.isclose(self.rubric.points, self.points):
            raise ValueError(f"points {self.points:g} differ from the rubric's top levels, "
                             f"which add up to {self.rubric.points:g}")
        if [a.level for a in self.anchors] != list(self.rubric.levels):
            raise ValueError(f"anchors must be one per level, in order: {', '.join(self.rubric.levels)}")
        for anchor in self.anchors:
            if len(anchor.scores) != len(self.rubric.criteria):
                raise ValueError(f"the {anchor.level} anchor has {len(anchor.scores)} scores for "
                                 f"{len(self.rubric.criteria)} criteria")
            for score, criterion in zip(anchor.scores, self.rubric.criteria):
                if score not in [level.points for level in criterion.levels]:
                    raise ValueError(f"the {anchor.level} anchor's score {score:g} for '{criterion.name}' is not "
                                     "one of that criterion's level points")
        totals = [sum(a.scores) for a in self.anchors]
        if totals != sorted(totals, reverse=True):
            raise ValueError(f"anchor totals must fall from Excellent to Beginning, got {totals}")
        return self


Item = Union[AutoItem, WrittenItem]


class Spec(_Model):
    id: str = Field(pattern=r"^ps[0-9]+_[a-z0-9_]+$")
    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    lessons: list[str] = Field(min_length=1)
    python: str = Field(min_length=1, description="the Python this set assumes")
    intro: str = Field(min_length=1)
    setup: str = Field(min_length=1)
    items: list[Item] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique(self):
        ids = [item.id for item in self.items]
        answers = [item.answer for item in self.auto_items()]
        for label, values in (("item ids", ids), ("answer names", answers)):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"{label} must be unique; repeated: {', '.join(repeated)}")
        return self

    def auto_items(self) -> list[AutoItem]:
        return [item for item in self.items if isinstance(item, AutoItem)]

    def written_items(self) -> list[WrittenItem]:
        return [item for item in self.items if isinstance(item, WrittenItem)]

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def hand_graded_points(self) -> float:
        return sum(item.points for item in self.written_items())


# --------------------------------------------------------------------------- loading


def _kit_course() -> Path:
    root = paths.repository_root()
    if root is None:
        raise FileNotFoundError("the problem sets ship with the repository (course/problem_sets), not the wheel")
    return root / "course"


def _specs_dir(course: Path | str | None) -> Path:
    return (Path(course) if course is not None else _kit_course()) / SPECS_FOLDER


def list_specs(course: Path | str | None = None) -> list[str]:
    return sorted(p.stem for p in _specs_dir(course).glob("*.yml"))


def _display(path: Path) -> str:
    root = paths.repository_root()
    try:
        return str(path.resolve().relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def _parse(path: Path) -> tuple[Spec | None, list[Problem]]:
    from .quiz.banks import entry_id, node_at, read_yaml

    name = _display(path)
    content, root, problems = read_yaml(path)
    if problems:
        return None, problems
    try:
        spec = Spec.model_validate(content)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(k for k in error["loc"] if k not in ("AutoItem", "WrittenItem"))
            node = node_at(root, loc)
            item = entry_id(content, loc, "items")
            field = ".".join(str(k) for k in (loc[2:] if item else loc)) or None
            problems.append(Problem(name, node.start_mark.line + 1 if node is not None else None, field,
                                    error["msg"].removeprefix("Value error, "), item=item))
        # The union tries both item kinds: keep the messages of the kind the item says it is.
        return None, _dedupe(problems)
    if spec.id != path.stem:
        problems.append(Problem(name, 1, "id", f"id '{spec.id}' must match the file name '{path.stem}'"))
    return (None if problems else spec), problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.field, p.message) not in seen:
            seen.add((p.line, p.field, p.message))
            out.append(p)
    return out


def load_spec(assignment: str, course: Path | str | None = None) -> Spec:
    path = _specs_dir(course) / f"{assignment}.yml"
    if not path.is_file():
        raise SpecError([Problem(_display(path), None, None,
                                 f"no such problem set; available: {', '.join(list_specs(course)) or 'none'}")])
    spec, problems = _parse(path)
    if problems:
        raise SpecError(problems)
    return spec


# --------------------------------------------------------------------------- computing answers


def _namespace(setup: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__problem_set__"}
    exec(compile(setup, "<setup>", "exec"), namespace)   # the course's own code, not a student's
    return namespace


def _typed(value: Any, kind: str) -> Any:
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


@dataclass(frozen=True)
class Solved:
    """One item under one variant: its parameters and the answer computed from the data."""

    item: AutoItem
    index: int
    params: dict[str, Any]
    answer: Any


def solve(spec: Spec, item: AutoItem, index: int, namespace: dict[str, Any] | None = None) -> Solved:
    """The expected answer of ``item`` under variant ``index``, computed from the datasets, after
    checking that the model solution arrives at it too."""
    params = item.variants[index]
    base = namespace if namespace is not None else _namespace(spec.setup)
    where = f"{spec.id}, item '{item.id}', variant {index}"
    try:
        expected = _typed(eval(fill(item.expected, params), dict(base)), item.type)  # noqa: S307
    except Exception as exc:  # the message names the item and variant, whatever went wrong
        raise ValueError(f"{where}: the expected-answer expression failed: {exc!r}") from None
    scope = dict(base)
    try:
        exec(compile(fill(item.solution, params), f"<{item.id} solution>", "exec"), scope)
        got = _typed(scope[item.answer], item.type)
    except Exception as exc:
        raise ValueError(f"{where}: the model solution failed: {exc!r}") from None
    same = math.isclose(got, expected, abs_tol=item.tolerance) if item.type == "float" else got == expected
    if not same:
        raise ValueError(f"{where}: the model solution gives {got!r} but the data give {expected!r}")
    if item.choices and expected not in item.choices:
        raise ValueError(f"{where}: the answer {expected!r} is not among the choices {item.choices}")
    return Solved(item, index, params, expected)


def solve_all(spec: Spec) -> dict[str, list[Solved]]:
    """Every variant of every autograded item, computed; raises if two variants of an item share
    an answer (a student copying one variant's answer must not pass another)."""
    namespace = _namespace(spec.setup)
    out = {}
    for item in spec.auto_items():
        solved = [solve(spec, item, i, namespace) for i in range(len(item.variants))]
        answers = [s.answer for s in solved]
        for i, a in enumerate(answers):
            for j in range(i):
                b = answers[j]
                close = item.type == "float" and abs(a - b) <= 2 * item.tolerance
                if a == b or close:
                    raise ValueError(f"{spec.id}, item '{item.id}': variants {j} and {i} have the same answer "
                                     f"({a!r}), so one variant's answer would pass the other")
        out[item.id] = solved
    return out


# --------------------------------------------------------------------------- rendering


def _meta(grade_id: str, *, grade=False, solution=False, locked=True, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(kind: str, source: str, grade_id: str, **meta) -> nbformat.NotebookNode:
    maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = maker(source.strip("\n"), metadata=_meta(grade_id, **meta))
    cell.id = grade_id[:64]   # stable ids, so that rendering the same variant gives the same file
    return cell


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def rubric_markdown(item: WrittenItem) -> str:
    """The analytic rubric as a Markdown table: criteria down, levels across, each level described."""
    head = "| criterion | " + " | ".join(item.rubric.levels) + " |"
    rows = [head, "|---" * (len(item.rubric.levels) + 1) + "|"]
    for criterion in item.rubric.criteria:
        cells = [f"**{level.points:g}** · {level.descriptor}".replace("|", "/") for level in criterion.levels]
        rows.append(f"| **{criterion.name}** ({_points(criterion.levels[0].points)}) | " + " | ".join(cells) + " |")
    return f"**Rubric ({_points(item.points)}).** Your answer is scored on each criterion at the level " \
           "it reaches; the scores are added.\n\n" + "\n".join(rows)


def _test_source(solved: Solved) -> str:
    item = solved.item
    what = fill(item.what, solved.params)
    lines = ["import numbers", "from eastasia_security.grading import expect_close, expect_equal, expect_true, expect_type, "
             "record_answer", ""]
    answer = item.answer
    lines.append(f"expect_true({answer!r} in globals(), what={'set the variable ' + answer!r})")
    if item.type == "int":
        lines.append(f"expect_type({answer}, numbers.Integral, what={what!r}, hint='a whole number, e.g. len(rows)')")
    elif item.type == "float":
        lines.append(f"expect_type({answer}, numbers.Real, what={what!r}, hint='a number')")
    elif item.choices:
        lines.append(f"expect_true({answer} in {item.choices!r}, what={(what + ' must be one of ' + ', '.join(item.choices))!r})")
    else:
        lines.append(f"expect_type({answer}, str, what={what!r}, hint='a string in quotes')")
    lines.append("### BEGIN HIDDEN TESTS")
    lines.append(f"record_answer({answer!r}, {answer})")
    if item.type == "float":
        lines.append(f"expect_close({answer}, {solved.answer!r}, tolerance={item.tolerance!r}, what={what!r}, "
                     f"hint={item.hint!r})")
    else:
        lines.append(f"expect_equal({answer}, {solved.answer!r}, what={what!r}, hint={item.hint!r})")
    lines.append("### END HIDDEN TESTS")
    return "\n".join(lines)


HOW_TO_WORK = """**How to work.** Each autograded question asks for a value you find in the data: set the
variable it names (for example `q1 = ...`) in the cell below it, computing it from the tables above
or working it out and typing it, then run the test cell. A visible test checks only that your
answer has the right form; the grader checks its value. Do not edit the test cells (they are
restored before grading). Written answers are graded by your instructor with the rubric shown
beside each question: read it before you write."""


def render(spec: Spec, choice: dict[str, int] | None = None) -> nbformat.NotebookNode:
    """The nbgrader source notebook for one variant of each autograded item (0 when not chosen)."""
    choice = choice or {}
    namespace = _namespace(spec.setup)
    auto = sum(i.points for i in spec.auto_items())
    written = spec.hand_graded_points
    parts = ", ".join(f"{k}. {item.title} {item.points:g}" for k, item in enumerate(spec.items, start=1))
    intro = (f"# Problem set {spec.number} · {spec.title}\n\n"
             f"Lessons {', '.join(spec.lessons)}. Points: {parts} (total {spec.points:g}: "
             f"{auto:g} autograded from the data, {written:g} graded by hand with a rubric).\n\n"
             f"**The Python this set assumes.** {spec.python.strip()}\n\n{spec.intro.strip()}\n\n{HOW_TO_WORK}")
    cells = [_cell("markdown", intro, f"{spec.id.split('_')[0]}-intro"),
             _cell("code", spec.setup, f"{spec.id.split('_')[0]}-setup")]
    for number, item in enumerate(spec.items, start=1):
        heading = f"## {number}. {item.title} ({_points(item.points)})\n\n"
        if isinstance(item, AutoItem):
            index = choice.get(item.id, 0)
            solved = solve(spec, item, index, namespace)
            prompt = fill(item.prompt, solved.params).strip()
            kind = {"int": "a whole number", "float": "a number",
                    "str": ("one of " + ", ".join(f"`{c!r}`" for c in item.choices)) if item.choices
                    else "a string"}[item.type]
            prompt += f"\n\nSet `{item.answer}` to your answer ({kind})."
            cells.append(_cell("markdown", heading + prompt, f"{item.id}-question"))
            body = fill(item.solution, solved.params).strip("\n")
            cells.append(_cell("code", f"### BEGIN SOLUTION\n{body}\n### END SOLUTION", f"{item.id}-answer",
                               solution=True, locked=False))
            cells.append(_cell("code", _test_source(solved), f"{item.id}-tests", grade=True, points=item.points))
        else:
            cells.append(_cell("markdown", heading + item.prompt.strip(), f"{item.id}-question"))
            cells.append(_cell("markdown", rubric_markdown(item), f"{item.id}-rubric"))
            model = ("*(Model answer: the Excellent anchor. Every level's anchor, with its scores and why, is in "
                     f"the grader's guide `{RUBRICS_FOLDER}/{spec.id}.md`.)*\n\n" + item.anchors[0].text.strip())
            cells.append(_cell("markdown", model, item.id, grade=True, solution=True, locked=False, points=item.points))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                        "name": "python3"}, "language_info": {"name": "python"}}
    return notebook


def grader_guide(spec: Spec, choice: dict[str, int] | None = None) -> str:
    """Markdown for graders: each written item's rubric and anchors with their scores, and each
    autograded item's variant and answer in this course."""
    choice = choice or {}
    namespace = _namespace(spec.setup)
    out = [f"# Grader's guide · Problem set {spec.number}: {spec.title}", "",
           "Not for students. Calibrate before grading: score the anchors below blind, compare with the "
           "scores given, and discuss any criterion where graders differ by more than one level "
           "(course/INSTRUCTORS.md, *Grading by hand*).", ""]
    for number, item in enumerate(spec.items, start=1):
        out += [f"## {number}. {item.title} ({_points(item.points)})", ""]
        if isinstance(item, AutoItem):
            solved = solve(spec, item, choice.get(item.id, 0), namespace)
            params = ", ".join(f"{k} = {v}" for k, v in solved.params.items())
            out += [f"Autograded. Variant {solved.index} of {len(item.variants)} ({params}): "
                    f"`{item.answer}` = `{solved.answer!r}`.", ""]
            continue
        out += [item.prompt.strip(), "", rubric_markdown(item), ""]
        names = [c.name for c in item.rubric.criteria]
        for anchor in item.anchors:
            scores = "; ".join(f"{n} {s:g}" for n, s in zip(names, anchor.scores))
            out += [f"### Anchor: {anchor.level} ({sum(anchor.scores):g} of {item.points:g}: {scores})", "",
                    "> " + anchor.text.strip().replace("\n", "\n> "), "", f"*Why:* {anchor.comment.strip()}", ""]
    return "\n".join(out).rstrip() + "\n"


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so an interrupted write never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def _notebook_text(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def write_variant(course: Path | str, assignment: str, choice: dict[str, int]) -> dict[str, Any]:
    """Write ``source/<assignment>/<assignment>.ipynb`` and ``rubrics/<assignment>.md`` of ``course``
    for ``choice`` (item id -> variant); returns the record for ``variants.json``."""
    course = Path(course)
    spec = load_spec(assignment, course)
    notebook = render(spec, choice)
    _write_text(course / "source" / assignment / f"{assignment}.ipynb", _notebook_text(notebook))
    _write_text(course / RUBRICS_FOLDER / f"{assignment}.md", grader_guide(spec, choice))
    namespace = _namespace(spec.setup)
    record = {}
    for item in spec.auto_items():
        solved = solve(spec, item, choice.get(item.id, 0), namespace)
        record[item.id] = {"variant": solved.index, "of": len(item.variants), "params": solved.params,
                           "answer": solved.answer}
    return record


def build_public(course: Path | str | None = None, check: bool = False) -> list[str]:
    """Render every problem set's default variant into the kit's ``course/``; with ``check``,
    write nothing and return the files that are out of date."""
    course = Path(course) if course is not None else _kit_course()
    stale = []
    for assignment in list_specs(course):
        spec = load_spec(assignment, course)
        wanted = {course / "source" / assignment / f"{assignment}.ipynb": _notebook_text(render(spec)),
                  course / RUBRICS_FOLDER / f"{assignment}.md": grader_guide(spec)}
        for path, text in wanted.items():
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current != text:
                stale.append(str(path))
                if not check:
                    _write_text(path, text)
    return stale


# --------------------------------------------------------------------------- course secret and variants


def choose_variant(secret: str, assignment: str, item_id: str, count: int) -> int:
    """The variant (1 .. count-1, never the public default 0) that ``secret`` draws for an item."""
    digest = hmac.new(secret.encode(), f"{assignment}/{item_id}".encode(), hashlib.sha256).digest()
    return 1 + int.from_bytes(digest[:8], "big") % (count - 1)


def read_secret(course: Path | str) -> str:
    path = Path(course) / SECRET_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: this is not a private course folder. Create one with "
                                "`eastasia-security course init FOLDER` (the kit's public course/ has no secret "
                                "and holds only the default variants).")
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < 32:
        raise ValueError(f"{path}: the secret is too short ({len(secret)} characters; at least 32)")
    return secret


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def draw(course: Path | str, assignment: str, pick: dict[str, int] | None = None) -> dict[str, int]:
    """Each autograded item's variant in ``course``: drawn from its secret, or as picked."""
    spec = load_spec(assignment, course)
    secret = read_secret(course)
    pick = dict(pick or {})
    choice = {}
    for item in spec.auto_items():
        if item.id in pick:
            index = pick.pop(item.id)
            if not 0 <= index < len(item.variants):
                raise ValueError(f"{assignment}, item '{item.id}': variant {index} does not exist "
                                 f"(0 to {len(item.variants) - 1})")
            choice[item.id] = index
        else:
            choice[item.id] = choose_variant(secret, assignment, item.id, len(item.variants))
    if pick:
        raise ValueError(f"{assignment} has no autograded item {', '.join(sorted(pick))}; "
                         f"its items: {', '.join(i.id for i in spec.auto_items())}")
    return choice


def record_variants(course: Path | str, assignment: str, pick: dict[str, int] | None = None) -> dict[str, Any]:
    """Draw, write the source notebook and grader's guide, and record the choice in ``variants.json``."""
    course = Path(course)
    choice = draw(course, assignment, pick)
    record = write_variant(course, assignment, choice)
    ledger_path = course / VARIANTS_FILE
    ledger = json.loads(ledger_path.read_text(encoding="utf-8")) if ledger_path.is_file() else {}
    ledger["secret_fingerprint"] = _fingerprint(read_secret(course))
    ledger.setdefault("assignments", {})[assignment] = record
    _write_text(ledger_path, json.dumps(ledger, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return record


GITIGNORE = """# Never publish this folder: it holds the course secret, its variants' answers and students' work.
release/
submitted/
autograded/
feedback/
gradebook.db
*.tmp
"""


def init_course(folder: Path | str, source: Path | str | None = None) -> Path:
    """Create a private course folder from the kit's course: its problem sets, quiz banks and
    nbgrader configuration, a new secret, and every assignment rendered with the secret's variants."""
    folder = Path(folder)
    source = Path(source) if source is not None else _kit_course()
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} exists and is not empty; choose a new folder for a private course")
    staging = folder.with_name(folder.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    try:
        staging.mkdir(parents=True)
        for name in ("nbgrader_config.py", SPECS_FOLDER, "quizzes"):
            if (source / name).is_dir():
                shutil.copytree(source / name, staging / name)
            elif (source / name).is_file():
                shutil.copy2(source / name, staging / name)
        secret_path = staging / SECRET_FILE
        secret_path.touch(mode=0o600)
        secret_path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        (staging / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        for assignment in list_specs(staging):
            record_variants(staging, assignment)
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


# --------------------------------------------------------------------------- validation


def validate_specs(course: Path | str | None = None) -> Report:
    """Check every specification: its schema, every variant computed from the data and reached by
    the model solution, variants with distinct answers, and the share of hand-graded points."""
    folder = _specs_dir(course)
    report = Report(f"Problem sets in {_display(folder)}")
    if not folder.is_dir():
        report.problems.append(Problem(_display(folder), None, None, "no such folder: the problem sets are missing"))
        return report
    totals = [0.0, 0.0]
    for path in sorted(folder.glob("*.yml")):
        spec, problems = _parse(path)
        report.problems.extend(replace(p, group=path.stem) for p in problems)
        if spec is None:
            report.items[path.stem] = "unreadable"
            continue
        try:
            solved = solve_all(spec)
        except ValueError as exc:
            report.problems.append(Problem(_display(path), None, None, str(exc), group=path.stem))
            solved = {}
        variants = min((len(v) for v in solved.values()), default=0)
        totals[0] += spec.points
        totals[1] += spec.hand_graded_points
        report.items[path.stem] = (f"{spec.points:4g} points, {spec.hand_graded_points:g} by hand, "
                                   f"{len(spec.auto_items())} autograded items x >= {variants} variants")
    if totals[0] and totals[1] < MIN_HAND_GRADED * totals[0]:
        report.problems.append(Problem(_display(folder), None, "points",
                                       f"only {totals[1]:g} of {totals[0]:g} points ({totals[1] / totals[0]:.0%}) are "
                                       f"graded by hand with a rubric; at least {MIN_HAND_GRADED:.0%} must be"))
    if not report.items:
        report.problems.append(Problem(_display(folder), None, None, "holds no problem set (*.yml)"))
    return report


# --------------------------------------------------------------------------- calibrating graders

CALIBRATION_FOLDER = "calibration"
CALIBRATION_PREFIX = "calib"


def _anchor_notebook(course: Path, spec: Spec, level: int) -> nbformat.NotebookNode:
    """The course's source notebook, answered by the model solutions and, in every written item,
    by the anchor of ``level`` (without the note that it is the model answer)."""
    notebook = nbformat.read(course / "source" / spec.id / f"{spec.id}.ipynb", as_version=4)
    anchors = {item.id: item.anchors[level].text.strip() for item in spec.written_items()}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in anchors:
            cell.source = anchors[grade_id]
    return notebook


def make_calibration(course: Path | str, assignment: str, graders: list[str]) -> dict[str, dict]:
    """Hand in every level's anchors as submissions for each grader to score blind in the formgrader.

    Each grader gets one pseudo-student per level, ``calib-<grader>-<n>``, with the levels in an order
    of their own, so the numbers say nothing; which level is which is kept in
    ``calibration/<assignment>.json`` for :func:`calibration_report`. Run ``nbgrader autograde``
    next, so the formgrader lists them.
    """
    import random

    course = Path(course)
    spec = load_spec(assignment, course)
    if not spec.written_items():
        raise ValueError(f"{assignment} has no written items to calibrate on")
    bad = [g for g in graders if not re.fullmatch(r"[a-z0-9][a-z0-9_]*", g)]
    if bad or not graders:
        raise ValueError(f"grader names must be lowercase letters, digits or '_': {', '.join(bad) or 'none given'}")
    shuffle = random.SystemRandom()
    key: dict[str, dict] = {}
    for grader in graders:
        levels = list(range(len(LEVEL_NAMES)))
        shuffle.shuffle(levels)
        for number, level in enumerate(levels, start=1):
            student = f"{CALIBRATION_PREFIX}-{grader}-{number}"
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            _write_text(folder / f"{assignment}.ipynb", _notebook_text(_anchor_notebook(course, spec, level)))
            key[student] = {"grader": grader, "level": LEVEL_NAMES[level],
                            "intended": {item.id: sum(item.anchors[level].scores) for item in spec.written_items()}}
    path = course / CALIBRATION_FOLDER / f"{assignment}.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    _write_text(path, json.dumps({**previous, **key}, indent=2, sort_keys=True) + "\n")
    return key


@dataclass(frozen=True)
class Calibrated:
    """One grader's score of one anchor."""

    grader: str
    student: str
    item: str
    level: str
    intended: float
    given: float | None
    #: The level whose anchor total the given score is nearest (on a tie, the anchor's own level).
    placed_at: str | None


def calibration_report(course: Path | str, assignment: str) -> list[Calibrated]:
    """Each grader's manual score of each anchor beside the anchor's own, and the level it places it at."""
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course)
    spec = load_spec(assignment, course)
    path = course / CALIBRATION_FOLDER / f"{assignment}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `eastasia-security course calibrate {assignment} "
                                "--grader NAME` first")
    key = json.loads(path.read_text(encoding="utf-8"))
    totals = {item.id: [(name, sum(a.scores)) for name, a in zip(LEVEL_NAMES, item.anchors)]
              for item in spec.written_items()}
    rows = []
    from .autograde import course_id

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id(course)) as gb:
        for student, entry in sorted(key.items()):
            for item_id, intended in entry["intended"].items():
                try:
                    grade = gb.find_grade(item_id, assignment, assignment, student)
                    given = grade.manual_score
                except MissingEntry:
                    given = None
                placed = None
                if given is not None:
                    placed = min(totals[item_id], key=lambda nt: (abs(nt[1] - given), nt[0] != entry["level"]))[0]
                rows.append(Calibrated(entry["grader"], student, item_id, entry["level"], intended, given, placed))
    return rows


def format_calibration(rows: list[Calibrated]) -> str:
    lines = [f"{'grader':<12} {'anchor':<11} {'item':<32} {'anchor score':>12} {'given':>6}  placed at"]
    for r in rows:
        given = "-" if r.given is None else f"{r.given:g}"
        placed = "not graded yet" if r.placed_at is None else (
            r.placed_at + ("" if r.placed_at == r.level else "   <- discuss"))
        lines.append(f"{r.grader:<12} {r.level:<11} {r.item:<32} {r.intended:>12g} {given:>6}  {placed}")
    graded = [r for r in rows if r.given is not None]
    agree = sum(r.placed_at == r.level for r in graded)
    lines.append(f"{agree} of {len(graded)} graded anchors placed at their own level"
                 + (f"; {len(rows) - len(graded)} not graded yet" if len(graded) < len(rows) else ""))
    return "\n".join(lines)
