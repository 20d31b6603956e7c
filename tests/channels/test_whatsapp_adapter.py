"""The WhatsApp webhook over real HTTP: a fake Graph API, a scripted Rasa, the relay's worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from flask import Flask, Response, request
from sqlalchemy import Engine, select

from bot import channel_identity
from bot.channels import messages
from bot.channels.custom import chart_source
from bot.channels.relay import DeliveryError, Recipient, Relay, RetryPolicy
from bot.channels.whatsapp import RelayThread, WebhookConfig, create_app, main
from bot.channels.whatsapp_sender import WhatsAppSender, send_proactive
from bot.db.models import ChannelDelivery, ChannelMessage, ChatIdentity, Client
from bot.db.session import session_scope
from bot.i18n import gettext
from bot.identity import identity_for
from bot.lessons import voice
from tests.channels import fake_graph
from tests.channels.fake_graph import APP_SECRET, PHONE_NUMBER_ID, TOKEN, FakeGraph, post_signed
from tests.channels.loopback import serve, wait_for

CHANNEL_SECRET = b"a channel secret of 32 characters or more"
VERIFY_TOKEN = "meatyhamhock"
WA = "16505551234"
OTHER = "254712000001"
TODAY = dt.date(2026, 11, 25)
PNG = b"\x89PNG\r\n\x1a\nfake chart"
LESSON = "Kila mwezi deni linapungua, kwa hiyo riba nayo inapungua. ▶"
LOAN_CHOICES = [{"title": f"Loan L-{n} (KES {n},000)", "payload": f"/loan L-{n}"} for n in range(5)]
SCRIPT: dict[str, list[dict[str, Any]]] = {
    "hi": [
        {
            "text": "Hello! What would you like to do?",
            "buttons": [
                {"title": "My loans", "payload": "/loans"},
                {"title": "Next payment", "payload": "/next_payment"},
                {"title": "Talk to staff", "payload": "/handoff"},
            ],
        }
    ],
    "/loans": [{"text": "Which loan?", "buttons": LOAN_CHOICES}],
    "/loan L-3": [{"text": "Loan L-3: KES 3,000 left."}, {"text": "Anything else?"}],
    "/stop": [{"text": "Goodbye."}],
    "chart": [
        {"text": "Here is your schedule."},
        {"custom": {"wazi_chart": {"loan_account": "L-1"}}},
    ],
    "share": [{"custom": {"wazi_request_contact": {"text": "Please type your phone number."}}}],
    "picture": [{"image": "https://example.org/help.png"}],
    "lesson": [
        {"text": LESSON},
        {"custom": {"wazi_voice": {"text": LESSON, "language": "sw"}}},
        {"text": "done"},
    ],
    "long": [{"text": "A long explanation. " * 80, "buttons": LOAN_CHOICES[:2]}],
    "odd buttons": [{"text": "Pick", "buttons": [{"title": "Too long", "payload": "x" * 300}]}],
}


class ScriptedRasa:
    """Rasa's relay webhook, answering from ``SCRIPT``; ``down`` makes it answer 503."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []  # the messages it answered
        self.calls = 0  # every request, answered or not
        self.down = False
        self._lock = threading.Lock()
        self.app = Flask(__name__)
        self.app.post("/webhooks/relay/webhook")(self._webhook)

    def _webhook(self) -> Response:
        body = request.get_json()
        with self._lock:
            self.calls += 1
            if self.down:
                return Response("rasa is down", status=503)
            self.bodies.append(body)
        answers = SCRIPT.get(body["message"], [{"text": f"You said: {body['message']}"}])
        answers = [{"recipient_id": body["sender"], **answer} for answer in answers]
        return Response(json.dumps(answers), mimetype="application/json")

    def said(self) -> list[str]:
        with self._lock:
            return [body["message"] for body in self.bodies]


def fake_chart(to: Recipient, loan: str) -> bytes | None:
    assert (to.channel, to.user_id, loan) == ("whatsapp", WA, "L-1")
    return PNG


def make_sender(graph_base: str) -> WhatsAppSender:
    return WhatsAppSender(
        api_url=FakeGraph.api_url(graph_base),
        phone_number_id=PHONE_NUMBER_ID,
        token=TOKEN,
        charts=fake_chart,
        rate_limit_pause=0.2,
        transient_pause=0.2,
    )


