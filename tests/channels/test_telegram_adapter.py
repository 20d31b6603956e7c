"""The Telegram adapter over real HTTP: python-telegram-bot against the fake Bot API, a scripted
Rasa, the relay on a real database, long polling and the webhook."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from flask import Flask, jsonify, request
from sqlalchemy import Engine, select
from telegram import Update
from telegram.error import InvalidToken

from bot import channel_identity, identity
from bot.channels import messages
from bot.channels.relay import Recipient, RetryPolicy
from bot.channels.telegram import Config, TelegramAdapter, rasa_text_of_command, run_adapter
from bot.channels.telegram_format import command_of
from bot.db.models import AuditEntry
from bot.db.session import session_scope
from bot.identity import identity_for
from bot.lessons import voice
from bot.settings import PROJECT_ROOT
from tests.channels.fake_telegram import FakeTelegram, fixture, is_ogg_opus
from tests.channels.loopback import serve, wait_for
from tests.conftest import DEMO_TODAY

TOKEN = "123456:FAKE-token-for-tests"
SECRET = b"a-channel-secret-of-at-least-32-chars!"
WEBHOOK_SECRET = "FAKE_secret_token_123"
USER = 123456789
FAST_RETRY = RetryPolicy(first=0.3, factor=1.0, longest=0.3)


# --- A scripted Rasa --------------------------------------------------------------------------


class ScriptedRasa:
    """Rasa's REST channel (and Wazi's relay channel, the same body), answering from a script;
    ``status`` 500 plays an outage."""

    def __init__(self, script: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.script = script or {}
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        self.app = Flask(__name__)
        for channel in ("rest", "relay"):
            self.app.add_url_rule(
                f"/webhooks/{channel}/webhook", channel, self.webhook, methods=["POST"]
            )

    def webhook(self) -> Any:
        body = request.get_json()
        self.bodies.append(body)
        if self.status != 200:
            return "the action server is down", self.status
        answers = self.script.get(body["message"], [{"text": f"You said: {body['message']}"}])
        return jsonify([{"recipient_id": body["sender"], **answer} for answer in answers])

    @property
    def texts(self) -> list[str]:
        return [body["message"] for body in self.bodies]


def claim_of(body: dict[str, Any]) -> channel_identity.ChannelClaim | None:
    now = dt.datetime.now(dt.UTC)
    return channel_identity.verify(body["metadata"], SECRET, now, dt.timedelta(minutes=5))


# --- Updates, from the samples ----------------------------------------------------------------

_ids = iter(range(700_000_000, 800_000_000))


def text_update(text: str, command_length: int = 0) -> dict[str, Any]:
    """update_message_text.json with a new update and message id and another text."""
    update = fixture("update_message_text.json")
    number = next(_ids)
    update["update_id"] = number
    update["message"]["message_id"] = number
    update["message"]["text"] = text
    if command_length:
        update["message"]["entities"] = [
            {"offset": 0, "length": command_length, "type": "bot_command"}
        ]
    return update


def command_update(text: str) -> dict[str, Any]:
    return text_update(text, command_length=len(text.split(" ")[0]))


def button_update(data: str) -> dict[str, Any]:
    update = fixture("update_callback_query.json")
    number = next(_ids)
    update["update_id"] = number
    update["callback_query"]["id"] = str(number)
    update["callback_query"]["data"] = data
    return update


def renumbered(name: str) -> dict[str, Any]:
    update = fixture(name)
    number = next(_ids)
    update["update_id"] = number
    kind = next(key for key in update if key != "update_id")
    update[kind]["message_id"] = number
    return update


def other_update(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """A message of another kind (sticker, voice...) or another update type (edited_message)."""
    update = text_update("x")
    message = update.pop("message")
    del message["text"]
    message.update(content)
    update[kind] = message
    return update


STICKER = {
    "sticker": {
        "file_id": "CAAC-fake",
        "file_unique_id": "st1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
}
VOICE = {"voice": {"file_id": "AwAC-fake", "file_unique_id": "vo1", "duration": 3}}


# --- Running it all ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``main`` does: python-telegram-bot's time periods as timedelta, without warnings."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def telegram() -> Iterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram(TOKEN)
    with serve(fake.app) as base:
        try:
            yield fake, base
        finally:
            fake.close()


@pytest.fixture
def rasa() -> Iterator[tuple[ScriptedRasa, str]]:
    scripted = ScriptedRasa()
    with serve(scripted.app) as base:
        yield scripted, base


def config_for(telegram_base: str, rasa_base: str, **changes: Any) -> Config:
    values: dict[str, Any] = {
        "token": TOKEN,
        "api_url": f"{telegram_base}/bot",
        "rasa_url": rasa_base,
        "channel_secret": SECRET,
        "poll_timeout": 1.0,
        "retry": FAST_RETRY,
        **changes,
    }
    return Config(**values)


@contextmanager
def running(
    config: Config, engine: Engine, charts: Callable[[Recipient, str], bytes | None] | None = None
) -> Iterator[TelegramAdapter]:
    """The adapter on its own event loop in a thread, until the block ends."""
    box: dict[str, Any] = {}
    started = threading.Event()

    def ready(adapter: TelegramAdapter) -> None:
        box["adapter"] = adapter
        started.set()

    async def main() -> None:
        box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()
        await run_adapter(config, engine, box["stop"], charts, started=ready)

    def thread_main() -> None:
        try:
            asyncio.run(main())
        except Exception as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc
            started.set()

    # a daemon: an adapter that fails to stop fails its test, not the whole run at exit
    thread = threading.Thread(target=thread_main, name="adapter under test", daemon=True)
    thread.start()
    assert started.wait(10), "the adapter did not start"
    if "error" in box:
        raise box["error"]
    try:
        yield box["adapter"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(10)
        assert not thread.is_alive(), "the adapter did not stop"
    if "error" in box:
        raise box["error"]


@pytest.fixture
def world(
    telegram: tuple[FakeTelegram, str], rasa: tuple[ScriptedRasa, str], engine: Engine
) -> Iterator[tuple[FakeTelegram, ScriptedRasa]]:
    """The adapter long-polling the fake Telegram, talking to the scripted Rasa."""
    fake, telegram_base = telegram
    scripted, rasa_base = rasa
    with running(config_for(telegram_base, rasa_base), engine):
        yield fake, scripted


def texts_to_user(fake: FakeTelegram) -> list[str]:
    return fake.sent_texts(USER)


def wait_for_text(fake: FakeTelegram, text: str) -> None:
    wait_for(lambda: text in texts_to_user(fake), timeout=5, what=repr(text[:40]))


# --- Polling: the conversation ----------------------------------------------------------------


def test_startup_sets_the_command_menu_per_language_and_polls(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, _ = world
    menus = {
        call.params.get("language_code"): call.params for call in fake.calls_of("setMyCommands")
    }
    assert set(menus) == {None, "sw", "fr", "es", "hi"}
    assert [c["command"] for c in menus[None]["commands"]] == ["start", "help", "language", "stop"]
    assert menus[None]["commands"][0]["description"] == messages.COMMAND_DESCRIPTIONS["start"]
    wait_for(lambda: fake.calls_of("getUpdates"), timeout=5, what="polling")
    assert not fake.calls_of("setWebhook")


def test_text_and_button_press_reach_rasa_signed_and_answers_come_back(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    rasa.script["What is my next repayment date?"] = [
        {"text": "Which loan?", "buttons": [{"title": "Loan 29", "payload": "/pick_29"}]}
    ]
    fake.push(fixture("update_message_text.json"))
    wait_for_text(fake, "Which loan?")
    keyboard = fake.calls_of("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Loan 29", "callback_data": "/pick_29"}]]

    press = button_update("/pick_29")
    fake.push(press)
    wait_for_text(fake, "You said: /pick_29")
    answered = [call.params["callback_query_id"] for call in fake.calls_of("answerCallbackQuery")]
    assert answered == [press["callback_query"]["id"]]
    assert rasa.texts == ["What is my next repayment date?", "/pick_29"]
    for body in rasa.bodies:
        claim = claim_of(body)
        assert claim is not None and claim.channel_user_id == str(USER) and claim.phone is None
        assert body["sender"] == channel_identity.sender_id("telegram", str(USER), SECRET)
    assert claim_of(rasa.bodies[1]).message_id == f"c{press['callback_query']['id']}"


def test_long_payload_goes_as_a_token_of_at_most_64_bytes_and_comes_back_whole(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    payload = '/choose_loan{"loan_account":"' + "LN-2026-000029-" * 5 + '","période":"mois"}'
    assert len(payload.encode()) > 64
    rasa.script["loans"] = [{"text": "Pick one", "buttons": [{"title": "29", "payload": payload}]}]
    fake.push(text_update("loans"))
    wait_for_text(fake, "Pick one")
    data = fake.calls_of("sendMessage")[-1].params["reply_markup"]["inline_keyboard"][0][0]
    assert len(data["callback_data"].encode()) <= 64 and data["callback_data"] != payload

    fake.push(button_update(data["callback_data"]))
    wait_for(lambda: payload in rasa.texts, timeout=5, what="the payload at Rasa")


def test_a_button_the_adapter_forgot_is_answered_and_not_forwarded(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    fake.push(button_update("p:AAAAAAAAAAAAAAAAAAAAAAAA"))
    wait_for_text(fake, messages.STALE_BUTTON)
    assert len(fake.calls_of("answerCallbackQuery")) == 1
    assert rasa.bodies == []


@pytest.mark.parametrize(
    ("command", "intent"),
    [
        ("/start", "/greet"),
        ("/start ref_LOAN29", "/greet"),
        ("/start lang_sw", '/choose_language{"language":"sw"}'),
        ("/start fr", '/choose_language{"language":"fr"}'),
        ("/help", "/help"),
        ("/language", "/language"),
        ("/stop", "/logout"),
        ("/help@demo_mfi_bot", "/help"),
        ("/unknown", "/unknown"),
    ],
)
def test_command_mapping(command: str, intent: str) -> None:

    parsed = command_of(Update.de_json(command_update(command), None), "demo_mfi_bot")
    text = intent if parsed is None else rasa_text_of_command(*parsed)
    assert text == intent


def test_commands_reach_rasa_as_intents(world: tuple[FakeTelegram, ScriptedRasa]) -> None:
    fake, rasa = world
    fake.push(renumbered("update_message_start_command.json"))
    fake.push(renumbered("update_message_start_deeplink.json"))
    for command in ("/start lang_sw", "/help", "/language", "/stop"):
        fake.push(command_update(command))
    expected = ["/greet", "/greet", '/choose_language{"language":"sw"}', "/help", "/language"]
    expected.append("/logout")
    wait_for(lambda: len(rasa.texts) == 6, timeout=5, what="six commands at Rasa")
    assert rasa.texts == expected


# --- Contacts ---------------------------------------------------------------------------------


def test_own_contact_is_forwarded_with_the_phone_in_the_signed_claim(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    fake.push(fixture("update_message_contact_shared.json"))
    wait_for(lambda: rasa.bodies, timeout=5, what="the contact at Rasa")
    assert rasa.texts == ["+254700000001"]
    claim = claim_of(rasa.bodies[0])
    assert claim is not None and claim.phone == "+254700000001"
    assert claim.channel_user_id == str(USER)


def test_an_own_contact_with_an_invalid_number_goes_on_unvouched(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    update = renumbered("update_message_contact_shared.json")
    update["message"]["contact"]["phone_number"] = "999"
    fake.push(update)
    wait_for(lambda: rasa.bodies, timeout=5, what="the contact at Rasa")
    assert rasa.texts == ["+999"]
    claim = claim_of(rasa.bodies[0])
    assert claim is not None and claim.phone is None


def test_someone_elses_contact_is_refused_audited_and_not_forwarded(
    world: tuple[FakeTelegram, ScriptedRasa], engine: Engine
) -> None:
    fake, rasa = world
    fake.push(fixture("update_message_contact_other_person.json"))
    wait_for_text(fake, messages.NOT_YOUR_CONTACT)
    markup = fake.calls_of("sendMessage")[-1].params["reply_markup"]
    assert markup["keyboard"][0][0]["request_contact"] is True
    assert markup["keyboard"][0][0]["text"] == messages.SHARE_PHONE_BUTTON

    fake.push(text_update("hello"))  # updates are handled in order: this comes after
    wait_for_text(fake, "You said: hello")
    assert rasa.texts == ["hello"]
    with session_scope(engine) as session:
        refusals = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "identity.refused")
        ).all()
        assert [entry.details["reason"] for entry in refusals] == ["forwarded_contact"]


# --- What the adapter does not read -----------------------------------------------------------


def test_sticker_and_voice_get_a_polite_reply_and_edits_are_ignored(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    fake.push(other_update("message", STICKER), other_update("message", VOICE))
    fake.push(other_update("edited_message", {"text": "edited", "edit_date": 1735725700}))
    fake.push(text_update("after"))
    wait_for_text(fake, "You said: after")
    assert texts_to_user(fake) == [messages.UNSUPPORTED_MESSAGE] * 2 + ["You said: after"]
    assert rasa.texts == ["after"]


# --- Long answers, outages, repeats, flood control --------------------------------------------


def test_a_long_answer_is_split_with_the_buttons_on_the_last_piece(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    long_text = "\n".join(
        f"Payment {n}: Ksh 4,727.98 on 2026-12-{n % 28 + 1:02d}" for n in range(200)
    )
    assert len(long_text) > 4096
    buttons = [{"title": "More", "payload": "/more"}]
    rasa.script["schedule"] = [{"text": long_text, "buttons": buttons}]
    fake.push(text_update("schedule"))
    wait_for(lambda: len(texts_to_user(fake)) >= 2, timeout=5, what="two pieces")
    sent = [call.params for call in fake.calls_of("sendMessage") if call.ok]
    assert "\n".join(params["text"] for params in sent) == long_text
    assert all(len(params["text"]) <= 4096 for params in sent)
    assert "reply_markup" not in sent[0] and "reply_markup" in sent[-1]


def test_rasa_down_says_outage_once_then_answers_once_when_back(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    rasa.status = 500
    fake.push(text_update("balance?"))
    wait_for_text(fake, messages.OUTAGE)
    wait_for(lambda: len(rasa.bodies) >= 3, timeout=5, what="retries")
    rasa.status = 200
    wait_for_text(fake, "You said: balance?")
    assert texts_to_user(fake) == [messages.OUTAGE, "You said: balance?"]


def test_a_repeated_update_is_answered_once(world: tuple[FakeTelegram, ScriptedRasa]) -> None:
    fake, rasa = world
    first = text_update("once")
    again = json.loads(json.dumps(first))
    again["update_id"] = next(_ids)  # Telegram sends the message again after a lost offset
    fake.push(first, again, text_update("then"))
    wait_for_text(fake, "You said: then")
    assert rasa.texts == ["once", "then"]
    assert texts_to_user(fake) == ["You said: once", "You said: then"]


def test_flood_control_429_is_retried_and_delivered_once(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, _ = world
    flood = fixture("error_responses.json")["too_many_requests_429"]
    flood["parameters"]["retry_after"] = 1
    fake.fail_next("sendMessage", flood)
    fake.push(text_update("quick"))
    wait_for_text(fake, "You said: quick")
    attempts = [c for c in fake.calls_of("sendMessage") if c.params["text"] == "You said: quick"]
    assert [call.ok for call in attempts] == [False, True]
    assert texts_to_user(fake) == ["You said: quick"]


def test_a_piece_already_sent_is_not_sent_again_after_flood_control(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    first, second = "a" * 3000, "b" * 3000
    rasa.script["two"] = [{"text": f"{first}\n{second}"}]
    flood = fixture("error_responses.json")["too_many_requests_429"]
    flood["parameters"]["retry_after"] = 1
    fake.fail_next("sendMessage", flood, matching=lambda params: params["text"] == second)
    fake.push(text_update("two"))
    wait_for_text(fake, second)
    assert texts_to_user(fake) == [first, second]
    attempts = [call.params["text"][0] for call in fake.calls_of("sendMessage")]
    assert attempts == ["a", "b", "b"]


def test_a_user_who_blocked_the_bot_is_not_retried(
    world: tuple[FakeTelegram, ScriptedRasa],
) -> None:
    fake, rasa = world
    fake.fail_next("sendMessage", fixture("error_responses.json")["bot_blocked_by_user_403"])
    fake.push(text_update("first"), text_update("second"))
    wait_for_text(fake, "You said: second")
    assert texts_to_user(fake) == ["You said: second"]
    attempts = [c for c in fake.calls_of("sendMessage") if c.params["text"] == "You said: first"]
    assert len(attempts) == 1


# --- Charts and images ------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n" + b"fake chart" * 10


def test_chart_is_uploaded_with_a_caption_and_an_unknown_custom_is_ignored(
    telegram: tuple[FakeTelegram, str], rasa: tuple[ScriptedRasa, str], engine: Engine
) -> None:
    fake, telegram_base = telegram
    scripted, rasa_base = rasa
    asked: list[tuple[str, str, str]] = []

    def charts(to: Recipient, loan_account: str) -> bytes | None:
        asked.append((to.user_id, loan_account, to.language))
        return PNG if loan_account == "LN-29" else None

    scripted.script["chart"] = [
        {"custom": {"wazi_chart": {"loan_account": "LN-29"}}},
        {"custom": {"wazi_chart": {"loan_account": "LN-not-mine"}}},
        {"custom": {"something_else": {}}},
        {"image": "https://example.org/branch.png"},
        {"text": "done"},
    ]
    with running(config_for(telegram_base, rasa_base), engine, charts):
        fake.push(text_update("chart"))
        wait_for_text(fake, "done")
    photos = [call for call in fake.calls_of("sendPhoto") if call.ok]
    assert [list(call.files.values()) for call in photos] == [[PNG], []]
    assert photos[0].params["caption"] == messages.CHART_CAPTION
    assert photos[1].params["photo"] == "https://example.org/branch.png"
    assert asked == [(str(USER), "LN-29", "en"), (str(USER), "LN-not-mine", "en")]


def test_a_verified_client_gets_the_real_chart_of_their_own_loan_only(
    telegram: tuple[FakeTelegram, str], rasa: tuple[ScriptedRasa, str], demo_engine: Engine
) -> None:
    fake, telegram_base = telegram
    scripted, rasa_base = rasa
    with session_scope(demo_engine) as session:  # Amina Njoroge's demo record, L-1001
        person = identity_for(session, "telegram", str(USER))
        attempt = identity.verify(
            session,
            person,
            ["+254712000001"],
            dt.date(1988, 4, 12),
            dt.datetime.now(dt.UTC),
            identity.Policy(max_failures=3, lock_minutes=15),
        )
        assert attempt.outcome == identity.Outcome.VERIFIED
    scripted.script["charts"] = [
        {"custom": {"wazi_chart": {"loan_account": "L-1001"}}},
        {"custom": {"wazi_chart": {"loan_account": "L-2001"}}},  # another client's loan
        {"text": "done"},
    ]
    config = config_for(telegram_base, rasa_base, today=lambda: DEMO_TODAY)
    with running(config, demo_engine):
        fake.push(text_update("charts"))
        wait_for_text(fake, "done")
    photos = [call for call in fake.calls_of("sendPhoto") if call.ok]
    assert len(photos) == 1
    [png] = photos[0].files.values()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


# --- Lesson voice notes -----------------------------------------------------------------------

LESSON = "Riba ni gharama ya kukopa pesa. ▶ Endelea 👍"
VOICE_SCRIPT = [
    {"text": LESSON},
    {"custom": {"wazi_voice": {"text": LESSON, "language": "sw"}}},
    {"custom": {"wazi_voice": {"language": "sw"}}},  # no text: nothing to say
    {"text": "done"},
]


def test_a_lesson_voice_note_goes_as_an_ogg_opus_voice_message_without_caption(
    telegram: tuple[FakeTelegram, str],
    rasa: tuple[ScriptedRasa, str],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    spoken_voice_notes: list[tuple[str, str, bytes]],
) -> None:
    fake, telegram_base = telegram
    scripted, rasa_base = rasa
    spoken = spoken_voice_notes
    scripted.script["lesson"] = VOICE_SCRIPT
    with running(config_for(telegram_base, rasa_base), engine):
        fake.push(text_update("lesson"))
        wait_for_text(fake, "done")
    [(text, language, ogg)] = spoken
    assert (text, language) == (LESSON, "sw")
    [note] = fake.calls_of("sendVoice")
    assert note.ok and note.params["chat_id"] == USER
    assert "caption" not in note.params
    assert note.files == {"voice": ogg}
    assert is_ogg_opus(ogg) and b"OpusHead" in ogg
    methods = [call.method for call in fake.calls if call.method.startswith("send")]
    assert methods == ["sendMessage", "sendVoice", "sendMessage"]  # in the answer's order


def test_without_espeak_no_voice_note_is_sent_and_the_answer_goes_on(
    telegram: tuple[FakeTelegram, str],
    rasa: tuple[ScriptedRasa, str],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, telegram_base = telegram
    scripted, rasa_base = rasa
    monkeypatch.setenv("PATH", str(tmp_path))  # neither espeak-ng nor opusenc here
    assert not voice.available()
    scripted.script["lesson"] = VOICE_SCRIPT
    with (
        caplog.at_level(logging.WARNING, logger="bot.channels.custom"),
        running(config_for(telegram_base, rasa_base), engine),
    ):
        fake.push(text_update("lesson"))
        wait_for_text(fake, "done")
        fake.push(text_update("after"))
        wait_for_text(fake, "You said: after")
    assert fake.calls_of("sendVoice") == []
    assert texts_to_user(fake) == [LESSON, "done", "You said: after"]
    assert "No voice note: espeak-ng or opusenc is not installed" in caplog.text
    assert scripted.texts == ["lesson", "after"]  # answered once: nothing was retried


def test_a_chat_that_refuses_voice_notes_still_gets_the_rest_once(
    telegram: tuple[FakeTelegram, str], rasa: tuple[ScriptedRasa, str], engine: Engine
) -> None:
    fake, telegram_base = telegram
    scripted, rasa_base = rasa
    forbidden = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: VOICE_MESSAGES_FORBIDDEN",
    }
    fake.fail_next("sendVoice", forbidden)
    scripted.script["lesson"] = VOICE_SCRIPT
    with running(config_for(telegram_base, rasa_base), engine):
        fake.push(text_update("lesson"))
        wait_for_text(fake, "done")
    assert [call.ok for call in fake.calls_of("sendVoice")] == [False]
    assert texts_to_user(fake) == [LESSON, "done"]


def test_the_fake_refuses_a_voice_upload_that_is_not_ogg_opus(
    telegram: tuple[FakeTelegram, str],
) -> None:
    _, telegram_base = telegram
    url = f"{telegram_base}/bot{TOKEN}/sendVoice"
    wav = httpx.post(url, data={"chat_id": str(USER)}, files={"voice": ("a.wav", b"RIFF....")})
    missing = httpx.post(url, data={"chat_id": str(USER)})
    assert (wav.status_code, missing.status_code) == (400, 400)
    assert "OGG/Opus" in wav.json()["description"]
    assert missing.json()["description"] == "Bad Request: there is no voice in the request"


# --- Webhook ----------------------------------------------------------------------------------


@pytest.fixture
def hooked(
    telegram: tuple[FakeTelegram, str], rasa: tuple[ScriptedRasa, str], engine: Engine
) -> Iterator[tuple[FakeTelegram, ScriptedRasa, str]]:
    """The adapter in webhook mode; yields the fake, Rasa and the webhook's local URL."""
    fake, telegram_base = telegram
    scripted, rasa_base = rasa
    config = config_for(
        telegram_base,
        rasa_base,
        webhook_url="https://wazi.example.org/telegram/webhook",
        webhook_secret=WEBHOOK_SECRET,
        webhook_listen=("127.0.0.1", 0),
    )
    with running(config, engine) as adapter:
        yield fake, scripted, f"http://127.0.0.1:{adapter.webhook_port}"


