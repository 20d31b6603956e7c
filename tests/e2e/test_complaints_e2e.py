"""Complaints over the REST channel with the real Rasa server, action server and demo database:
in each language a client complains, gets a ticket and its deadlines, staff resolve it, the
client reads the answer, is not satisfied, and the complaint is reopened and escalated."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel import Locale
from sqlalchemy import select

from bot.complaints import chat as complaint_chat
from bot.complaints import rules, store
from bot.complaints.rules import Category, Status
from bot.db.models import Complaint
from bot.db.session import make_engine, session_scope
from bot.i18n import day, gettext

pytestmark = pytest.mark.e2e

TODAY = dt.date(2026, 11, 25)  # WAZI_TODAY of the stack
TICKET = re.compile(r"WZ-\d{4}-\d{6}")
TYPED = {
    "en": ("I want to complain", "what is the status of my complaint"),
    "sw": ("nataka kulalamika", "hali ya malalamiko yangu ikoje"),
    "fr": ("je veux porter plainte", "où en est ma plainte"),
    "es": ("quiero poner una queja", "cómo va mi queja"),
    "hi": ("मुझे शिकायत करनी है", "मेरी शिकायत का क्या हुआ"),
}
DESCRIPTION = "The officer charged me a fee of 500 twice at the market on Monday."


def only(replies: list[dict]) -> dict:
    assert len(replies) == 1, replies
    return replies[0]


@pytest.mark.parametrize("language", ["en", "sw", "fr", "es", "hi"])
def test_a_complaint_is_recorded_answered_reopened_and_escalated(stack, language: str) -> None:
    complain, status = TYPED[language]
    locale = Locale(language)
    chat = stack.chat(f"complaint-{language}")
    chat.say(f'/choose_language{{"language": "{language}"}}')

    asked = only(chat.say(complain))
    assert asked["text"].startswith(gettext(language, complaint_chat.ASK_CATEGORY))
    assert [b["payload"] for b in asked["buttons"]] == [c.value for c in Category]
    again = only(chat.say("my money"))  # not a category: asked again, shorter
    assert again["text"].startswith(gettext(language, complaint_chat.ASK_CATEGORY_AGAIN))
    assert len(again["buttons"]) == len(Category)
    described = only(chat.say("wrong_charge"))  # the first button
    assert described["text"] == gettext(language, complaint_chat.ASK_DESCRIPTION)
    assert only(chat.say("short"))["text"] == gettext(language, complaint_chat.TOO_SHORT)
    assert only(chat.say("?"))["text"] == gettext(language, complaint_chat.TOO_SHORT)
    anonymity = only(chat.say(DESCRIPTION))
    assert [b["payload"] for b in anonymity["buttons"]] == ["anonymous:no", "anonymous:yes"]
    receipt = only(chat.say("anonymous:yes"))["text"]
    (ticket,) = TICKET.findall(receipt)
    due = rules.deadlines(TODAY, rules.Policy())
    assert receipt == gettext(language, complaint_chat.RECEIVED) % {
        "ticket": ticket,
        "acknowledge": day(due.acknowledge_by, locale),
        "resolve": day(due.resolve_by, locale),
    }

    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            made = session.scalars(select(Complaint).where(Complaint.ticket_no == ticket)).one()
            assert (made.category, made.description, made.anonymous, made.locale) == (
                Category.WRONG_CHARGE,
                DESCRIPTION,
                True,
                language,
            )
            assert made.status is Status.RECEIVED and made.escalated_at is None
            staff = store.Actor("staff", "e2e")
            now = dt.datetime.now(dt.UTC)
            store.change_status(made, Status.ACKNOWLEDGED, staff, now)
            store.change_status(made, Status.RESOLVED, staff, now, "We refunded the second fee.")

        shown = only(chat.say(status))
        assert shown["text"].splitlines()[1:] == [
            gettext(language, complaint_chat.ANSWER)
            % {"resolution": "We refunded the second fee."},
            gettext(language, complaint_chat.ASK_SATISFIED),
        ]
        not_satisfied = shown["buttons"][1]
        assert not_satisfied["title"] == gettext(language, complaint_chat.NOT_SATISFIED)
        reopened = only(chat.say(not_satisfied["payload"]))
        assert reopened["text"] == gettext(language, complaint_chat.REOPENED) % {"ticket": ticket}

        with session_scope(engine) as session:
            made = session.scalars(select(Complaint).where(Complaint.ticket_no == ticket)).one()
            assert made.status is Status.REOPENED and made.satisfied is False
            assert made.escalation_reason == rules.REOPENED
            assert [e.kind for e in made.events] == [
                "received",
                "status",
                "status",
                "status",
                "escalated",
            ]
    finally:
        engine.dispose()
