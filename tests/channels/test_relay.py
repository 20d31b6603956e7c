"""The relay: each client message reaches Rasa once, in order, and each answer reaches the client
once, through Rasa outages and platform errors. Real HTTP to a scripted Rasa on loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from flask import Flask, request
from sqlalchemy import Engine, func, select

from bot import channel_identity
from bot.channels import messages
from bot.channels.relay import (
    DONE,
    FAILED,
    DeliveryError,
    Inbound,
    Recipient,
    Relay,
    RetryPolicy,
)
from bot.db.models import AuditEntry, ChannelDelivery, ChannelMessage
from bot.db.session import session_scope
from bot.i18n import gettext
from bot.identity import identity_for
from tests.channels.loopback import serve

SECRET = secrets.token_bytes(32)


class ScriptedRasa:
    """Answers the relay channel like Rasa: ``answer <text>`` for each text, or a set status."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        self.app = Flask(__name__)
        self.app.add_url_rule("/webhooks/relay/webhook", "webhook", self.webhook, methods=["POST"])

    def webhook(self) -> Any:
        body = request.get_json()
        if self.status != 200:
            return {"error": "down"}, self.status
        self.bodies.append(body)
        text = body["message"]
        return [{"recipient_id": body["sender"], "text": f"answer {text}"}, {"text": "more"}]

    def texts(self) -> list[str]:
        return [body["message"] for body in self.bodies]


