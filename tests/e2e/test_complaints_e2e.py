"""Complaints over the REST channel with the real Rasa server, action server and demo database,
and the staff dashboard and web chat on the same database: in each language a client complains
and gets a ticket and its deadlines; the complaint appears in the dashboard, where staff
acknowledge and resolve it; the client's next message in the web chat brings the answer (once);
the client is not satisfied, and the complaint is reopened and escalated."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.complaints import chat as complaint_chat
from bot.complaints import news, rules
from bot.complaints.rules import Category, Status
from bot.db.models import Complaint, StaffRole
from bot.db.session import make_engine, session_scope
from bot.i18n import day, gettext
from bot.web.dashboard.db import dispose, engine_of
from tests.web.conftest import STAFF_PASSWORD, add_staff, make_test_app

pytestmark = pytest.mark.e2e

TODAY = dt.date(2026, 11, 25)  # WAZI_TODAY of the stack
TICKET = re.compile(r"WZ-\d{4}-\d{6}")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TYPED = {
    "en": ("I want to complain", "hello"),
    "sw": ("nataka kulalamika", "habari"),
    "fr": ("je veux porter plainte", "bonjour"),
    "es": ("quiero poner una queja", "hola"),
    "hi": ("मुझे शिकायत करनी है", "नमस्ते"),
}
DESCRIPTION = "The officer charged me a fee of 500 twice at the market on Monday."
ANSWER = "We refunded the second fee."


def only(replies: list[dict]) -> dict:
    assert len(replies) == 1, replies
    return replies[0]


@pytest.fixture(scope="module")
def site(stack) -> Iterator[Flask]:
    """The web app (web chat and dashboard) on the stack's database, talking to its Rasa, with
    a staff user."""
    app = make_test_app(stack.rasa_url, DATABASE_URL=stack.database_url)
    add_staff(engine_of(app), "staff-e2e", StaffRole.STAFF)
    try:
        yield app
    finally:
        dispose(app)


def staff_client(site: Flask) -> FlaskClient:
    client = site.test_client()
    token = CSRF.search(client.get("/dashboard/login").get_data(as_text=True)).group(1)
    logged_in = client.post(
        "/dashboard/login",
        data={"username": "staff-e2e", "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert logged_in.status_code == 302
    return client


def staff_post(client: FlaskClient, url: str, **data: str) -> None:
    with client.session_transaction() as session:
        token = session["csrf_token"]
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 302, response.get_data(as_text=True)


def web_chat(site: Flask, sender: str, message: str) -> list[dict]:
    response = site.test_client().post("/api/chat", json={"sender": sender, "message": message})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["messages"]


@pytest.mark.parametrize("language", ["en", "sw", "fr", "es", "hi"])
def test_a_complaint_is_recorded_answered_reopened_and_escalated(
    stack, site: Flask, language: str
) -> None:
    complain, hello = TYPED[language]
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

    staff = staff_client(site)
    listed = staff.get(f"/dashboard/complaints?text={ticket}").get_data(as_text=True)
    assert re.findall(r'data-ticket="([^"]+)"', listed) == [ticket]
    detail = staff.get(f"/dashboard/complaints/{ticket}").get_data(as_text=True)
    assert DESCRIPTION in detail and "Anonymous to the branch" in detail
    staff_post(staff, f"/dashboard/complaints/{ticket}/status", status="acknowledged")
    staff_post(staff, f"/dashboard/complaints/{ticket}/status", status="resolved", answer=ANSWER)

    # The client's next message, whatever it is, brings the answer once.
    answered = web_chat(site, chat.sender, hello)
    news_message = answered[-1]
    assert news_message["text"].splitlines() == [
        gettext(language, news.RESOLVED_NEWS) % {"ticket": ticket},
        gettext(language, complaint_chat.ANSWER) % {"resolution": ANSWER},
        gettext(language, complaint_chat.ASK_SATISFIED),
    ]
    assert len(answered) >= 2  # Rasa's own answer to the message comes first
    again = web_chat(site, chat.sender, hello)
    assert all(ticket not in message.get("text", "") for message in again)

    not_satisfied = news_message["buttons"][1]
    assert not_satisfied["title"] == gettext(language, complaint_chat.NOT_SATISFIED)
    reopened = only(web_chat(site, chat.sender, not_satisfied["payload"]))
    assert reopened["text"] == gettext(language, complaint_chat.REOPENED) % {"ticket": ticket}

    shown = staff.get(f"/dashboard/complaints/{ticket}").get_data(as_text=True)
    assert 'id="status">Reopened<' in shown and "flag-escalated" in shown
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            made = session.scalars(select(Complaint).where(Complaint.ticket_no == ticket)).one()
            assert made.status is Status.REOPENED and made.satisfied is False
            assert made.escalation_reason == rules.REOPENED
            assert [(e.kind, e.actor_type) for e in made.events] == [
                ("received", "client"),
                ("status", "staff"),
                ("status", "staff"),
                ("status", "client"),
                ("escalated", "client"),
            ]
            assert made.events[2].delivered_at is not None
            assert complain in [turn["text"] for turn in made.events[0].details["transcript"]]
    finally:
        engine.dispose()
