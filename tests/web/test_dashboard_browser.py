"""The trainers' dashboard in a real headless Chromium at phone width, served over HTTP on a
migrated SQLite database: log in, write a lesson in English and Kiswahili, preview, publish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from bot.db.models import StaffRole
from bot.lessons import store
from bot.web.dashboard.db import engine_of
from tests.web.conftest import STAFF_PASSWORD, add_staff

pytestmark = pytest.mark.browser

SLUG = "saving-at-the-market"
ENGLISH = {
    "title": "Saving a little each market day",
    "messages": [
        "Saving a little often is easier than saving a lot at once.",
        "Example: put aside {money:200} each market day. In 50 market days you have {money:10000}.",
        "Keep your savings where you cannot spend them by accident.",
    ],
    "question": "You save {money:200} on each of 50 market days. How much do you have?",
    "choices": ["{money:1000}", "{money:10000}"],
    "explanation": "50 times {money:200} is {money:10000}.",
}
KISWAHILI = {
    "title": "Kuweka akiba kidogo kila siku ya soko",
    "messages": [
        "Kuweka akiba kidogo mara nyingi ni rahisi kuliko kuweka nyingi mara moja.",
        "Mfano: weka {money:200} kila siku ya soko. Baada ya siku 50 za soko una {money:10000}.",
        "Weka akiba yako mahali ambapo huwezi kuitumia kwa bahati mbaya.",
    ],
    "question": "Unaweka {money:200} kila siku kwa siku 50 za soko. Una kiasi gani?",
    "choices": ["{money:1000}", "{money:10000}"],
    "explanation": "Mara 50 ya {money:200} ni {money:10000}.",
}


def fill_language(page: Page, language: str, text: dict) -> None:
    """Type one language column, finding every box by its label."""
    page.get_by_label(f"{language} title", exact=True).fill(text["title"])
    for n, message in enumerate(text["messages"], start=1):
        page.get_by_label(f"{language} message {n}", exact=True).fill(message)
    page.get_by_label(f"{language} question 1", exact=True).fill(text["question"])
    for k, choice in enumerate(text["choices"], start=1):
        page.get_by_label(f"{language} question 1 choice {k}", exact=True).fill(choice)
    page.get_by_label(f"{language} question 1 explanation", exact=True).fill(text["explanation"])


def status_cell(page: Page, language: str):
    return page.locator(f"#lesson-{SLUG} tr[data-language='{language}'] .status")


def test_trainer_writes_previews_and_publishes_a_lesson(page: Page, live_dashboard) -> None:
    base, app = live_dashboard
    engine = engine_of(app)
    add_staff(engine, "wanjiru", StaffRole.TRAINER)

    page.goto(f"{base}/dashboard/lessons")
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    page.get_by_label("Username").fill("wanjiru")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Lessons")).to_be_visible()

    # A new lesson, in English.
    page.get_by_role("link", name="Add a lesson").click()
    page.get_by_label("Short name").fill(SLUG)
    page.get_by_label("Position in the list").fill("12")
    page.get_by_label("Topic").select_option("saving")
    fill_language(page, "English", ENGLISH)
    expect(page.get_by_label("Question 1 choice 2 id")).to_have_value("b")
    page.get_by_label("Question 1 right answer").fill("b")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("status")).to_contain_text("Lesson added as an English draft")

    # Its Kiswahili version, side by side with the English.
    page.get_by_label("Kiswahili", exact=True).check()
    page.get_by_role("button", name="Show languages").click()
    expect(page.get_by_label("English title", exact=True)).to_have_value(ENGLISH["title"])
    expect(page.locator("#column-sw")).to_contain_text("Right answer: b")
    fill_language(page, "Kiswahili", KISWAHILI)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Saved: Kiswahili.")

    # The preview: chat bubbles with the money written out.
    page.get_by_role("link", name="Preview Kiswahili").click()
    expect(page.locator(".bubble-title")).to_have_text(KISWAHILI["title"])
    expect(page.locator(".bubble").nth(2)).to_have_text(
        re.compile(r"weka Ksh\s200\.00 kila siku ya soko.*una Ksh\s10,000\.00\.")
    )
    expect(page.locator(".choice-button")).to_have_text(
        [re.compile(r"Ksh\s1,000\.00"), re.compile(r"Ksh\s10,000\.00")]
    )
    page.get_by_label("Currency").select_option("UGX")
    page.get_by_role("button", name="Show in this currency").click()
    expect(page.locator(".bubble-explanation")).to_have_text(
        re.compile(r"Mara 50 ya USh\s6,000 ni USh\s300,000\.")
    )

    # Publish both languages.
    page.get_by_role("link", name="Back to editing").click()
    page.get_by_role("button", name="Publish English").click()
    expect(page.get_by_role("status")).to_contain_text("English published")
    page.get_by_role("button", name="Publish Kiswahili").click()
    expect(page.get_by_role("status")).to_contain_text("Kiswahili published")
    expect(page.get_by_role("button", name="Withdraw Kiswahili")).to_be_visible()

    page.get_by_role("link", name="Lessons", exact=True).click()
    expect(status_cell(page, "en")).to_have_text("published")
    expect(status_cell(page, "sw")).to_have_text("published")
    expect(status_cell(page, "fr")).to_have_text("missing")
    # Usable at phone width: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with Session(engine) as session:
        shown = {
            lesson.slug: (lesson.language, lesson.title, fell_back)
            for lesson, fell_back in store.published_lessons(session, "sw")
        }
    assert shown[SLUG] == ("sw", KISWAHILI["title"], False)


def test_wrong_password_in_the_browser(page: Page, live_dashboard) -> None:
    base, app = live_dashboard
    add_staff(engine_of(app), "wanjiru")

    page.goto(f"{base}/dashboard/login")
    page.get_by_label("Username").fill("wanjiru")
    page.get_by_label("Password").fill("nope")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value("wanjiru")