def post(url: str, body: bytes | dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{url}/telegram/webhook", content=content, headers=headers).status_code


def test_webhook_is_registered_with_the_secret_and_delivers_updates(
    hooked: tuple[FakeTelegram, ScriptedRasa, str],
) -> None:
    fake, rasa, url = hooked
    [registered] = fake.calls_of("setWebhook")
    assert registered.params["url"] == "https://wazi.example.org/telegram/webhook"
    assert registered.params["secret_token"] == WEBHOOK_SECRET
    assert not fake.calls_of("getUpdates")
    update = text_update("via webhook")
    assert post(url, update) == 200
    assert post(url, update) == 200  # Telegram's retry of the same update
    wait_for_text(fake, "You said: via webhook")
    assert rasa.texts == ["via webhook"]
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}


def test_webhook_refuses_a_wrong_or_missing_secret(
    hooked: tuple[FakeTelegram, ScriptedRasa, str],
) -> None:
    fake, rasa, url = hooked
    assert post(url, text_update("forged"), secret=None) == 403
    assert post(url, text_update("forged"), secret="FAKE_wrong_token") == 403
    assert post(url, text_update("real")) == 200
    wait_for_text(fake, "You said: real")
    assert rasa.texts == ["real"]


def test_webhook_answers_bad_input_with_4xx_or_a_polite_reply(
    hooked: tuple[FakeTelegram, ScriptedRasa, str],
) -> None:
    fake, rasa, url = hooked
    assert post(url, b'{"update_id": 1, "message": ') == 400  # malformed JSON
    assert post(url, b"\xff\xfe not utf-8") == 400
    assert post(url, b"[1, 2, 3]") == 400  # JSON, but not an object
    assert post(url, {"message": {"text": "no update_id"}}) == 400
    assert post(url, {"update_id": 5, "message": {"text": "no chat"}}) == 400
    big = text_update("x" * (2 * 1024 * 1024))
    assert post(url, big) == 413
    assert post(url, {"update_id": next(_ids), "business_poll": {"id": "1"}}) == 200  # ignored
    assert post(url, other_update("message", STICKER)) == 200
    wait_for_text(fake, messages.UNSUPPORTED_MESSAGE)
    assert post(url, text_update("still fine")) == 200
    wait_for_text(fake, "You said: still fine")
    assert rasa.texts == ["still fine"]
    assert texts_to_user(fake) == [messages.UNSUPPORTED_MESSAGE, "You said: still fine"]


