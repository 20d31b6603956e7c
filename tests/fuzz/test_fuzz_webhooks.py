"""Fuzzing the webhook parsers: WhatsApp (payload, signature, handshake, the adapter's body
handling) and Telegram (Update readers, the webhook's body handling, message splitting).

The contract of each: a valid result or the parser's own error with a message; for the HTTP
endpoints, a 2xx or a 4xx, never an unhandled exception (the apps run with ``testing`` on, so
an exception in a view reaches the test instead of becoming a 500).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import assume, given
from hypothesis import strategies as st
from telegram import Update

from bot.channels.telegram_format import (
    PayloadStore,
    command_of,
    shared_phone,
    split_message,
    text_of_callback,
    utf16_length,
)
from bot.channels.whatsapp_format import (
    Delivery,
    IncomingMessage,
    StatusUpdate,
    WebhookError,
    parse_webhook,
    verification_response,
    verify_signature,
)
from bot.settings import PROJECT_ROOT
from tests.fuzz.conftest import (
    FUZZ,
    NASTY_INT,
    NASTY_TEXT,
    TELEGRAM_SECRET,
    VERIFY_TOKEN,
    WHATSAPP_MAX_BODY,
    mutated,
    post_signed,
    post_update,
)

WHATSAPP = PROJECT_ROOT / "tests" / "fixtures" / "whatsapp"
TELEGRAM = PROJECT_ROOT / "tests" / "fixtures" / "telegram"
WHATSAPP_SAMPLES = {
    p.name: json.loads(p.read_text("utf-8")) for p in WHATSAPP.glob("webhook_*.json")
}
WHATSAPP_PAYLOADS = {
    name: sample for name, sample in WHATSAPP_SAMPLES.items() if "object" in sample
}
TELEGRAM_UPDATES = {
    p.name: json.loads(p.read_text("utf-8")) for p in TELEGRAM.glob("update_*.json")
}


def read_or_refused(payload: object) -> Delivery | None:
    """``parse_webhook`` under its contract: a Delivery of well-formed items, or a WebhookError
    with a message; any other exception fails the test."""
    try:
        delivery = parse_webhook(payload)
    except WebhookError as error:
        assert str(error)
        return None
    assert isinstance(delivery, Delivery)
    for message in delivery.messages:
        assert isinstance(message, IncomingMessage)
        assert message.sender.startswith("+") and message.sender[1:].isdigit()
        assert message.timestamp.tzinfo is not None
    for status in delivery.statuses:
        assert isinstance(status, StatusUpdate)
        assert status.recipient.startswith("+") and status.recipient[1:].isdigit()
    return delivery


# --- WhatsApp: parse_webhook -------------------------------------------------------------------


def test_every_whatsapp_payload_sample_is_read() -> None:
    assert len(WHATSAPP_PAYLOADS) >= 10
    for sample in WHATSAPP_PAYLOADS.values():
        assert read_or_refused(copy.deepcopy(sample)) is not None


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(WHATSAPP_PAYLOADS)))
def test_a_whatsapp_sample_with_several_structural_mutations_is_read_or_refused(
    data: st.DataObject, name: str
) -> None:
    read_or_refused(data.draw(mutated(WHATSAPP_PAYLOADS[name], rounds=5)))


def _message_or_status(payload: dict[str, Any]) -> dict[str, Any]:
    value = payload["entry"][0]["changes"][0]["value"]
    return (value.get("messages") or value["statuses"])[0]


@FUZZ
@given(
    name=st.sampled_from(sorted(WHATSAPP_PAYLOADS)),
    field=st.sampled_from(["timestamp", "from", "recipient_id", "id", "type"]),
    value=NASTY_TEXT | st.text() | st.integers().map(str) | NASTY_INT.map(str),
)
def test_odd_timestamps_numbers_and_ids_in_a_whatsapp_sample_are_read_or_refused(
    name: str, field: str, value: str
) -> None:
    payload = copy.deepcopy(WHATSAPP_PAYLOADS[name])
    _message_or_status(payload)[field] = value
    read_or_refused(payload)


@FUZZ
@given(
    name=st.sampled_from(sorted(WHATSAPP_PAYLOADS)),
    depth=st.integers(1, 3000),
    wrapper=st.sampled_from(["list", "dict"]),
)
def test_deeply_nested_values_in_a_whatsapp_sample_are_read_or_refused(
    name: str, depth: int, wrapper: str
) -> None:
    payload = copy.deepcopy(WHATSAPP_PAYLOADS[name])
    nested: Any = "x"
    for _ in range(depth):
        nested = [nested] if wrapper == "list" else {"text": nested, "body": nested}
    _message_or_status(payload)["text"] = nested
    _message_or_status(payload)["errors"] = nested
    read_or_refused(payload)


@FUZZ
@given(
    name=st.sampled_from(sorted(WHATSAPP_PAYLOADS)),
    copies=st.integers(1, 50),
    text=st.text(max_size=5000),
)
def test_many_entries_and_any_unicode_text_are_all_read(name: str, copies: int, text: str) -> None:
    payload = copy.deepcopy(WHATSAPP_PAYLOADS[name])
    item = _message_or_status(payload)
    if "text" in item:
        item["text"]["body"] = text
    expected = read_or_refused(copy.deepcopy(payload))
    assert expected is not None
    payload["entry"] = payload["entry"] * copies
    delivery = read_or_refused(payload)
    assert delivery is not None
    assert len(delivery.messages) == copies * len(expected.messages)
    assert len(delivery.statuses) == copies * len(expected.statuses)
    if "text" in item:
        assert {m.text for m in delivery.messages} == {text}


# --- WhatsApp: signature and handshake --------------------------------------------------------


@FUZZ
@given(secret=st.binary(max_size=64), body=st.binary(max_size=256), header=st.none() | st.text())
def test_any_signature_header_is_a_yes_or_no_and_yes_only_for_the_true_hmac(
    secret: bytes, body: bytes, header: str | None
) -> None:
    answer = verify_signature(secret, body, header)
    assert answer is True or answer is False
    if answer:
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        assert header is not None and header.strip().lower().endswith(expected)


@FUZZ
@given(
    secret=st.binary(min_size=1, max_size=64),
    body=st.binary(max_size=256),
    prefix=st.sampled_from(["sha256=", "SHA256=", "sha1=", "", "sha256= "]),
    case=st.sampled_from([str.lower, str.upper]),
    suffix=st.sampled_from(["", " ", "\n", "0", "\u00a0"]),
)
def test_a_signature_header_verifies_only_with_the_sha256_prefix(
    secret: bytes, body: bytes, prefix: str, case: Any, suffix: str
) -> None:
    digest = case(hmac.new(secret, body, hashlib.sha256).hexdigest())
    answer = verify_signature(secret, body, prefix + digest + suffix)
    assert answer is (prefix in ("sha256=", "sha256= ") and suffix in ("", " ", "\n", "\u00a0"))


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge"]) | st.text(max_size=8),
        st.text(max_size=40) | NASTY_TEXT,
    ),
    token=st.text(max_size=20) | st.just(VERIFY_TOKEN),
)
def test_the_handshake_answers_any_query_with_200_and_the_challenge_or_403_and_a_reason(
    query: dict[str, str], token: str
) -> None:
    try:
        status, body = verification_response(query, token)
    except UnicodeEncodeError:
        # A lone surrogate cannot reach here over HTTP (Werkzeug decodes the query string
        # with replacement), but compare_digest needs the text encodable: assert that only
        # such text is refused this way.
        assert any("\ud800" <= c <= "\udfff" for c in query.get("hub.verify_token", "") + token)
        return
    matches = (
        query.get("hub.mode") == "subscribe"
        and bool(token)
        and query.get("hub.verify_token") == token
        and bool(query.get("hub.challenge"))
    )
    if matches:
        assert (status, body) == (200, query["hub.challenge"])
    else:
        assert status == 403 and body


# --- WhatsApp: the adapter's body handling ----------------------------------------------------


def _status_for(body: bytes) -> int:
    """What the adapter must answer a signed body of at most ``max_body`` bytes."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return 400
    return 200 if read_or_refused(payload) is not None else 400