class RecordingSender:
    """A platform that records what it is sent and can refuse the next sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.refusals: list[DeliveryError] = []
        self.blocked: set[str] = set()  # chats that blocked the bot
        self.counter = 0

    async def send(self, to: Recipient, message: Mapping[str, Any]) -> list[str]:
        if to.chat_id in self.blocked:
            raise DeliveryError("403 bot was blocked by the user")
        if self.refusals:
            raise self.refusals.pop(0)
        self.sent.append((to.chat_id, message["text"]))
        self.counter += 1
        return [f"id-{self.counter}"]


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def rasa() -> Iterator[tuple[ScriptedRasa, str]]:
    scripted = ScriptedRasa()
    with serve(scripted.app) as url:
        yield scripted, url


def make_relay(engine: Engine, url: str, sender: RecordingSender, clock: Clock) -> Relay:
    return Relay(
        engine,
        sender,
        "telegram",
        url,
        SECRET,
        retry=RetryPolicy(first=10, factor=2, longest=60),
        clock=clock,
        rasa_timeout=5,
    )


def inbound(n: int, chat: str = "42", text: str | None = None, phone: str | None = None) -> Inbound:
    return Inbound("telegram", f"m{chat}:{n}", chat, chat, text or f"hello {n}", phone)


def test_each_message_is_answered_once_in_order_with_a_signed_claim(
    engine: Engine, rasa: tuple[ScriptedRasa, str]
) -> None:
    scripted, url = rasa
    sender, clock = RecordingSender(), Clock()
    relay = make_relay(engine, url, sender, clock)
    assert relay.accept(inbound(1, phone="+254712000001"))
    assert relay.accept(inbound(2))
    assert not relay.accept(inbound(1))  # the platform's retry of message 1

    asyncio.run(relay.drain())

    assert scripted.texts() == ["hello 1", "hello 2"]
    assert sender.sent == [
        ("42", "answer hello 1"),
        ("42", "more"),
        ("42", "answer hello 2"),
        ("42", "more"),
    ]
    first = scripted.bodies[0]
    assert first["sender"] == channel_identity.sender_id("telegram", "42", SECRET)
    # not the user's id but a keyed hash of it (a random hash may hold the digits "42")
    assert re.fullmatch(r"telegram:[0-9a-f]{32,}", first["sender"])
    assert first["sender"] != channel_identity.sender_id("telegram", "42", b"another secret")
    claim = channel_identity.verify(first["metadata"], SECRET, clock(), dt.timedelta(minutes=1))
    assert claim == channel_identity.ChannelClaim("telegram", "42", "+254712000001", "m42:1")
    with session_scope(engine) as session:
        states = session.scalars(select(ChannelMessage.state).order_by(ChannelMessage.id)).all()
        assert states == [DONE, DONE]
        assert session.scalar(select(func.count()).select_from(ChannelDelivery)) == 4


@pytest.mark.parametrize("down", ["no server", "503"])
def test_rasa_down_says_so_once_then_answers_once_when_back(engine: Engine, down: str) -> None:
    scripted = ScriptedRasa()
    sender, clock = RecordingSender(), Clock()
    with serve(scripted.app) as url:
        dead_url = "http://127.0.0.1:9" if down == "no server" else url
        scripted.status = 503
        relay = make_relay(engine, dead_url, sender, clock)
        relay.accept(inbound(1))
        relay.accept(inbound(2))  # waits behind message 1

        asyncio.run(relay.drain())
        clock.advance(10)
        asyncio.run(relay.drain())  # the retry fails too: no second notice

        notice = gettext("en", messages.OUTAGE)
        assert sender.sent == [("42", notice)]
        with session_scope(engine) as session:
            row = session.scalars(select(ChannelMessage).order_by(ChannelMessage.id)).first()
            assert row is not None
            assert row.attempts == 2
            assert row.next_attempt_at == clock() + dt.timedelta(seconds=20)

        scripted.status = 200
        relay.rasa_url = url
        clock.advance(20)
        asyncio.run(relay.drain())

    assert scripted.texts() == ["hello 1", "hello 2"]
    assert sender.sent[1:] == [
        ("42", "answer hello 1"),
        ("42", "more"),
        ("42", "answer hello 2"),
        ("42", "more"),
    ]


def test_the_outage_notice_is_in_the_chat_language(
    engine: Engine, rasa: tuple[ScriptedRasa, str]
) -> None:
    scripted, _url = rasa
    with session_scope(engine) as session:
        identity_for(session, "telegram", "77").locale = "sw"
    sender = RecordingSender()
    relay = make_relay(engine, "http://127.0.0.1:9", sender, Clock())
    relay.accept(inbound(1, chat="77"))
    asyncio.run(relay.drain())
    assert sender.sent == [("77", gettext("sw", messages.OUTAGE))]
    assert sender.sent[0][1] != gettext("en", messages.OUTAGE)
    assert scripted.bodies == []


def test_a_platform_error_resumes_after_the_last_answer_sent(
    engine: Engine, rasa: tuple[ScriptedRasa, str]
) -> None:
    scripted, url = rasa
    sender, clock = RecordingSender(), Clock()
    relay = make_relay(engine, url, sender, clock)
    relay.accept(inbound(1))
    sender.refusals = []

    original = sender.send
    calls = 0

    async def flaky(to: Recipient, message: Mapping[str, Any]) -> list[str]:
        nonlocal calls
        calls += 1
        if calls == 2:  # the second answer hits a rate limit
            raise DeliveryError("429 Too Many Requests", retry_after=3)
        return await original(to, message)

    sender.send = flaky  # type: ignore[method-assign]
    asyncio.run(relay.drain())
    assert sender.sent == [("42", "answer hello 1")]
    clock.advance(3)
    asyncio.run(relay.drain())

    assert scripted.texts() == ["hello 1"]  # Rasa asked once
    assert sender.sent == [("42", "answer hello 1"), ("42", "more")]


def test_a_chat_the_platform_refuses_is_given_up_and_others_go_on(
    engine: Engine, rasa: tuple[ScriptedRasa, str]
) -> None:
    _scripted, url = rasa
    sender, clock = RecordingSender(), Clock()
    relay = make_relay(engine, url, sender, clock)
    relay.accept(inbound(1, chat="blocked"))
    relay.accept(inbound(1, chat="43"))
    sender.blocked = {"blocked"}
    asyncio.run(relay.drain())

    with session_scope(engine) as session:
        rows = {r.chat_id: r for r in session.scalars(select(ChannelMessage))}
        assert rows["blocked"].state == FAILED
        assert "blocked" in (rows["blocked"].last_error or "")
        assert rows["43"].state == DONE
    assert ("43", "answer hello 1") in sender.sent


def test_a_message_rasa_refuses_is_not_retried(engine: Engine) -> None:
    scripted = ScriptedRasa()
    scripted.status = 400
    sender = RecordingSender()
    with serve(scripted.app) as url:
        relay = make_relay(engine, url, sender, Clock())
        relay.accept(inbound(1))
        relay.accept(inbound(2))
        asyncio.run(relay.drain())
    with session_scope(engine) as session:
        states = session.scalars(select(ChannelMessage.state).order_by(ChannelMessage.id)).all()
    assert states == [FAILED, FAILED]
    assert sender.sent == []


def test_refusals_are_audited(engine: Engine) -> None:
    relay = make_relay(engine, "http://127.0.0.1:9", RecordingSender(), Clock())
    relay.record_refusal("42", "forwarded_contact")
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert entry.action == "identity.refused"
        assert entry.details == {"channel": "telegram", "reason": "forwarded_contact"}


def test_a_relay_refuses_another_channels_message(engine: Engine) -> None:
    relay = make_relay(engine, "http://127.0.0.1:9", RecordingSender(), Clock())
    with pytest.raises(ValueError, match="serves telegram"):
        relay.accept(Inbound("whatsapp", "wamid.1", "1", "1", "hi"))


def test_the_worker_wakes_up_for_a_new_message(
    engine: Engine, rasa: tuple[ScriptedRasa, str]
) -> None:
    scripted, url = rasa
    sender = RecordingSender()
    relay = make_relay(engine, url, sender, Clock())
    relay.poll_interval = 30  # only the wake-up can make it look before the test's deadline

    async def scenario() -> None:
        worker = asyncio.create_task(relay.run())
        await asyncio.sleep(0.2)
        await asyncio.to_thread(relay.accept, inbound(1))
        for _ in range(100):
            if len(sender.sent) == 2:
                break
            await asyncio.sleep(0.05)
        worker.cancel()

    asyncio.run(scenario())
    assert sender.sent == [("42", "answer hello 1"), ("42", "more")]
    assert json.dumps(scripted.texts()) == '["hello 1"]'


def test_a_worker_woken_as_it_is_cancelled_still_stops(engine: Engine) -> None:
    """A wake-up and a cancel in the same loop turn: the cancel wins (Python 3.11's wait_for
    would return the wake-up and swallow the cancel, leaving the worker running for ever)."""
    relay = make_relay(engine, "http://127.0.0.1:9", RecordingSender(), Clock())
    relay.poll_interval = 30

    async def scenario() -> bool:
        worker = asyncio.create_task(relay.run())
        await asyncio.sleep(0.2)  # idle, waiting to be woken
        assert relay._wakeup is not None
        relay._wakeup.set()
        worker.cancel()
        done, _ = await asyncio.wait({worker}, timeout=2)
        still_running = not done
        if still_running:  # let the test end instead of hanging on the leftover task
            worker.cancel()
            await asyncio.wait({worker}, timeout=2)
        return still_running

    assert asyncio.run(scenario()) is False
