"""Complaint news pushed by the Telegram and WhatsApp adapters, over real HTTP to the fake Bot
API and the fake Graph API, on a real database: sent once, marked delivered only once the
platform took it, tried again next round after a refusal, then less and less often."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from bot.channels.relay import Relay
from bot.channels.whatsapp import RelayThread, news_pusher
from bot.complaints import chat, news, store
from bot.complaints.news_pusher import MAX_WAIT, Outgoing
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.db.session import session_scope
from bot.i18n import gettext
from tests.channels.fake_graph import FakeGraph
from tests.channels.fake_telegram import FakeTelegram, fixture
from tests.channels.loopback import serve, wait_for
from tests.channels.test_telegram_adapter import TOKEN, USER, config_for, running
from tests.channels.test_whatsapp_adapter import CHANNEL_SECRET, WA, _client_wrote, make_sender

NOW = dt.datetime.now(dt.UTC)
STAFF = store.Actor("staff", "wanjiru")
NOWHERE = "http://127.0.0.1:9"  # Rasa: the news does not go through it


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def add_news(engine: Engine, channel: str, user: str, locale: str = "sw") -> str:
    """A complaint of ``user`` with a staff reply and then its answer; its ticket."""
    with session_scope(engine) as session:
        person = models.ChatIdentity(channel=channel, channel_user_id=user)
        session.add(person)
        session.flush()
        complaint = store.receive(
            session,
            person,
            Category.WRONG_CHARGE,
            "Nilitozwa ada mara mbili.",
            anonymous=False,
            loan=None,
            locale=locale,
            today=NOW.date(),
            now=NOW,
            policy=Policy(),
        )
        store.reply(complaint, STAFF, "Tunaangalia risiti.", NOW)
        store.change_status(complaint, Status.RESOLVED, STAFF, NOW, "Tumerudisha KES 200.")
        return complaint.ticket_no or ""


def waiting(engine: Engine, channel: str, user: str) -> int:
    with session_scope(engine) as session:
        person = session.scalars(
            select(models.ChatIdentity).where(
                models.ChatIdentity.channel == channel,
                models.ChatIdentity.channel_user_id == user,
            )
        ).one()
        return len(news.pending(session, person))


def reply_text(ticket: str) -> str:
    return gettext("sw", news.REPLY_NEWS) % {"ticket": ticket, "text": "Tunaangalia risiti."}


# --- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
def telegram() -> Iterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram(TOKEN)
    with serve(fake.app) as base:
        try:
            yield fake, base
        finally:
            fake.close()


def test_telegram_pushes_the_news_with_inline_buttons_after_a_refusal(
    telegram: tuple[FakeTelegram, str], engine: Engine
) -> None:
    fake, base = telegram
    ticket = add_news(engine, "telegram", str(USER))
    add_news(engine, "rest", "web-chat-0001")  # another channel's: not Telegram's to push
    flood = fixture("error_responses.json")["too_many_requests_429"]
    flood["parameters"]["retry_after"] = 1
    fake.fail_next("sendMessage", flood)  # the first piece is refused once

    with running(config_for(base, NOWHERE, news_every=0.2), engine):
        wait_for(lambda: waiting(engine, "telegram", str(USER)) == 0, timeout=10, what="news")

    texts = fake.sent_texts(USER)
    assert len(texts) == 2
    assert texts[0] == reply_text(ticket)
    assert texts[1].splitlines()[1] == gettext("sw", chat.ANSWER) % {
        "resolution": "Tumerudisha KES 200."
    }
    attempts = [c.ok for c in fake.calls_of("sendMessage") if c.params["text"] == texts[0]]
    assert attempts == [False, True]  # refused, then sent once
    keyboard = fake.calls_of("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    titles = [button["text"] for row in keyboard for button in row]
    assert titles == [gettext("sw", chat.SATISFIED), gettext("sw", chat.NOT_SATISFIED)]
    assert waiting(engine, "rest", "web-chat-0001") == 2


# --- WhatsApp ---------------------------------------------------------------------------------


def test_whatsapp_inside_the_window_sends_text_and_reply_buttons(engine: Engine) -> None:
    ticket = add_news(engine, "whatsapp", WA)
    _client_wrote(engine, WA, NOW - dt.timedelta(hours=1))
    graph = FakeGraph()
    with serve(graph.app) as base:
        pusher = news_pusher(engine, make_sender(base), "wazi_update")
        assert asyncio.run(pusher.push_once()) == 2
        assert asyncio.run(pusher.push_once()) == 0  # delivered: not sent again
    reply, answer = graph.to(WA)
    assert (reply.type, reply.text) == ("text", reply_text(ticket))
    assert answer.type == "interactive"
    assert [title for _, title in answer.choices] == [
        gettext("sw", chat.SATISFIED),
        gettext("sw", chat.NOT_SATISFIED),
    ]
    assert waiting(engine, "whatsapp", WA) == 0


def test_whatsapp_outside_the_window_sends_the_template_and_retries_a_refusal(
    engine: Engine,
) -> None:
    ticket = add_news(engine, "whatsapp", WA)
    graph = FakeGraph()
    graph.inject_error(131026)  # undeliverable this time
    with serve(graph.app) as base:
        pusher = news_pusher(engine, make_sender(base), "wazi_update")
        assert asyncio.run(pusher.push_once()) == 0  # refused: the answer waits behind it
        assert waiting(engine, "whatsapp", WA) == 2
        assert asyncio.run(pusher.push_once()) == 2
    reply, answer = graph.to(WA)
    assert (reply.type, reply.body["template"]["name"]) == ("template", "wazi_update")
    assert reply.text == reply_text(ticket)
    assert answer.type == "template" and "Tumerudisha KES 200." in answer.text
    assert waiting(engine, "whatsapp", WA) == 0


def test_the_whatsapp_relay_thread_runs_the_pusher_until_stopped(engine: Engine) -> None:
    add_news(engine, "whatsapp", WA)
    graph = FakeGraph()
    with serve(graph.app) as base:
        sender = make_sender(base)
        relay = Relay(engine, sender, "whatsapp", NOWHERE, CHANNEL_SECRET)
        worker = RelayThread(relay, also=[news_pusher(engine, sender, "wazi_update", 0.2).run])
        worker.start()
        try:
            wait_for(lambda: waiting(engine, "whatsapp", WA) == 0, timeout=10, what="news")
        finally:
            worker.stop()
        assert not worker._thread.is_alive()
    assert len(graph.to(WA)) == 2


def test_a_chat_refused_again_and_again_is_tried_less_and_less_often(engine: Engine) -> None:
    add_news(engine, "whatsapp", WA)
    graph = FakeGraph()
    graph.inject_error(131026, times=3)  # undeliverable three times, then taken
    with serve(graph.app) as base:
        pusher = news_pusher(engine, make_sender(base), "wazi_update", every=60)
        clock = [NOW]
        pusher.clock = lambda: clock[0]
        attempts: list[dt.datetime] = []
        send = pusher.send

        async def counted(item: Outgoing) -> object:
            attempts.append(clock[0])
            return await send(item)

        pusher.send = counted

        def round_at(seconds: int) -> int:
            clock[0] = NOW + dt.timedelta(seconds=seconds)
            return asyncio.run(pusher.push_once())

        assert [round_at(s) for s in (0, 0, 30, 59, 60, 239)] == [0] * 6
        assert attempts == [NOW + dt.timedelta(seconds=s) for s in (0, 0, 60)]  # 1, 2, 3
        assert pusher.refusals[WA][0] == 3
        assert waiting(engine, "whatsapp", WA) == 2  # nothing lost while it waits
        assert round_at(240) == 2  # 60 s + 3 rounds after the third refusal: taken
        assert pusher.refusals == {}
    assert len(graph.to(WA)) == 2
    assert [pusher.wait_after(n).total_seconds() for n in (1, 2, 3, 4)] == [0, 60, 180, 420]
    assert pusher.wait_after(1000) == MAX_WAIT


def test_a_refused_chat_whose_news_reached_it_another_way_is_forgotten(engine: Engine) -> None:
    add_news(engine, "whatsapp", WA)
    graph = FakeGraph()
    graph.inject_error(131026, times=2)
    with serve(graph.app) as base:
        pusher = news_pusher(engine, make_sender(base), "wazi_update", every=60)
        assert asyncio.run(pusher.push_once()) == 0
        assert WA in pusher.refusals
        with session_scope(engine) as session:  # e.g. shown with the answer to a message
            person = session.scalars(
                select(models.ChatIdentity).where(models.ChatIdentity.channel_user_id == WA)
            ).one()
            news.mark_delivered(news.pending(session, person), NOW)
        assert asyncio.run(pusher.push_once()) == 0
        assert pusher.refusals == {}
    assert graph.to(WA) == []
