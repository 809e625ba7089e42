"""A quiz in a real JupyterLab 4, answered in real Chromium."""

from __future__ import annotations


def test_quiz_answers_get_feedback_and_score_in_jupyterlab(jupyter_lab, browser_page, artifacts_dir):
    jupyter_lab.write_notebook("quiz.ipynb", [
        "from eastasia_security import quiz\n"
        "quiz.show('gsomia', questions=['gsomia-signed', 'gsomia-2019-lapse'])",
    ])
    page = browser_page.page
    jupyter_lab.open_and_run_all(page, "quiz.ipynb")
    quiz_box = page.locator(".kit-quiz")
    quiz_box.wait_for(state="visible", timeout=60_000)
    assert "Score: 0 of 2 correct" in page.locator(".kit-quiz-score").inner_text()
    # No answer, feedback or explanation in the page before an attempt.
    assert page.locator(".kit-quiz-feedback").count() == 0
    assert "Explanation" not in quiz_box.inner_text()

    first = page.locator(".kit-quiz-question").nth(0)
    # Wrong once: feedback on that option, but the explanation (which gives the answer away) waits.
    first.get_by_text("29 December 2014", exact=True).click()
    first.get_by_role("button", name="Check").click()
    feedback = first.locator(".kit-quiz-feedback")
    feedback.wait_for(state="visible")
    assert "Not quite." in feedback.inner_text()
    assert "Trilateral Information Sharing Arrangement" in feedback.inner_text()
    assert "Explanation." not in first.inner_text()

    # Wrong twice: now the explanation opens.
    first.get_by_role("button", name="Retry").click()
    first.get_by_text("29 June 2012", exact=True).click()
    first.get_by_role("button", name="Check").click()
    first.locator(".kit-quiz-feedback", has_text="called off at the last minute").wait_for()
    first.locator(".kit-quiz-explanation").wait_for(state="visible")
    assert "Explanation." in first.inner_text()

    first.get_by_role("button", name="Retry").click()
    first.get_by_text("23 November 2016", exact=True).click()
    first.get_by_role("button", name="Check").click()
    first.locator(".kit-quiz-feedback", has_text="Correct.").wait_for()
    page.locator(".kit-quiz-score", has_text="Score: 1 of 2 correct").wait_for()

    second = page.locator(".kit-quiz-question").nth(1)
    second.get_by_text("False", exact=True).click()
    second.get_by_role("button", name="Check").click()
    page.locator(".kit-quiz-score", has_text="Score: 2 of 2 correct (1 at the first attempt)").wait_for()
    assert "Correct." in second.locator(".kit-quiz-feedback").inner_text()

    page.screenshot(path=str(artifacts_dir / "quiz_in_jupyterlab.png"), full_page=True)
    widget_errors = [e for e in browser_page.console_errors if "widget" in e.lower() or "eastasia" in e.lower()]
    assert widget_errors == []
