"""Framings side by side: who is heard on each topic, in a fixed order, and clear errors."""

from __future__ import annotations

import pytest

from eastasia_security import data, framings


def test_every_topic_shows_its_statements_attributed_and_sourced():
    for topic in sorted(set(data.load("statements")["topic"])):
        rows = framings.table(topic)
        assert len(rows) == (data.load("statements")["topic"] == topic).sum()
        assert rows["publisher"].notna().all() and rows["url"].notna().all(), topic
        order = [list(framings.VOICE_LABELS).index(v) for v in rows["voice"]]
        assert order == sorted(order), f"{topic}: voices out of display order"
        html = framings.show(topic)._repr_html_()
        assert f'data-voices="{rows["voice"].nunique()}"' in html


def test_the_text_view_carries_the_translation_and_source():
    text = str(framings.show("history_disputes", voices=["japan_government"]))
    assert "Japan's government" in text and "Source:" in text
    assert (framings.table("history_disputes", ["japan_government"])["language"] != "en").any()
    assert "English:" in text


@pytest.mark.parametrize("call,words", [
    (lambda: framings.table("no_such_topic"), "topics in the data: engagement"),
    (lambda: framings.table("gsomia", voices=["editorial_board"]), "unknown voice value(s) ['editorial_board']"),
    (lambda: framings.press(["FRA"]), "unknown country value(s) ['FRA']"),
])
def test_a_wrong_topic_voice_or_country_says_what_exists(call, words):
    with pytest.raises(ValueError) as error:
        call()
    assert words in str(error.value)


def test_the_press_view_leaves_the_kits_own_reading_out():
    html = framings.press()._repr_html_()
    press = data.load("press_framings")
    assert int(html.split('data-countries="')[1].split('"')[0]) >= 5
    assert not any(frame in html for frame in press["frame"]), "students write their own reading of each piece"