@dataclass
class Harness:
    url: str  # the adapter's base URL
    graph: FakeGraph
    rasa: ScriptedRasa
    engine: Engine

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhook"

    def post(self, payload: Any) -> httpx.Response:
        return post_signed(self.webhook, payload, APP_SECRET)

    def wait_sent(self, wa_id: str, count: int) -> list[str]:
        wait_for(lambda: len(self.graph.to(wa_id)) >= count, timeout=5, what=f"{count} sent")
        return self.graph.texts_to(wa_id)

    def rows(self) -> list[ChannelMessage]:
        with session_scope(self.engine) as session:
            return list(session.scalars(select(ChannelMessage).order_by(ChannelMessage.id)))

    def deliveries(self) -> dict[str, ChannelDelivery]:
        with session_scope(self.engine) as session:
            return {d.provider_id: d for d in session.scalars(select(ChannelDelivery))}

    def settled(self) -> None:
        """Wait until the relay has nothing open, then a little for anything stray."""
        wait_for(lambda: all(r.state in ("done", "failed") for r in self.rows()), timeout=5)
        threading.Event().wait(0.3)


@pytest.fixture
def harness(engine: Engine) -> Iterator[Harness]:
    graph, rasa = FakeGraph(), ScriptedRasa()
    with ExitStack() as stack:
        graph_base = stack.enter_context(serve(graph.app))
        rasa_base = stack.enter_context(serve(rasa.app))
        relay = Relay(
            engine,
            make_sender(graph_base),
            "whatsapp",
            rasa_base,
            CHANNEL_SECRET,
            retry=RetryPolicy(first=0.3, factor=1.0, longest=0.3),
            rasa_timeout=5,
            poll_interval=0.1,
        )
        app = create_app(WebhookConfig(APP_SECRET, VERIFY_TOKEN), relay, engine)
        url = stack.enter_context(serve(app))
        worker = RelayThread(relay)
        worker.start()
        stack.callback(worker.stop)
        yield Harness(url, graph, rasa, engine)


# --- Handshake and health ----------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge(harness: Harness) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": VERIFY_TOKEN,
    }
    response = httpx.get(harness.webhook, params=query)
    assert (response.status_code, response.text) == (200, "1158201444")
    assert response.headers["content-type"].startswith("text/plain")
    assert httpx.get(f"{harness.url}/health").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "wrong"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
    ],
)
def test_the_handshake_is_refused_otherwise(harness: Harness, query: dict[str, str]) -> None:
    response = httpx.get(harness.webhook, params=query)
    assert response.status_code == 403
    assert "1158201444" not in response.text


# --- A conversation ----------------------------------------------------------------------------


def test_a_conversation_with_reply_buttons_a_list_and_taps(harness: Harness) -> None:
    assert harness.post(fake_graph.text_message(WA, "hi")).status_code == 200
    harness.wait_sent(WA, 1)
    (greeting,) = harness.graph.to(WA)
    assert greeting.body["interactive"]["type"] == "button"
    assert [c[0] for c in greeting.choices] == ["/loans", "/next_payment", "/handoff"]

    assert harness.post(fake_graph.button_reply(WA, "/loans", "My loans")).status_code == 200
    harness.wait_sent(WA, 2)
    choose = harness.graph.to(WA)[1]
    assert choose.body["interactive"]["type"] == "list"
    assert choose.body["interactive"]["action"]["button"] == gettext("en", messages.LIST_BUTTON)
    assert [c[0] for c in choose.choices] == [b["payload"] for b in LOAN_CHOICES]

    assert harness.post(fake_graph.list_reply(WA, "/loan L-3", "Loan L-3")).status_code == 200
    assert harness.post(fake_graph.quick_reply(WA, "/stop")).status_code == 200
    texts = harness.wait_sent(WA, 5)
    assert texts[2:] == ["Loan L-3: KES 3,000 left.", "Anything else?", "Goodbye."]
    assert harness.rasa.said() == ["hi", "/loans", "/loan L-3", "/stop"]

    now = dt.datetime.now(dt.UTC)
    for body, row in zip(harness.rasa.bodies, harness.rows(), strict=True):
        assert body["sender"] == channel_identity.sender_id("whatsapp", WA, CHANNEL_SECRET)
        assert WA not in body["sender"]  # the phone number stays out of Rasa's logs
        claim = channel_identity.verify(
            body["metadata"], CHANNEL_SECRET, now, dt.timedelta(minutes=5)
        )
        assert claim is not None
        assert (claim.channel, claim.channel_user_id, claim.phone) == ("whatsapp", WA, f"+{WA}")
        assert claim.message_id == row.external_id
    wait_for(lambda: len(harness.deliveries()) == 5, timeout=5)
    assert {s.wamid for s in harness.graph.sent} == set(harness.deliveries())
    assert harness.graph.refused == []


