"""News for the client (SQLite and PostgreSQL): what staff said, found, rendered in the
complaint's language and marked delivered, so the status action does not say it twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import actions.context
from actions.complaints import ActionComplaintStatus
from bot.complaints import chat, news, store
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.db.session import session_scope
from bot.i18n import gettext

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
STAFF = store.Actor("staff", "wanjiru")


def person(session: Session, user: str = "chat-1", channel: str = "rest") -> models.ChatIdentity:
    row = models.ChatIdentity(channel=channel, channel_user_id=user)
    session.add(row)
    session.flush()
    return row


def complain(
    session: Session, who: models.ChatIdentity, locale: str = "sw", at: dt.datetime = NOW
) -> models.Complaint:
    return store.receive(
        session,
        who,
        Category.WRONG_CHARGE,
        "They charged me twice at the market.",
        anonymous=False,
        loan=None,
        locale=locale,
        today=TODAY,
        now=at,
        policy=Policy(),
    )


def test_news_is_replies_and_answers_oldest_first_and_only_this_chats(session: Session) -> None:
    me, other = person(session, "me"), person(session, "other")
    mine = complain(session, me)
    theirs = complain(session, other)
    store.change_status(mine, Status.ACKNOWLEDGED, STAFF, NOW)  # not news
    store.escalate(mine, "a reason for staff", STAFF, NOW)  # not news
    reply = store.reply(mine, STAFF, "We are checking the market agent's records.", NOW)
    answer = store.change_status(mine, Status.RESOLVED, STAFF, NOW, "We refunded KES 200.")
    store.reply(theirs, STAFF, "Someone else's news.", NOW)
    session.flush()

    assert news.pending(session, me) == [reply, answer]
    assert [c.channel_user_id for c in news.chats_with_news(session, "rest")] == ["me", "other"]
    assert news.chats_with_news(session, "telegram") == []

    news.mark_delivered([reply], NOW)
    session.flush()
    assert news.pending(session, me) == [answer]
    news.mark_delivered([answer], NOW)
    session.flush()
    assert news.pending(session, me) == []
    assert [c.channel_user_id for c in news.chats_with_news(session, "rest")] == ["other"]


def test_a_reply_is_rendered_in_the_complaints_language(session: Session) -> None:
    complaint = complain(session, person(session), locale="fr")
    event = store.reply(complaint, STAFF, "Nous vérifions.", NOW)
    locale = news.locale_of(event)
    assert locale.language == "fr"
    text, buttons = news.message_for(event, locale)
    expected = gettext("fr", news.REPLY_NEWS) % {
        "ticket": complaint.ticket_no,
        "text": "Nous vérifions.",
    }
    assert (text, buttons) == (expected, [])
    assert text.startswith("Au sujet de votre réclamation WZ-2026-")


def test_an_answer_asks_whether_it_satisfies_until_the_client_says(session: Session) -> None:
    who = person(session)
    complaint = complain(session, who, locale="sw")
    event = store.change_status(complaint, Status.RESOLVED, STAFF, NOW, "Tumerudisha KES 200.")
    sw = Locale("sw")
    text, buttons = news.message_for(event, sw)
    ticket = complaint.ticket_no or ""
    assert text.splitlines() == [
        gettext("sw", news.RESOLVED_NEWS) % {"ticket": ticket},
        gettext("sw", chat.ANSWER) % {"resolution": "Tumerudisha KES 200."},
        gettext("sw", chat.ASK_SATISFIED),
    ]
    assert buttons == chat.satisfaction_buttons(ticket, sw)
    assert [b.payload for b in buttons] == [
        chat.feedback_payload(ticket, True),
        chat.feedback_payload(ticket, False),
    ]

    store.client_answer(complaint, True, who, NOW)  # closed: nothing left to ask
    text, buttons = news.message_for(event, sw)
    assert buttons == [] and len(text.splitlines()) == 2


def test_what_is_not_news_cannot_be_rendered(session: Session) -> None:
    complaint = complain(session, person(session))
    (received,) = complaint.events
    with pytest.raises(ValueError, match="not news"):
        news.message_for(received, Locale("en"))


# --- The status action shows the news and marks it delivered ----------------------------------


@pytest.fixture
def action_database(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    monkeypatch.setenv("WAZI_DATABASE_URL", migrated_url)
    monkeypatch.setenv("WAZI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WAZI_TODAY", TODAY.isoformat())
    monkeypatch.delenv("WAZI_CHANNEL_SECRET", raising=False)
    actions.context.settings.cache_clear()
    yield migrated_url
    actions.context.settings.cache_clear()


def _status(sender: str) -> list[dict]:
    tracker = Tracker(
        sender_id=sender,
        slots={"language": "en"},
        latest_message={"text": "status of my complaint", "intent": {"name": "x"}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionComplaintStatus().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_the_status_action_says_the_news_once(action_database: str, engine: Engine) -> None:
    with session_scope(engine) as session:
        complaint = complain(session, person(session, "web-chat-0001"), locale="en")
        store.reply(complaint, STAFF, "We are looking at the receipts.", NOW)
        store.change_status(complaint, Status.RESOLVED, STAFF, NOW, "We refunded KES 200.")
        ticket = complaint.ticket_no

    first = _status("web-chat-0001")
    texts = [m["text"] for m in first]
    assert len(texts) == 2
    assert "Our answer: We refunded KES 200." in texts[0]  # the status lines show the answer
    assert texts[1] == (
        f"About your complaint {ticket}, our team writes: We are looking at the receipts."
    )
    assert [b["title"] for b in first[0]["buttons"]] == ["Yes, satisfied", "No, not satisfied"]
    with session_scope(engine) as session:
        who = session.scalars(select(models.ChatIdentity)).one()
        assert news.pending(session, who) == []

    again = [m["text"] for m in _status("web-chat-0001")]
    assert again == texts[:1]  # the status again, the reply not twice
