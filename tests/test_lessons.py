"""What an instructor checks before adopting a lesson (course/AUTHORING.md): readings at their
publishers, framings from attributed statements, exercises that ask for argument, no answer
before its task, declared figures, glossary links, and instructor notes for every lesson."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pandas as pd
import pytest

from eastasia_security import data, factcheck, framings, geo, launches, validation
from kit_testing import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if not p.name.startswith("00_")]   # 00 is the orientation
IDS = [p.name[:2] for p in LESSONS]
NOTES = REPO / "course" / "instructor_notes"
GLOSSARY = REPO / "course" / "glossary.md"
MIN_VOICES = 5
TASK_KINDS = ("lookup", "analysis", "argument")
#: Hosts of scholarship links that are not rows of `sources` (a checked DOI).
SCHOLARSHIP_HOSTS = ("doi.org",)


def _nb(path: Path):
    return nbformat.read(path, as_version=4)


def _kit(cell) -> dict:
    return cell.get("metadata", {}).get("kit", {})


def _section(text: str, heading: str) -> str:
    """The Markdown under `## heading` up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    return match.group(1) if match else ""


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _links(text: str) -> list[str]:
    return re.findall(r"\]\((https?://[^)\s]+)\)", text)


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return data.load("sources")


def test_there_are_at_least_twelve_lessons_after_the_orientation():
    assert len(LESSONS) >= 12
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))]


# --------------------------------------------------------------------------- readings and links

@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_readings_are_two_to_four_primary_documents_at_their_publishers(path, sources):
    readings = _section(_markdown(_nb(path)), "Readings")
    assert readings, f"{path.name}: no '## Readings' section"
    kind = dict(zip(sources["url"], sources["kind"]))
    primary = [u for u in _links(readings) if kind.get(u) == "primary"]
    assert 2 <= len(primary) <= 4, f"{path.name}: {len(primary)} primary readings: {primary}"
    for item in re.findall(r"^- .*$", readings, flags=re.M):
        if any(u in item for u in primary):
            assert "*Look for:*" in item, f"{path.name}: say what to look for in: {item[:80]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:2] for p in NOTEBOOKS])
def test_every_web_link_is_a_cited_source_or_a_doi(path, sources):
    known = set(sources["url"])
    text = _markdown(_nb(path))
    for url in _links(text):
        host = urlparse(url).hostname or ""
        if host.endswith(SCHOLARSHIP_HOSTS):
            continue
        assert url in known, f"{path.name} links {url}, which is not a row of sources.csv"
        assert not any(host == w or host.endswith("." + w) for w in validation.WEAK_HOSTS), url


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:2] for p in NOTEBOOKS])
def test_references_are_written_out_not_code_names(path):
    text = _markdown(_nb(path))
    assert "data.cite(" not in text, f"{path.name}: references are typed as data.cite calls"
    if path in LESSONS:
        references = _section(text, "Sources and further reading")
        assert len(_links(references)) >= 2, f"{path.name}: write the references out with links"


# --------------------------------------------------------------------------- framings

def _framing_calls(nb) -> list[tuple[int, str]]:
    return [(i, topic) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for topic in re.findall(r"framings\.show\(\s*[\"'](\w+)[\"']", c.source)]


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_every_framing_section_draws_on_statements_from_five_voices(path):
    nb = _nb(path)
    headings = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                and re.search(r"^##+ .*Framings", c.source, flags=re.M)]
    calls = _framing_calls(nb)
    for h in headings:
        following = [topic for i, topic in calls if i > h and not any(h < j < i for j in headings)]
        assert following, f"{path.name}: the framing section of cell {h} shows no statements"
    for _, topic in calls:
        heard = framings.voices(topic)
        assert len(heard) >= MIN_VOICES, f"{path.name}: {topic} has {len(heard)} voices: {heard}"


def test_every_contested_topic_is_framed_in_some_lesson():
    shown = {topic for p in LESSONS for _, topic in _framing_calls(_nb(p))}
    topics = set(data.load("statements")["topic"])
    assert topics <= shown, f"no lesson frames: {sorted(topics - shown)}"


# --------------------------------------------------------------------------- exercises