def test_an_answer_breaking_no_limit_is_sent_whole(harness: Harness) -> None:
    harness.post(fake_graph.text_message(WA, "long"))
    harness.wait_sent(WA, 2)
    first, buttons = harness.graph.to(WA)
    assert first.type == "text" and buttons.type == "interactive"
    assert len(buttons.text) <= 1024
    assert (first.text + " " + buttons.text).split() == SCRIPT["long"][0]["text"].split()


def test_buttons_whatsapp_cannot_show_leave_the_text(harness: Harness) -> None:
    harness.post(fake_graph.text_message(WA, "odd buttons"))
    assert harness.wait_sent(WA, 1) == ["Pick"]
    assert harness.graph.to(WA)[0].type == "text"


def test_a_chart_is_uploaded_then_sent_with_its_caption(harness: Harness) -> None:
    harness.post(fake_graph.text_message(WA, "chart"))
    harness.wait_sent(WA, 2)
    text, image = harness.graph.to(WA)
    assert text.text == "Here is your schedule."
    assert harness.graph.uploads == [PNG]
    assert image.type == "image" and image.body["image"]["id"]
    assert image.text == gettext("en", messages.CHART_CAPTION)


def test_an_image_by_link_and_a_contact_request_as_text(harness: Harness) -> None:
    harness.post(fake_graph.text_message(WA, "picture"))
    harness.wait_sent(WA, 1)
    harness.post(fake_graph.text_message(WA, "share"))
    harness.wait_sent(WA, 2)
    image, share = harness.graph.to(WA)
    assert image.body["image"] == {"link": "https://example.org/help.png"}
    assert (share.type, share.text) == ("text", "Please type your phone number.")


def test_the_real_chart_of_a_verified_clients_loan(demo_engine: Engine) -> None:
    """The adapter's charts are ``bot.loan_charts``'s: drawn for the chat's own client."""
    with session_scope(demo_engine) as session:
        person = identity_for(session, "whatsapp", OTHER)
        person.client_id = session.scalars(
            select(Client.id).where(Client.phone == f"+{OTHER}")
        ).one()
        person.verified_at = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)
    graph = FakeGraph()
    to = Recipient("whatsapp", OTHER, OTHER, "en")
    with serve(graph.app) as base:
        sender = make_sender(base)
        sender.charts = chart_source(demo_engine, lambda: TODAY)  # not the test's stand-in
        custom = {"custom": {"wazi_chart": {"loan_account": "L-1001"}}}
        sent = asyncio.run(sender.send(to, custom))
        refused = asyncio.run(
            sender.send(to, {"custom": {"wazi_chart": {"loan_account": "L-2001"}}})
        )
    (upload,) = graph.uploads
    assert upload.startswith(b"\x89PNG\r\n\x1a\n")
    assert [s.wamid for s in graph.sent] == sent and refused == []


def test_a_lesson_voice_note_is_uploaded_as_ogg_opus_then_sent_as_audio(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    spoken_voice_notes: list[tuple[str, str, bytes]],
) -> None:
    spoken = spoken_voice_notes
    harness.post(fake_graph.text_message(WA, "lesson"))
    harness.wait_sent(WA, 3)
    harness.settled()
    text, audio, done = harness.graph.to(WA)
    assert (text.text, audio.type, done.text) == (LESSON, "audio", "done")
    [(said, language, ogg)] = spoken
    assert (said, language) == (LESSON, "sw")
    assert harness.graph.uploads == [ogg]
    assert ogg.startswith(b"OggS") and b"OpusHead" in ogg
    media_id = audio.body["audio"]["id"]
    assert audio.body["audio"] == {"id": media_id, "voice": True}  # no caption
    assert harness.graph.upload_types == {media_id: "audio/ogg"}
    assert [row.state for row in harness.rows()] == ["done"]


