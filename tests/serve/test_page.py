"""The try-it page in a real browser: headless Chromium (Debian's), driven by Playwright.

Skipped, saying why, where /usr/bin/chromium or the playwright package is missing; CI installs
both with .ci/install-browser. Playwright never downloads a browser here: it drives the system one.
"""

from __future__ import annotations

import pytest


@pytest.fixture()
def page(browser, live_fakes):
    page = browser.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_fakes + "/")
    page.wait_for_selector("#model option[value=spam]", state="attached")
    yield page
    page.close()


def run(page, model: str, text: str) -> None:
    page.select_option("#model", model)
    page.fill("#text", text)
    page.click("#run")


def test_classifier_shows_label_bars(page):
    assert "classify" in page.text_content("#model-info")
    run(page, "spam", "FREE prize, call now")
    top = page.wait_for_selector(".bar-row.top")
    assert top.get_attribute("data-label") == "spam"
    assert page.locator(".bar-row").count() == 2
    assert page.text_content(".bar-row.top .value") == "0.900"
    width = page.eval_on_selector(".bar-row.top .bar span", "e => e.style.width")
    assert width == "90%"


def test_tagger_highlights_entities_in_the_text(page):
    text = "we flew from Paris to <b>Rome</b>"
    run(page, "places", text)
    page.wait_for_selector("mark")
    marks = page.locator("mark")
    assert marks.count() == 2
    assert [m.get_attribute("data-type") for m in marks.all()] == ["LOC", "LOC"]
    assert page.eval_on_selector("mark", "e => e.firstChild.textContent") == "Paris"
    # the user's text is shown as text, never parsed as HTML
    assert page.locator(".entities b").count() == 0
    assert "<b>" in page.text_content(".entities")


def test_language_model_streams_generated_text(page):
    page.select_option("#model", "poet")
    assert page.is_visible("#generate-options")
    page.fill("#tokens", "4")
    run(page, "poet", "sing")
    page.wait_for_selector(".generated[data-done=true]")
    assert page.text_content(".generated .prompt") == "sing"
    assert page.text_content(".generated .continuation") == " la la la la"


def test_errors_are_shown(page):
    run(page, "spam", "   ")
    assert page.wait_for_selector("#error").text_content() == "type some text first"
    run(page, "spam", "x" * 201)
    page.wait_for_selector("#error:has-text('the limit is 200')")
    assert page.locator(".bar-row").count() == 0