def _tasks(nb) -> list[tuple[int, dict, str]]:
    return [(i, _kit(c), c.source) for i, c in enumerate(nb.cells) if "task" in _kit(c)]


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_three_exercises_of_which_two_ask_for_analysis_or_argument(path):
    nb = _nb(path)
    tasks = _tasks(nb)
    ids = [kit["task"] for _, kit, _ in tasks]
    assert len(ids) >= 3, f"{path.name}: {len(ids)} exercises"
    assert len(set(ids)) == len(ids), f"{path.name}: repeated exercise ids {ids}"
    for _, kit, source in tasks:
        assert re.fullmatch(rf"{path.name[:2]}\.\d+", kit["task"]), kit
        assert kit.get("kind") in TASK_KINDS, f"{path.name}: exercise {kit['task']} kind {kit.get('kind')!r}"
        assert source.startswith(f"**Exercise {kit['task']} · {kit['kind']}.**"), \
            f"{path.name}: exercise {kit['task']} must start with its label"
    reasoning = [k for _, k, _ in tasks if k["kind"] in ("analysis", "argument")]
    assert len(reasoning) >= 2, f"{path.name}: only {len(reasoning)} exercises ask for analysis or argument"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_two_discussion_prompts(path):
    prompts = re.findall(r"^\s*(?:-|\d+\.) \S", _section(_markdown(_nb(path)), "Discussion"), flags=re.M)
    assert len(prompts) >= 2, f"{path.name}: {len(prompts)} discussion prompts"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_has_misconceptions_key_points_and_a_glossary_link(path):
    text = _markdown(_nb(path))
    assert _section(text, "Misconceptions to watch for").strip(), f"{path.name}: no misconceptions"
    assert _section(text, "Key points").strip(), f"{path.name}: no key points"
    anchors = _glossary_anchors()
    linked = re.findall(r"\]\(\.\./course/glossary\.md#([\w-]+)\)", text)
    assert linked, f"{path.name}: links no glossary term"
    missing = sorted(set(linked) - anchors)
    assert not missing, f"{path.name}: glossary anchors that do not exist: {missing}"


# --------------------------------------------------------------------------- no answer before its task

#: Code that shows the kit's verdict on a claim or how it classifies a claim.
REVEALS = re.compile(r"factcheck\.evidence\(|[\"']verdict[\"']|[\"']kind[\"'].*editorial_claims|"
                     r"claims\[.*[\"']kind[\"']|factcheck\.thread\(")


def _answer_order_problems(nb) -> list[str]:
    seen: set[str] = set()
    problems = []
    for i, cell in enumerate(nb.cells):
        kit = _kit(cell)
        answers = kit.get("answers")
        if answers is not None and answers not in seen:
            problems.append(f"cell {i} answers {answers!r} before that task")
        revealing = (cell.cell_type == "code" and REVEALS.search(cell.source)) or any(
            "Verdict" in str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
            + str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", []))
        if revealing and answers is None:
            problems.append(f"cell {i} shows a verdict or classification but answers no earlier task")
        if "task" in kit:
            seen.add(kit["task"])
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:2] for p in NOTEBOOKS])
def test_no_verdict_or_classification_before_the_task_that_asks_for_it(path, executed):
    problems = _answer_order_problems(executed[path.name])
    assert not problems, f"{path.name}: " + "; ".join(problems)


def test_the_answer_order_check_catches_a_verdict_moved_above_its_task():
    nb = nbformat.v4.new_notebook()
    task = nbformat.v4.new_markdown_cell("**Exercise 01.1 · analysis.** Classify P4-a.",
                                         metadata={"kit": {"task": "01.1", "kind": "analysis"}})
    answer = nbformat.v4.new_code_cell('factcheck.evidence("P4-a")', metadata={"kit": {"answers": "01.1"}})
    nb.cells = [task, answer]
    assert _answer_order_problems(nb) == []
    nb.cells = [answer, task]
    assert _answer_order_problems(nb) == ["cell 0 answers '01.1' before that task"]
    untagged = nbformat.v4.new_code_cell('claims[["claim_id", "verdict"]]')
    nb.cells = [untagged, task]
    assert "answers no earlier task" in _answer_order_problems(nb)[0]


# --------------------------------------------------------------------------- figures in the prose

FIGURE_WORDS = (r"km|kilomet(?:re|er)s?|launch(?:es| events?)?|missiles?|tests?|resolutions?|days|"
                r"rounds|salvoes|per ?cent|%|kt|kilotons?|troops|soldiers|voices|statements|sorties")
# A number (not a year) followed by what it counts or measures.
FIGURE = re.compile(rf"\b(?!(?:19|20)\d\d\b)\d(?:[\d,.]*\d)?\s?(?:{FIGURE_WORDS})(?!\w)")