def test_without_espeak_no_voice_note_is_sent_and_the_answer_goes_on(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither espeak-ng nor opusenc here
    assert not voice.available()
    with caplog.at_level(logging.WARNING, logger="bot.channels.custom"):
        harness.post(fake_graph.text_message(WA, "lesson"))
        assert harness.wait_sent(WA, 2) == [LESSON, "done"]
        harness.settled()
    assert [s.type for s in harness.graph.to(WA)] == ["text", "text"]
    assert harness.graph.uploads == [] and harness.graph.refused == []
    assert [row.state for row in harness.rows()] == ["done"]
    assert "No voice note: espeak-ng or opusenc is not installed" in caplog.text


def test_a_failed_synthesis_sends_nothing_more_and_logs_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    graph = FakeGraph()

    def too_slow(text: str, language: str) -> bytes:
        raise voice.VoiceError("espeak-ng took too long")

    to = Recipient("whatsapp", WA, WA, "sw")
    answer = {"custom": {"wazi_voice": {"text": LESSON, "language": "sw"}}}
    with serve(graph.app) as base, caplog.at_level(logging.WARNING, logger="bot.channels"):
        monkeypatch.setattr(voice, "speak", too_slow)
        sent = asyncio.run(make_sender(base).send(to, answer))
    assert sent == [] and graph.requests == 0
    assert "No voice note in 'sw': espeak-ng took too long" in caplog.text


def test_the_fake_refuses_audio_that_is_not_ogg_opus() -> None:
    graph = FakeGraph()
    to = Recipient("whatsapp", WA, WA, "en")
    answer = {"custom": {"wazi_voice": {"text": "hello", "language": "en"}}}
    with serve(graph.app) as base:
        sender = make_sender(base)
        sender.voices = lambda text, language: b"ID3 an mp3, not a voice note"
        with pytest.raises(DeliveryError, match="100") as caught:
            asyncio.run(sender.send(to, answer))
    assert caught.value.retry_after is None
    assert graph.uploads == [] and graph.sent == []


# --- Refused requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("sha256=" + "0" * 64, 403),
        (fake_graph.signature(b"another body", APP_SECRET), 403),
        ("sha1=abc", 403),
    ],
)
def test_unsigned_or_badly_signed_posts_are_refused(
    harness: Harness, header: str | None, status: int
) -> None:
    raw = json.dumps(fake_graph.text_message(WA, "hi")).encode()
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Hub-Signature-256"] = header
    response = httpx.post(harness.webhook, content=raw, headers=headers)
    assert response.status_code == status
    threading.Event().wait(0.3)
    assert harness.rows() == []
    assert harness.rasa.calls == 0 and harness.graph.sent == []


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"{not json", 400, "not JSON"),
        (b"\xff\xfe", 400, "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "not JSON"),
        (b'{"object": "page", "entry": []}', 400, "object"),
        (b"[]", 400, "payload"),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": 3}]}', 400, "changes"),
        (b'{"object": "whatsapp_business_account", "entry": []}' + b" " * 300_000, 413, "413"),
    ],
)
def test_malformed_wrong_or_oversized_bodies_get_a_4xx(
    harness: Harness, raw: bytes, status: int, says: str
) -> None:
    response = post_signed(harness.webhook, raw, APP_SECRET)
    assert response.status_code == status
    assert says in response.text
    assert "Traceback" not in response.text
    assert harness.rows() == []


# --- Delivery ----------------------------------------------------------------------------------


def test_a_delivery_retried_by_whatsapp_is_processed_once(harness: Harness) -> None:
    payload = fake_graph.text_message(WA, "hello there")
    assert harness.post(payload).status_code == 200
    assert harness.post(payload).status_code == 200
    harness.wait_sent(WA, 1)
    assert harness.post(payload).status_code == 200
    harness.settled()
    assert harness.rasa.said() == ["hello there"]
    assert harness.graph.texts_to(WA) == ["You said: hello there"]
    assert len(harness.rows()) == 1


def test_statuses_are_recorded_in_order(harness: Harness) -> None:
    harness.post(fake_graph.text_message(WA, "hello"))
    harness.wait_sent(WA, 1)
    wamid = harness.graph.sent[0].wamid
    wait_for(lambda: wamid in harness.deliveries(), timeout=5)
    assert harness.deliveries()[wamid].status == "sent"
    for state in ("sent", "delivered", "read"):
        assert harness.post(fake_graph.status(wamid, state, WA)).status_code == 200
        assert harness.deliveries()[wamid].status == state
    harness.post(fake_graph.status(wamid, "delivered", WA))  # late: read stays
    assert harness.deliveries()[wamid].status == "read"