def test_a_wrong_token_stops_the_start(
    telegram: tuple[FakeTelegram, str], rasa: tuple[ScriptedRasa, str], engine: Engine
) -> None:
    fake, telegram_base = telegram
    config = config_for(telegram_base, rasa[1], token="654321:WRONG-token")
    with pytest.raises(InvalidToken), running(config, engine):
        pass
    assert fake.calls == []  # the fake answered 401 before recording anything


# --- As a process -----------------------------------------------------------------------------


def _environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAZI_")}
    env.update(values)
    return env


def test_the_module_refuses_to_start_without_a_channel_secret(tmp_path: Any) -> None:
    env = _environment(WAZI_TELEGRAM_TOKEN=TOKEN, WAZI_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "bot.channels.telegram"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "wazi telegram: bad setting WAZI_CHANNEL_SECRET: not set; the actions would trust no "
        "Telegram user"
    ]


def test_the_module_runs_as_a_process_and_stops_on_sigterm(
    telegram: tuple[FakeTelegram, str], rasa: tuple[ScriptedRasa, str], migrated_url: str
) -> None:
    fake, telegram_base = telegram
    _, rasa_base = rasa
    env = _environment(
        WAZI_TELEGRAM_TOKEN=TOKEN,
        WAZI_TELEGRAM_API_URL=f"{telegram_base}/bot",
        WAZI_RASA_URL=rasa_base,
        WAZI_CHANNEL_SECRET=SECRET.decode(),
        WAZI_DATABASE_URL=migrated_url,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.channels.telegram"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        fake.push(text_update("from a process"))
        wait_for_text(fake, "You said: from a process")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert process.returncode == 0, stderr.decode()[-2000:]