@FUZZ
@given(body=st.binary(max_size=512))
def test_any_signed_raw_body_is_answered_200_or_400(whatsapp_app: Flask, body: bytes) -> None:
    assert post_signed(whatsapp_app, body) == _status_for(body)


@FUZZ
@given(
    data=st.data(),
    name=st.sampled_from(sorted(WHATSAPP_PAYLOADS)),
    cut=st.integers(0, 2000),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-32", "latin-1"]),
)
def test_signed_samples_truncated_reencoded_or_mutated_are_answered_200_or_400(
    whatsapp_app: Flask, data: st.DataObject, name: str, cut: int, encoding: str
) -> None:
    payload = data.draw(mutated(WHATSAPP_PAYLOADS[name]))
    text = json.dumps(payload, ensure_ascii=data.draw(st.booleans()))
    body = text.encode(encoding, errors="replace")
    if data.draw(st.booleans()):
        body = body[:cut]
    assert post_signed(whatsapp_app, body) == _status_for(body)


@pytest.mark.parametrize(
    "body",
    [b"[" * 20_000, b'{"a":' * 10_000, b"1" * 5000, b"1e999999", b"\xef\xbb\xbf{}", b"NaN"],
)
def test_pathological_json_bodies_are_answered_400(whatsapp_app: Flask, body: bytes) -> None:
    assert post_signed(whatsapp_app, body) == 400