def test_a_failed_status_keeps_its_code_even_for_an_unknown_message(harness: Harness) -> None:
    failed = fake_graph.load("webhook_status_failed_131047.json")
    assert harness.post(failed).status_code == 200
    wamid = failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    row = harness.deliveries()[wamid]
    assert (row.status, row.error_code, row.error_title) == (
        "failed",
        131047,
        "Re-engagement message",
    )
    assert row.chat_id == WA


@pytest.mark.parametrize("kind", ["sticker", "audio", "image", "location", "unsupported"])
def test_a_message_wazi_cannot_read_gets_a_polite_answer_once(harness: Harness, kind: str) -> None:
    payload = fake_graph.unsupported(WA, kind)
    assert harness.post(payload).status_code == 200
    harness.wait_sent(WA, 1)
    assert harness.post(payload).status_code == 200  # WhatsApp's retry
    harness.settled()
    assert harness.graph.texts_to(WA) == [gettext("en", messages.UNSUPPORTED_MESSAGE)]
    assert harness.rasa.calls == 0


def test_the_polite_answer_speaks_the_chat_language(harness: Harness) -> None:
    with session_scope(harness.engine) as session:
        session.add(ChatIdentity(channel="whatsapp", channel_user_id=WA, locale="sw"))
    harness.post(fake_graph.load("webhook_message_contacts.json"))
    assert harness.wait_sent(WA, 1) == [gettext("sw", messages.UNSUPPORTED_MESSAGE)]


def test_a_system_message_is_ignored(harness: Harness) -> None:
    assert harness.post(fake_graph.system_message(WA)).status_code == 200
    threading.Event().wait(0.3)
    assert harness.rows() == [] and harness.graph.sent == [] and harness.rasa.calls == 0


def test_rasa_down_the_client_hears_once_then_gets_the_answer_once(harness: Harness) -> None:
    harness.rasa.down = True
    harness.post(fake_graph.text_message(WA, "are you there"))
    assert harness.wait_sent(WA, 1) == [gettext("en", messages.OUTAGE)]
    wait_for(lambda: harness.rasa.calls >= 3, timeout=5, what="Rasa retried")
    harness.rasa.down = False
    harness.wait_sent(WA, 2)
    harness.settled()
    assert harness.graph.texts_to(WA) == [
        gettext("en", messages.OUTAGE),
        "You said: are you there",
    ]


def test_a_rate_limit_is_waited_out_and_the_answer_sent_once(harness: Harness) -> None:
    harness.graph.inject_error(130429)
    harness.post(fake_graph.text_message(WA, "hello"))
    harness.wait_sent(WA, 1)
    harness.settled()
    assert harness.graph.texts_to(WA) == ["You said: hello"]
    assert harness.graph.requests == 2


def test_a_rate_limit_inside_an_answer_resends_only_the_rest(harness: Harness) -> None:
    harness.graph.inject_error(131056, after=1)
    harness.post(fake_graph.text_message(WA, "long"))
    harness.wait_sent(WA, 2)
    harness.settled()
    assert [s.type for s in harness.graph.to(WA)] == ["text", "interactive"]
    assert harness.graph.requests == 3


def test_a_permanent_refusal_is_not_retried(harness: Harness) -> None:
    harness.graph.inject_error(131026)
    harness.post(fake_graph.text_message(WA, "hello"))
    wait_for(lambda: harness.rows()[0].state == "failed", timeout=5)
    threading.Event().wait(0.4)
    assert harness.graph.sent == [] and harness.graph.requests == 1


# --- The sender on its own -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "retry"),
    [(130429, None, 0.2), (4, None, 0.2), (131047, None, None), (190, None, None), (100, 500, 0.2)],
)
def test_graph_errors_become_delivery_errors(
    engine: Engine, code: int, status: int | None, retry: float | None
) -> None:
    graph = FakeGraph()
    graph.inject_error(code, status=status)
    with serve(graph.app) as base:
        sender = make_sender(base)
        with pytest.raises(DeliveryError) as caught:
            asyncio.run(sender.send(Recipient("whatsapp", WA, WA, "en"), {"text": "hi"}))
    assert caught.value.retry_after == retry


