"""The chat page in a real headless Chromium, served over HTTP, talking to a fake Rasa."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bot.i18n import gettext
from bot.web import chat_page
from bot.web.chat import UNREACHABLE

pytestmark = pytest.mark.browser

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def say(page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_conversation_with_text_and_buttons(page, live_chat, fake_rasa) -> None:
    page.goto(live_chat(fake_rasa.url))
    expect(page.locator("#today")).to_have_text("Demo date: 2026-11-25")

    say(page, "Hi Wazi")

    expect(page.locator(".msg-user")).to_have_text(["Hi Wazi"])
    expect(page.locator(".msg-bot")).to_have_text(["Hello"])
    expect(page.get_by_label("Your message")).to_have_value("")
    sender = fake_rasa.received[0]["sender"]
    assert UUID.fullmatch(sender)
    assert fake_rasa.received[0]["message"] == "Hi Wazi"

    page.get_by_role("button", name="Yes").click()

    # The title shows as the person's line, the payload goes to Rasa, newlines survive.
    expect(page.locator(".msg-user")).to_have_text(["Hi Wazi", "Yes"])
    hello, reply = page.locator(".msg-bot").nth(0), page.locator(".msg-bot").nth(1)
    expect(reply).to_have_text("Great, you said yes.\nAnything else?")
    assert reply.bounding_box()["height"] > 1.5 * hello.bounding_box()["height"]  # two lines
    assert fake_rasa.received[1] == {"sender": sender, "message": "/affirm"}
    expect(page.get_by_role("button", name="No")).to_be_disabled()


def test_sender_is_kept_across_reloads_and_renewed_by_new_conversation(
    page, live_chat, fake_rasa
) -> None:
    page.goto(live_chat(fake_rasa.url))
    say(page, "first")
    expect(page.locator(".msg-bot")).to_have_count(1)

    page.reload()
    say(page, "second")
    expect(page.locator(".msg-bot")).to_have_count(1)

    page.get_by_role("link", name="New conversation").click()
    expect(page.locator(".msg-user")).to_have_count(0)
    say(page, "third")
    expect(page.locator(".msg-bot")).to_have_count(1)

    first, second, third = (m["sender"] for m in fake_rasa.received)
    assert first == second
    assert third != first
    assert UUID.fullmatch(third)


def test_unreachable_assistant_shows_error_line(page, live_chat, closed_port_url) -> None:
    page.goto(live_chat(closed_port_url))

    say(page, "Hello?")

    expect(page.locator(".msg-error")).to_have_text(UNREACHABLE)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_a_swahili_browser_gets_the_page_and_its_errors_in_swahili(
    browser, live_chat, closed_port_url
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sw-KE")
    try:
        page = context.new_page()
        page.goto(live_chat(closed_port_url))
        expect(page.locator("html")).to_have_attribute("lang", "sw")
        expect(page.locator("#today")).to_have_text(
            gettext("sw", chat_page.DEMO_DATE) % {"date": "2026-11-25"}
        )
        box = page.get_by_label(gettext("sw", chat_page.YOUR_MESSAGE))
        expect(box).to_have_attribute("placeholder", gettext("sw", chat_page.TYPE_A_MESSAGE))
        box.fill("Habari?")
        page.get_by_role("button", name=gettext("sw", chat_page.SEND)).click()
        # the server's answer (Rasa unreachable), in the browser's language
        expect(page.locator(".msg-error")).to_have_text(gettext("sw", UNREACHABLE))
        assert gettext("sw", UNREACHABLE) != UNREACHABLE
        # the script's own words
        page.get_by_role("link", name=gettext("sw", chat_page.NEW_CONVERSATION)).click()
        expect(page.locator(".msg-note")).to_have_text(gettext("sw", chat_page.STARTED))
    finally:
        context.close()
