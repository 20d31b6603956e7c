"""A trainer's new lesson reaches a client: the dashboard and the web chat in a real headless
Chromium, served by one app on the real stack's database and Rasa server. The trainer logs in,
writes a lesson in English and Kiswahili, previews it, publishes both; a client then opens the
web chat, picks Kiswahili and takes the lesson and its quiz."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bot.db.models import StaffRole
from bot.db.session import make_engine
from bot.i18n import gettext
from bot.lessons import tutor
from bot.web.dashboard.db import dispose
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, STAFF_PASSWORD, add_staff, make_test_app
from tests.web.conftest import serve as serve_app
from tests.web.test_dashboard_browser import ENGLISH, KISWAHILI, fill_language

pytestmark = pytest.mark.e2e

SLUG = "saving-at-the-market"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def site(stack) -> Iterator[str]:
    """The web app (chat and dashboard) on the stack's database, talking to its Rasa."""
    app = make_test_app(stack.rasa_url, DATABASE_URL=stack.database_url)
    try:
        with serve_app(app) as url:
            yield url
    finally:
        dispose(app)


def new_page(browser: Any) -> Page:
    return browser.new_context(viewport={"width": 390, "height": 844}).new_page()


def write_and_publish(page: Page, base: str) -> None:
    page.goto(f"{base}/dashboard/login")
    page.get_by_label("Username").fill("trainer-e2e")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Lessons")).to_be_visible()
    page.get_by_role("link", name="Add a lesson").click()
    page.get_by_label("Short name").fill(SLUG)
    page.get_by_label("Position in the list").fill("13")  # after the twelve shipped lessons
    page.get_by_label("Topic").select_option("saving")
    fill_language(page, "English", ENGLISH)
    page.get_by_label("Question 1 right answer").fill("b")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("status")).to_contain_text("Lesson added as an English draft")
    page.get_by_label("Kiswahili", exact=True).check()
    page.get_by_role("button", name="Show languages").click()
    fill_language(page, "Kiswahili", KISWAHILI)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Saved: Kiswahili.")
    page.get_by_role("link", name="Preview Kiswahili").click()
    expect(page.locator(".bubble-title")).to_have_text(KISWAHILI["title"])
    page.get_by_role("link", name="Back to editing").click()
    page.get_by_role("button", name="Publish English").click()
    expect(page.get_by_role("status")).to_contain_text("English published")
    page.get_by_role("button", name="Publish Kiswahili").click()
    expect(page.get_by_role("status")).to_contain_text("Kiswahili published")


def say(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def tap(page: Page, title: str) -> None:
    page.get_by_role("button", name=title, exact=True).last.click()


def last_bot(page: Page):
    return page.locator(".msg-bot").last


def test_a_lesson_written_in_the_dashboard_is_taken_in_the_web_chat(stack, site, browser) -> None:
    engine = make_engine(stack.database_url)
    try:
        add_staff(engine, "trainer-e2e", StaffRole.TRAINER)
    finally:
        engine.dispose()
    trainer = new_page(browser)
    write_and_publish(trainer, site)
    trainer.context.close()

    sw = lambda message: gettext("sw", message)  # noqa: E731
    client = new_page(browser)
    client.goto(f"{site}/")
    say(client, "habari")
    tap(client, "Kiswahili")
    expect(last_bot(client)).to_contain_text("Kiswahili")
    say(client, "nionyeshe masomo")
    expect(last_bot(client)).to_have_text(sw(tutor.MENU))
    tap(client, sw(tutor.MORE))  # the lesson is the 13th: on the second page
    tap(client, KISWAHILI["title"])
    expect(last_bot(client)).to_contain_text(f"{KISWAHILI['title']} (1/3)")
    tap(client, sw(tutor.NEXT))
    expect(last_bot(client)).to_contain_text(
        re.compile(r"weka Ksh\s200\.00 kila siku ya soko")  # the client's currency: KES
    )
    tap(client, sw(tutor.NEXT))
    expect(last_bot(client)).to_contain_text(f"{KISWAHILI['title']} (3/3)")
    tap(client, sw(tutor.NEXT))
    expect(last_bot(client)).to_contain_text("Unaweka Ksh")
    client.get_by_role("button", name=re.compile(r"Ksh\s10,000\.00")).last.click()
    finished = sw(tutor.FINISHED) % {"title": KISWAHILI["title"], "score": 1, "count": 1}
    expect(last_bot(client)).to_have_text(finished)
    expect(client.locator(".msg-bot").nth(-2)).to_contain_text("Mara 50 ya Ksh")
    client.context.close()