def test_a_wrong_token_is_refused_by_the_fake_with_190(engine: Engine) -> None:
    graph = FakeGraph(token="the real one")
    with serve(graph.app) as base:
        sender = make_sender(base)
        with pytest.raises(DeliveryError, match="190") as caught:
            asyncio.run(sender.send(Recipient("whatsapp", WA, WA, "en"), {"text": "hi"}))
    assert caught.value.retry_after is None and graph.sent == []


# --- Proactive messages ------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def _client_wrote(engine: Engine, wa_id: str, when: dt.datetime) -> None:
    with session_scope(engine) as session:
        session.add(
            ChannelMessage(
                channel="whatsapp",
                external_id=fake_graph.new_wamid(),
                user_id=wa_id,
                chat_id=wa_id,
                text="hello",
                received_at=when,
                next_attempt_at=when,
                state="done",
            )
        )


def _proactive(engine: Engine, text: str) -> tuple[list[str], FakeGraph]:
    graph = FakeGraph()
    with serve(graph.app) as base:
        sent = asyncio.run(
            send_proactive(
                engine,
                make_sender(base),
                WA,
                text,
                "sw",
                template="wazi_update",
                now=NOW,
            )
        )
    return sent, graph


def test_inside_the_24_hour_window_a_proactive_message_is_text(engine: Engine) -> None:
    _client_wrote(engine, WA, NOW - dt.timedelta(hours=23, minutes=59))
    _client_wrote(engine, OTHER, NOW)  # someone else's message does not count
    sent, graph = _proactive(engine, "Your payment is due\non Friday.")
    (message,) = graph.sent
    assert (message.type, message.text) == ("text", "Your payment is due\non Friday.")
    with session_scope(engine) as session:
        assert session.scalars(select(ChannelDelivery.provider_id)).all() == sent


@pytest.mark.parametrize("last", [dt.timedelta(hours=24), dt.timedelta(days=3), None])
def test_outside_the_window_a_proactive_message_is_the_template(
    engine: Engine, last: dt.timedelta | None
) -> None:
    if last is not None:
        _client_wrote(engine, WA, NOW - last)
    sent, graph = _proactive(engine, "Your payment is due\non Friday.")
    (message,) = graph.sent
    assert message.type == "template"
    assert message.body["template"]["name"] == "wazi_update"
    assert message.body["template"]["language"] == {"code": "sw"}
    assert message.text == "Your payment is due on Friday."
    assert len(sent) == 1


def test_a_131047_failure_after_the_last_message_closes_the_window(engine: Engine) -> None:
    _client_wrote(engine, WA, NOW - dt.timedelta(hours=2))
    with session_scope(engine) as session:
        session.add(
            ChannelDelivery(
                channel="whatsapp",
                provider_id="wamid.failed",
                chat_id=WA,
                status="failed",
                error_code=131047,
                created_at=NOW - dt.timedelta(hours=1),
                updated_at=NOW - dt.timedelta(hours=1),
            )
        )
    _, graph = _proactive(engine, "Reminder")
    assert [s.type for s in graph.sent] == ["template"]


# --- Starting ------------------------------------------------------------------------------

WHATSAPP_ENV = {
    "WAZI_WHATSAPP_TOKEN": TOKEN,
    "WAZI_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
    "WAZI_WHATSAPP_APP_SECRET": APP_SECRET.decode(),
    "WAZI_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
}


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"WAZI_WHATSAPP_TOKEN": TOKEN}, "WAZI_WHATSAPP_PHONE_NUMBER_ID"),
        (WHATSAPP_ENV, "WAZI_CHANNEL_SECRET"),
        ({**WHATSAPP_ENV, "WAZI_CHANNEL_SECRET": "short"}, "bad setting"),
        ({**WHATSAPP_ENV, "WAZI_WHATSAPP_LISTEN": "nowhere"}, "bad setting"),
    ],
)
def test_main_refuses_to_start_without_its_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict, says: str
) -> None:
    for name in (*WHATSAPP_ENV, "WAZI_CHANNEL_SECRET", "WAZI_WHATSAPP_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main() == 2
    err = capsys.readouterr().err
    assert err.startswith("wazi whatsapp: ") and says in err
    assert err.count("\n") == 1