def test_a_body_over_the_limit_is_answered_413(whatsapp_app: Flask) -> None:
    assert post_signed(whatsapp_app, b" " * (WHATSAPP_MAX_BODY + 1)) == 413


# --- Telegram: reading Updates ----------------------------------------------------------------


@st.composite
def same_type_as(draw: st.DrawFn, value: Any) -> Any:
    """Any value of the type Telegram documents for a field: the Bot API fixes the types, and
    python-telegram-bot's ``de_json`` does not check them, so only the values are fuzzed."""
    if isinstance(value, bool):
        return draw(st.booleans())
    if isinstance(value, int):
        return draw(st.integers(-(2**52), 2**52) | st.sampled_from([0, -1, 1, 2**31]))
    if isinstance(value, str):
        return draw(
            st.text(max_size=80) | NASTY_TEXT | st.just("/start") | st.just("p:" + "A" * 24)
        )
    return value


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, (*path, index))
    else:
        yield path, value


OPTIONAL_KEYS = {"entities", "contact", "user_id", "data", "text", "last_name", "username"}
# The samples python-telegram-bot reads as they are (the two from Telegram's webhook guide
# abridge the users, leaving out the required is_bot); all of them go to the webhook below.
READABLE_UPDATES = sorted(name for name in TELEGRAM_UPDATES if "official" not in name)


@st.composite
def telegram_update(draw: st.DrawFn) -> dict[str, Any]:
    """A Telegram sample with some values changed (types kept) and optional fields dropped."""
    update = copy.deepcopy(TELEGRAM_UPDATES[draw(st.sampled_from(READABLE_UPDATES))])
    leaves = [(path, value) for path, value in _leaves(update) if path[-1] != "date"]
    for path, value in draw(st.lists(st.sampled_from(leaves), max_size=6)):
        *parents, last = path
        container = update
        for key in parents:
            container = container[key]
        container[last] = draw(same_type_as(value))
    for container in (c for c in _containers_of(update) if isinstance(c, dict)):
        for key in sorted(set(container) & OPTIONAL_KEYS):
            if key == "text" and "message_id" not in container:
                continue  # a button's text is required
            if draw(st.integers(0, 4)) == 0:
                del container[key]
    return update


def _containers_of(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value, *(c for child in value.values() for c in _containers_of(child))]
    if isinstance(value, list):
        return [c for child in value for c in _containers_of(child)]
    return []


def test_the_telegram_samples_include_commands_contacts_and_button_presses() -> None:
    names = " ".join(READABLE_UPDATES)
    for name in READABLE_UPDATES:
        assert isinstance(Update.de_json(copy.deepcopy(TELEGRAM_UPDATES[name]), None), Update)
    for kind in ("start", "contact", "callback_query", "text"):
        assert kind in names


@FUZZ
@given(data=telegram_update(), bot_username=st.none() | st.text(max_size=20) | NASTY_TEXT)
def test_the_telegram_update_readers_give_their_documented_answers_for_any_values(
    data: dict[str, Any], bot_username: str | None
) -> None:
    update = Update.de_json(data, None)
    phone = shared_phone(update)
    assert phone is None or (phone.startswith("+") and phone == phone.strip())
    command = command_of(update, bot_username)
    if command is not None:
        name, argument = command
        assert name in {"start", "help", "language", "stop"}
        assert argument is None or (argument and argument == argument.strip())
    store = PayloadStore()
    pressed = text_of_callback(update, store)
    if update.callback_query is None:
        assert pressed is None
    else:
        assert pressed is not None and pressed[0] == update.callback_query.id
        data_ = update.callback_query.data
        expected = None if not data_ or data_.startswith("p:") else data_
        assert pressed[1] == expected