def _prose(nb) -> str:
    text = _markdown(nb)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\"[^\"\n]*\"|“[^”\n]*”", "", text)        # quotations are the speaker's numbers
    text = re.sub(r"\]\([^)]*\)", "]", text)                   # link targets
    return text


def _figures(path: Path) -> list[dict]:
    return _nb(path).metadata.get("kit", {}).get("figures", [])


DECLARED = [(p.name, f) for p in NOTEBOOKS for f in _figures(p)]


@pytest.mark.parametrize("lesson,figure", DECLARED, ids=[f"{n[:2]}:{f['text'][:30]}" for n, f in DECLARED])
def test_declared_figures_match_the_data(lesson, figure):
    nb = _nb(REPO / "notebooks" / lesson)
    everything = _markdown(nb) + "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert figure["text"] in everything, f"{lesson} no longer says {figure['text']!r}: update its metadata"
    if "expr" not in figure:
        # A figure the datasets do not hold (a definition, a treaty's width of the DMZ) names its source.
        assert figure.get("source_id") in set(data.load("sources")["source_id"]), figure
        return
    scope = {"data": data, "geo": geo, "launches": launches, "factcheck": factcheck, "pd": pd}
    computed = eval(figure["expr"], scope)   # noqa: S307 - the lesson's own declared expression
    if isinstance(computed, float) and isinstance(figure["value"], (int, float)):
        assert abs(computed - figure["value"]) < 1e-9, (figure["text"], computed)
    else:
        assert computed == figure["value"], (figure["text"], computed)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:2] for p in NOTEBOOKS])
def test_every_figure_in_the_prose_is_declared_with_how_the_data_give_it(path):
    prose = _prose(_nb(path))
    declared = [f["text"] for f in _figures(path)]
    loose = sorted({m for m in FIGURE.findall(prose) if not any(m in text for text in declared)})
    assert not loose, (f"{path.name} states figures the data are not asked for: {loose}; "
                       "declare each in the notebook's kit.figures metadata (course/AUTHORING.md)")


# --------------------------------------------------------------------------- instructor notes, glossary

def _glossary_anchors() -> set[str]:
    headings = re.findall(r"^###? (.+)$", GLOSSARY.read_text(encoding="utf-8"), flags=re.M)
    return {_slug(h) for h in headings}


def _slug(heading: str) -> str:
    # The anchors JupyterLab and MyST (myst_heading_anchors) give a heading.
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return re.sub(r"\s", "-", text)


def test_glossary_has_sixty_terms_and_the_terminology_notes():
    text = GLOSSARY.read_text(encoding="utf-8")
    terms = re.findall(r"^### (.+)$", text, flags=re.M)
    assert len(terms) >= 60, f"{len(terms)} glossary terms"
    for term in ("comfort women", "forced labour", "sea of japan (east sea)"):
        assert any(term in t.lower() for t in terms), f"the glossary lacks a note on {term!r}"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_instructor_notes_for_the_lesson_with_a_model_answer_per_exercise(path):
    notes = NOTES / f"{path.stem}.md"
    assert notes.is_file(), f"no instructor notes {notes.relative_to(REPO)}"
    text = notes.read_text(encoding="utf-8")
    for heading in ("Timing plan", "Running the discussion", "Sensitive topics", "Model answers", "Adapting"):
        assert _section(text, heading).strip(), f"{notes.name}: no '## {heading}'"
    answered = set(re.findall(r"^### Exercise (\d\d\.\d+)", text, flags=re.M))
    asked = {kit["task"] for _, kit, _ in _tasks(_nb(path))}
    assert asked <= answered, f"{notes.name}: no model answer for {sorted(asked - answered)}"


def test_syllabus_has_prerequisites_a_primer_a_weekly_plan_and_an_assessment_map():
    text = (REPO / "course" / "syllabus.md").read_text(encoding="utf-8")
    for heading in ("Prerequisites", "Python primer", "Weekly plan", "Assessment map"):
        assert re.search(rf"^## {heading}", text, flags=re.M), f"syllabus lacks '## {heading}'"
    weeks = re.findall(r"^### Week (\d+)", text, flags=re.M)
    assert 6 <= len(weeks) <= 8, f"{len(weeks)} weeks"
    lessons = {p.name[:2] for p in LESSONS}
    named = set(re.findall(r"\b(?:lesson|Lesson) (\d\d)\b", text))
    assert lessons <= named, f"the weekly plan leaves out lessons {sorted(lessons - named)}"
