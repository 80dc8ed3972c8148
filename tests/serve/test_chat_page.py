"""The chat view of the try-it page for an assistant, in a real browser (see test_page.py)."""

from __future__ import annotations

import shutil

import pytest

from tests.serve.conftest import running

ANSWERS = """\
fallback: Sorry, I can only help with cards.
answers:
  card_arrival: New cards arrive within 3 working days.
  change_pin: {answer: Change your PIN at a cash machine., title: Changing your PIN}
"""


@pytest.fixture()
def chat(browser, banking_intents, tmp_path):
    from axonlab.serve import Settings, create_app

    run = tmp_path / "bank"
    shutil.copytree(banking_intents.run_dir, run)
    (run / "answers.yaml").write_text(ANSWERS)
    with running(create_app(Settings(run_dirs=[run], backend="torch"))) as url:
        page = browser.new_page()
        page.set_default_timeout(20_000)
        page.goto(url + "/")
        page.wait_for_selector("#model option[value=bank]", state="attached")
        yield page
        page.close()


def test_assistant_chat_answers_and_offers_suggestions(chat):
    assert chat.is_visible("#chat") is False or chat.locator("#chat .message").count() == 0
    assert "assistant" in chat.text_content("#model-info")
    assert chat.text_content("#run") == "Ask"
    chat.fill("#text", "my new card still has not arrived")
    chat.click("#run")
    chat.wait_for_selector(".message.bot[data-source=intent]")
    assert chat.text_content(".message.user") == "my new card still has not arrived"
    assert chat.text_content(".message.bot .answer") == "New cards arrive within 3 working days."
    chat.fill("#text", "what is the capital of france?")
    chat.click("#run")
    fallback = chat.wait_for_selector(".message.bot[data-source=fallback]")
    assert "Sorry, I can only help with cards." in fallback.text_content()
    buttons = chat.locator(".message.fallback .suggestion")
    assert buttons.count() >= 1
    # a suggestion asks its title as the next question: the transcript grows
    buttons.first.click()
    chat.wait_for_function("document.querySelectorAll('.message.user').length === 3")
    assert chat.locator(".message.bot").count() >= 2