COMMAND_PIECES = st.sampled_from(
    ["/", "start", "help", "stop", "language", "@", "demo_mfi_bot", " ", "lang_sw", "💰", "é", "\n"]
)


@FUZZ
@given(
    pieces=st.lists(COMMAND_PIECES | st.text(max_size=3), min_size=1, max_size=8),
    offset=st.integers(0, 3),
    length=st.integers(0, 12),
    bot_username=st.none() | st.sampled_from(["demo_mfi_bot", "@other_bot"]),
)
def test_a_bot_command_entity_anywhere_over_any_text_gives_a_command_or_none(
    pieces: list[str], offset: int, length: int, bot_username: str | None
) -> None:
    data = copy.deepcopy(TELEGRAM_UPDATES["update_message_start_command.json"])
    data["message"]["text"] = "".join(pieces)
    data["message"]["entities"] = [{"offset": offset, "length": length, "type": "bot_command"}]
    command = command_of(Update.de_json(data, None), bot_username)
    if command is not None:  # the entity is trusted to mark a command: only its place is checked
        assert offset == 0 and command[0] in {"start", "help", "language", "stop"}
        assert data["message"]["text"][1:].lower().startswith(command[0])


@FUZZ
@given(body=st.binary(max_size=512))
def test_any_raw_body_to_the_telegram_webhook_is_answered_200_or_400(
    telegram_app: Flask, body: bytes
) -> None:
    assert post_update(telegram_app, body) in (200, 400)


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(TELEGRAM_UPDATES)), cut=st.integers(0, 400))
def test_mutated_or_truncated_telegram_updates_are_answered_200_or_400(
    telegram_app: Flask, data: st.DataObject, name: str, cut: int
) -> None:
    update = data.draw(mutated(TELEGRAM_UPDATES[name], rounds=4))
    body = json.dumps(update).encode()
    if data.draw(st.booleans()):
        body = body[:cut]
    status = post_update(telegram_app, body)
    assert status in (200, 400)
    if status == 200:
        assert isinstance(json.loads(body), dict)


@FUZZ
@given(
    body=st.binary(max_size=64),
    secret=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30),
)
def test_the_telegram_webhook_refuses_any_other_secret_with_403(
    telegram_app: Flask, body: bytes, secret: str
) -> None:
    assume(secret != TELEGRAM_SECRET)
    assert post_update(telegram_app, body, secret) == 403


@FUZZ
@given(text=st.text(max_size=600), limit=st.integers(2, 120))
def test_any_text_is_split_into_nonblank_pieces_within_the_limit_keeping_every_character(
    text: str, limit: int
) -> None:
    pieces = split_message(text, limit)
    assert all(piece.strip() and utf16_length(piece) <= limit for piece in pieces)
    # The docstring: pieces join back with "\n" when no line is over the limit and no piece
    # would be blank; otherwise only whitespace at the cuts and blank pieces may go.
    assert "".join("".join(pieces).split()) == "".join(text.split())
    lines = text.split("\n")
    if all(utf16_length(line) <= limit for line in lines) and all(line.strip() for line in lines):
        assert "\n".join(pieces) == text


@FUZZ
@given(
    name=st.sampled_from(sorted(TELEGRAM_UPDATES)),
    data=st.data(),
    number=NASTY_INT | st.integers() | st.floats(allow_nan=False),
)
def test_telegram_updates_with_any_number_in_any_numeric_field_are_answered_200_or_400(
    telegram_app: Flask, name: str, data: st.DataObject, number: float
) -> None:
    update = copy.deepcopy(TELEGRAM_UPDATES[name])
    numeric = [
        path
        for path, value in _leaves(update)
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    *parents, last = data.draw(st.sampled_from(numeric))
    container = update
    for key in parents:
        container = container[key]
    container[last] = number
    assert post_update(telegram_app, json.dumps(update).encode()) in (200, 400)


@pytest.mark.parametrize(
    "body",
    [b"[" * 20_000, b'{"a":' * 10_000, b"1" * 5000, b"1e999999", b"NaN", b"\xef\xbb\xbf{}"],
)
def test_pathological_json_bodies_to_the_telegram_webhook_are_answered_400(
    telegram_app: Flask, body: bytes
) -> None:
    assert post_update(telegram_app, body) == 400
