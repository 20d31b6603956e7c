"""WhatsApp Cloud API formatting, checked against Meta's published samples and limits."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from bot.channels.whatsapp_format import (
    INTERACTIVE_BODY_MAX,
    LIST_BUTTON_MAX,
    LIST_ROWS_MAX,
    REPLY_BUTTONS_MAX,
    REPLY_ID_MAX,
    REPLY_TITLE_MAX,
    ROW_DESCRIPTION_MAX,
    ROW_ID_MAX,
    ROW_TITLE_MAX,
    TEXT_BODY_MAX,
    Delivery,
    WebhookError,
    currency_parameter,
    fit,
    outgoing_messages,
    parse_webhook,
    split_text,
    template_message,
    verification_response,
    verify_signature,
)
from bot.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "whatsapp"
SHEENA = "+16505551234"
TODAY = dt.date(2026, 11, 25)
LANGUAGES = ("en", "sw", "fr", "es", "hi")


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def only_message(name: str):
    delivery = parse_webhook(load(name))
    assert delivery.statuses == []
    (message,) = delivery.messages
    return message


def only_status(name: str):
    delivery = parse_webhook(load(name))
    assert delivery.messages == []
    (status,) = delivery.statuses
    return status


def with_recipient(request: dict[str, Any], to: str = "16505551234") -> dict[str, Any]:
    return {**request, "to": to}


# --- Signature and handshake --------------------------------------------------------------------


@pytest.fixture
def signed() -> dict[str, Any]:
    return load("webhook_signature_example.json")


def test_the_published_signature_verifies(signed) -> None:
    secret, body = signed["fake_app_secret"].encode(), signed["raw_body"].encode()
    assert verify_signature(secret, body, signed["expected_header_value"])


def test_a_tampered_body_or_secret_fails(signed) -> None:
    secret, body = signed["fake_app_secret"].encode(), signed["raw_body"].encode()
    header = signed["expected_header_value"]
    assert not verify_signature(secret, body.replace(b"color", b"colour"), header)
    assert not verify_signature(b"another_secret", body, header)
    assert not verify_signature(b"", body, header)
    reserialised = json.dumps(json.loads(body), indent=1).encode()  # same JSON, other bytes
    assert not verify_signature(secret, reserialised, header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=6ea43c83",
        "sha256=" + "z" * 64,
        "sha1=6ea43c83b5052caed4be59248a2aaa9599e87f5f79e40e6c1f992b93f49fad99",
        "6ea43c83b5052caed4be59248a2aaa9599e87f5f79e40e6c1f992b93f49fad99",
        "sha256=7ea43c83b5052caed4be59248a2aaa9599e87f5f79e40e6c1f992b93f49fad99",
    ],
)
def test_missing_malformed_or_wrong_headers_fail(signed, header) -> None:
    secret, body = signed["fake_app_secret"].encode(), signed["raw_body"].encode()
    assert not verify_signature(secret, body, header)


@given(secret=st.binary(min_size=1, max_size=64), body=st.binary(max_size=512))
def test_any_body_verifies_with_its_own_signature_only(secret: bytes, body: bytes) -> None:
    header = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert verify_signature(secret, body, header)
    assert not verify_signature(secret, body + b" ", header)


def test_the_handshake_echoes_the_challenge_when_the_token_matches() -> None:
    sample = load("webhook_verification_get.json")
    query = sample["request"]["query"]
    expected = sample["expected_response_when_token_matches"]
    assert verification_response(query, "meatyhamhock") == (expected["status"], expected["body"])
    status, message = verification_response(query, "another-token")
    assert status == sample["expected_response_when_token_mismatch"]["status"]
    assert message and "1158201444" not in message


@pytest.mark.parametrize(
    ("query", "token"),
    [
        ({"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": "t"}, "t"),
        ({"hub.challenge": "1", "hub.verify_token": "t"}, "t"),
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, "t"),
        ({"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""}, ""),
        ({"hub.mode": "subscribe", "hub.verify_token": "t"}, "t"),
        ({"hub_mode": "subscribe", "hub_challenge": "1", "hub_verify_token": "t"}, "t"),
    ],
)
def test_the_handshake_is_refused_otherwise(query, token) -> None:
    status, message = verification_response(query, token)
    assert status == 403 and message


# --- Reading webhooks ---------------------------------------------------------------------------


def test_a_text_message() -> None:
    message = only_message("webhook_message_text.json")
    assert message.message_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
    assert message.sender == SHEENA
    assert message.timestamp == dt.datetime(2025, 6, 8, 20, 59, 43, tzinfo=dt.UTC)
    assert (message.type, message.original_type) == ("text", "text")
    assert message.text == message.rasa_text == "Does it come in another color?"
    assert message.profile_name == "Sheena Nelson"
    assert message.reply_id is None and message.context_id is None


def test_the_signed_body_reads_like_the_text_sample(signed) -> None:
    assert parse_webhook(json.loads(signed["raw_body"])) == parse_webhook(
        load("webhook_message_text.json")
    )


@pytest.mark.parametrize(
    ("name", "kind", "reply_id", "title"),
    [
        ("webhook_interactive_button_reply.json", "button_reply", "cancel-button", "Cancel"),
        (
            "webhook_interactive_list_reply.json",
            "list_reply",
            "priority_express",
            "Priority Mail Express",
        ),
        ("webhook_template_quick_reply_button.json", "button", "Unsubscribe", "Unsubscribe"),
    ],
)
def test_taps_carry_the_reply_id_for_rasa(name, kind, reply_id, title) -> None:
    message = only_message(name)
    assert message.type == kind
    assert message.reply_id == message.rasa_text == reply_id
    assert message.reply_title == title
    assert message.context_id and message.context_id.startswith("wamid.")
    assert message.sender == SHEENA


def test_a_shared_contact_card() -> None:
    message = only_message("webhook_message_contacts.json")
    assert message.type == "contacts" and message.rasa_text is None
    (card,) = message.contacts
    assert (card.name, card.phone, card.wa_id) == (
        "Lucía Gómez",
        "+1 (983) 555-2319",
        "19835552319",
    )


def test_an_unsupported_message_keeps_its_error_code() -> None:
    message = only_message("webhook_message_unsupported_131051.json")
    assert message.type == "unsupported"
    assert message.error_codes == (131051,)
    assert message.rasa_text is None


def test_a_changed_number_system_message() -> None:
    message = only_message("webhook_system_user_changed_number.json")
    assert message.type == "system"
    assert message.system_type == "user_changed_number"
    assert message.sender == SHEENA and message.new_number == "+12195555358"
    assert message.profile_name is None  # this sample has no value.contacts


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_status_updates(status) -> None:
    update = only_status(f"webhook_status_{status}.json")
    assert update.status == status
    assert update.message_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA"
    assert update.recipient == SHEENA
    assert update.timestamp.tzinfo is dt.UTC
    assert update.error_code is None and update.error_title is None


def test_a_failed_status_outside_the_24_hour_window() -> None:
    update = only_status("webhook_status_failed_131047.json")
    assert (update.status, update.error_code) == ("failed", 131047)
    assert update.error_title == "Re-engagement message"
    assert update.error_details and "24 hours" in update.error_details
    assert update.timestamp == dt.datetime.fromtimestamp(1708603746, tz=dt.UTC)


def test_every_webhook_sample_reads_to_exactly_one_item() -> None:
    names = sorted(
        p.name
        for p in FIXTURES.glob("webhook_*.json")
        if p.name not in {"webhook_signature_example.json", "webhook_verification_get.json"}
    )
    assert len(names) == 11
    for name in names:
        delivery = parse_webhook(load(name))
        assert len(delivery.messages) + len(delivery.statuses) == 1, name


def test_other_webhook_fields_are_skipped() -> None:
    payload = load("webhook_message_text.json")
    payload["entry"][0]["changes"][0]["field"] = "account_update"
    payload["entry"][0]["changes"][0]["value"] = {"event": "VERIFIED_ACCOUNT"}
    assert parse_webhook(payload) == Delivery()


@pytest.mark.parametrize("kind", ["image", "audio", "location", "reaction", "sticker", "order"])
def test_message_types_wazi_cannot_read_are_unsupported(kind) -> None:
    payload = load("webhook_message_text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = kind
    message[kind] = {"id": "media-1"}
    (read,) = parse_webhook(payload).messages
    assert (read.type, read.original_type) == ("unsupported", kind)
    assert read.sender == SHEENA and read.rasa_text is None


def test_an_unknown_interactive_reply_is_unsupported() -> None:
    payload = load("webhook_interactive_button_reply.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["interactive"] = {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}
    (read,) = parse_webhook(payload).messages
    assert (read.type, read.original_type) == ("unsupported", "interactive")


def _text_payload_with(change) -> dict[str, Any]:
    payload = load("webhook_message_text.json")
    change(payload)
    return payload


def _message_of(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["entry"][0]["changes"][0]["value"]["messages"][0]


MALFORMED = {
    "a list": ([], "payload must be a JSON object"),
    "a string": ("hello", "payload must be a JSON object"),
    "null": (None, "payload must be a JSON object"),
    "no object": ({"entry": []}, "payload has no 'object'"),
    "another object": ({"object": "page", "entry": []}, "'page'"),
    "no entry": ({"object": "whatsapp_business_account"}, "payload has no 'entry'"),
    "entry not a list": (
        {"object": "whatsapp_business_account", "entry": {}},
        "payload.entry must be a list",
    ),
    "entry item not an object": (
        {"object": "whatsapp_business_account", "entry": [3]},
        "entry[0] must be a JSON object",
    ),
    "no changes": (
        {"object": "whatsapp_business_account", "entry": [{"id": "1"}]},
        "entry[0] has no 'changes'",
    ),
    "no field": (
        _text_payload_with(lambda p: p["entry"][0]["changes"][0].pop("field")),
        "entry[0].changes[0] has no 'field'",
    ),
    "value not an object": (
        _text_payload_with(lambda p: p["entry"][0]["changes"][0].update(value="x")),
        "entry[0].changes[0].value must be a JSON object",
    ),
    "messages not a list": (
        _text_payload_with(
            lambda p: p["entry"][0]["changes"][0]["value"].update(messages={"id": "x"})
        ),
        "value.messages must be a list",
    ),
    "message without id": (
        _text_payload_with(lambda p: _message_of(p).pop("id")),
        "messages[0] has no 'id'",
    ),
    "sender a number": (
        _text_payload_with(lambda p: _message_of(p).update({"from": 16505551234})),
        "messages[0].from must be a string",
    ),
    "sender not a phone number": (
        _text_payload_with(lambda p: _message_of(p).update({"from": "sheena"})),
        "messages[0].from is not a phone number",
    ),
    "timestamp not seconds": (
        _text_payload_with(lambda p: _message_of(p).update(timestamp="2025-06-08")),
        "messages[0].timestamp must be Unix seconds",
    ),
    "text without body": (
        _text_payload_with(lambda p: _message_of(p).update(text={})),
        "messages[0] has no 'body'",
    ),
    "text not an object": (
        _text_payload_with(lambda p: _message_of(p).update(text="hi")),
        "messages[0].text must be a JSON object",
    ),
}


@pytest.mark.parametrize(("payload", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_payloads_raise_a_webhook_error(payload, expected) -> None:
    with pytest.raises(WebhookError, match=expected.replace("[", r"\[").replace(".", r"\.")):
        parse_webhook(payload)


def test_malformed_replies_and_statuses_raise_a_webhook_error() -> None:
    reply = load("webhook_interactive_button_reply.json")
    del _message_of(reply)["interactive"]["button_reply"]["id"]
    with pytest.raises(WebhookError, match="button_reply has no 'id'"):
        parse_webhook(reply)
    failed = load("webhook_status_failed_131047.json")
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]["code"] = "131047"
    with pytest.raises(WebhookError, match=r"errors\[0\]\.code must be an integer"):
        parse_webhook(failed)
    status = load("webhook_status_read.json")
    del status["entry"][0]["changes"][0]["value"]["statuses"][0]["recipient_id"]
    with pytest.raises(WebhookError, match=r"statuses\[0\] has no 'recipient_id'"):
        parse_webhook(status)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
SAMPLES = [
    "webhook_message_text.json",
    "webhook_interactive_button_reply.json",
    "webhook_message_contacts.json",
    "webhook_system_user_changed_number.json",
    "webhook_status_failed_131047.json",
]


def _containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict | list):
        yield value
        for child in value.values() if isinstance(value, dict) else value:
            yield from _containers(child)


@settings(max_examples=300)
@given(name=st.sampled_from(SAMPLES), data=st.data(), junk=JSON)
def test_any_damage_to_a_sample_is_read_or_reported_never_crashes(name, data, junk) -> None:
    payload = load(name)
    container = data.draw(st.sampled_from(list(_containers(payload))))
    if isinstance(container, dict):
        key = data.draw(st.sampled_from(sorted(container)))
        if data.draw(st.booleans()):
            del container[key]
        else:
            container[key] = junk
    elif container:
        container[data.draw(st.integers(0, len(container) - 1))] = junk
    try:
        assert isinstance(parse_webhook(payload), Delivery)
    except WebhookError as error:
        assert str(error)


@given(junk=JSON)
def test_any_json_value_is_read_or_reported_never_crashes(junk) -> None:
    with contextlib.suppress(WebhookError):
        parse_webhook(junk)


# --- Sending ------------------------------------------------------------------------------------


def test_a_short_text_is_one_text_message_like_the_sample() -> None:
    sample = load("send_text_request.json")
    sent = outgoing_messages(SHEENA, "text-message-content", [])
    assert sent == [with_recipient(sample)]


def test_a_long_text_is_split_between_lines_within_the_limit() -> None:
    lines = [f"{n:03d}. " + "x" * 95 for n in range(100)]  # 100 lines of 100 characters
    sent = outgoing_messages(SHEENA, "\n".join(lines), [])
    bodies = [m["text"]["body"] for m in sent]
    assert len(bodies) == 3
    assert all(len(b) <= TEXT_BODY_MAX for b in bodies)
    assert [len(b.split("\n")) for b in bodies] == [40, 40, 20]
    assert "\n".join(bodies) == "\n".join(lines)


def test_an_empty_reply_sends_nothing() -> None:
    assert outgoing_messages(SHEENA, " \n ", []) == []


def test_two_buttons_make_a_reply_buttons_message_like_the_sample() -> None:
    sample = load("send_interactive_reply_buttons_request.json")
    buttons = [
        {"title": b["reply"]["title"], "payload": b["reply"]["id"]}
        for b in sample["interactive"]["action"]["buttons"]
    ]
    sent = outgoing_messages(SHEENA, sample["interactive"]["body"]["text"], buttons)
    assert sent == [with_recipient(sample)]


def test_three_buttons_match_the_filled_sample() -> None:
    sample = load("send_interactive_reply_buttons_filled.json")
    del sample["interactive"]["footer"]
    buttons = [
        {"title": b["reply"]["title"], "payload": b["reply"]["id"]}
        for b in sample["interactive"]["action"]["buttons"]
    ]
    sent = outgoing_messages("16505551234", sample["interactive"]["body"]["text"], buttons)
    assert sent == [sample]


def test_four_buttons_make_one_list_like_the_sample() -> None:
    sample = load("send_interactive_list_request.json")
    action = sample["interactive"]["action"]
    rows = [row for section in action["sections"] for row in section["rows"]]
    buttons = [
        {"title": r["title"], "payload": r["id"], "description": r["description"]} for r in rows
    ]
    expected = copy.deepcopy(sample)
    del expected["interactive"]["header"], expected["interactive"]["footer"]
    expected["interactive"]["action"]["sections"] = [{"rows": rows}]
    sent = outgoing_messages(
        SHEENA, sample["interactive"]["body"]["text"], buttons, list_button=action["button"]
    )
    assert sent == [with_recipient(expected)]


def test_long_titles_are_cut_with_an_ellipsis() -> None:
    buttons = [{"title": "Talk to a loan officer now", "payload": "/request_human"}]
    (sent,) = outgoing_messages(SHEENA, "Need help?", buttons)
    title = sent["interactive"]["action"]["buttons"][0]["reply"]["title"]
    assert title == "Talk to a loan offi…" and len(title) == REPLY_TITLE_MAX


def test_cut_list_titles_keep_the_full_title_in_the_description() -> None:
    long = "Cost of my loan, with every fee"  # 31 characters
    buttons = [{"title": long, "payload": f"/p{n}"} for n in range(4)]
    (sent,) = outgoing_messages(SHEENA, "Pick one", buttons, list_button="Choose an option please")
    action = sent["interactive"]["action"]
    assert action["button"] == "Choose an option pl…"
    row = action["sections"][0]["rows"][0]
    assert row["title"] == "Cost of my loan, with e…" and len(row["title"]) == ROW_TITLE_MAX
    assert row["description"] == long


def test_titles_cut_to_the_same_text_are_numbered() -> None:
    buttons = [
        {"title": "Loan L-5001 (UGX 1,000,000)", "payload": "/a"},
        {"title": "Loan L-5001 (UGX 1,500,000)", "payload": "/b"},
    ]
    (sent,) = outgoing_messages(SHEENA, "Which loan?", buttons)
    titles = [b["reply"]["title"] for b in sent["interactive"]["action"]["buttons"]]
    assert titles == ["Loan L-5001 (UGX 1,…", "Loan L-5001 (UGX… 2"]


def test_more_than_ten_buttons_make_several_balanced_lists() -> None:
    buttons = [{"title": f"Option {n}", "payload": f"/option_{n}"} for n in range(23)]
    sent = outgoing_messages(SHEENA, "Pick one", buttons)
    rows = [m["interactive"]["action"]["sections"][0]["rows"] for m in sent]
    assert [len(r) for r in rows] == [8, 8, 7]
    assert [row["id"] for r in rows for row in r] == [b["payload"] for b in buttons]
    assert [m["interactive"]["body"]["text"] for m in sent] == [
        "Pick one\n(1/3)",
        "Pick one\n(2/3)",
        "Pick one\n(3/3)",
    ]


def test_a_long_text_with_buttons_comes_first_as_text_messages() -> None:
    text = "\n".join(f"Line {n}: " + "y" * 90 for n in range(60))  # about 6,000 characters
    buttons = [{"title": "More", "payload": '/ask_schedule{"schedule_page": "2"}'}]
    sent = outgoing_messages(SHEENA, text, buttons)
    assert [m["type"] for m in sent] == ["text", "text", "interactive"]
    body = sent[-1]["interactive"]["body"]["text"]
    assert len(body) <= INTERACTIVE_BODY_MAX
    assert "\n".join([*(m["text"]["body"] for m in sent[:-1]), body]) == text


@pytest.mark.parametrize(
    ("count", "limit", "what"),
    [(1, REPLY_ID_MAX, "reply button id"), (5, ROW_ID_MAX, "list row id")],
)
def test_payloads_longer_than_the_id_limit_are_refused(count, limit, what) -> None:
    fitting = [{"title": f"T{n}", "payload": "/" + str(n) * (limit - 1)} for n in range(count)]
    assert outgoing_messages(SHEENA, "Pick", fitting)
    too_long = [*fitting[:-1], {"title": "Last", "payload": "/" + "z" * limit}]
    with pytest.raises(ValueError, match=f"{what} .* is {limit + 1} characters.*at most {limit}"):
        outgoing_messages(SHEENA, "Pick", too_long)


@pytest.mark.parametrize(
    ("text", "buttons", "expected"),
    [
        ("Pick", [{"title": "A", "payload": "/a"}, {"title": "B", "payload": "/a"}], "unique"),
        ("Pick", [{"title": "A", "payload": " /a"}], "spaces"),
        ("Pick", [{"title": "A", "payload": ""}], "payload"),
        ("Pick", [{"title": " ", "payload": "/a"}], "title"),
        ("Pick", [{"payload": "/a"}], "title"),
        ("  ", [{"title": "A", "payload": "/a"}], "body text"),
    ],
)
def test_buttons_whatsapp_would_reject_are_refused(text, buttons, expected) -> None:
    with pytest.raises(ValueError, match=expected):
        outgoing_messages(SHEENA, text, buttons)


@pytest.mark.parametrize("to", ["", "+", "sheena", "+1 650 555 1234", "1" * 16])
def test_the_recipient_must_be_a_phone_number(to) -> None:
    with pytest.raises(ValueError, match="E.164"):
        outgoing_messages(to, "hi", [])


def test_the_domain_buttons_fit_whatsapp() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    checked = 0
    for variants in domain["responses"].values():
        for response in variants:
            if response.get("buttons"):
                sent = outgoing_messages(SHEENA, response["text"], response["buttons"])
                assert sent_ids(sent) == [b["payload"] for b in response["buttons"]]
                assert_within_limits(sent)
                checked += 1
    assert checked >= 4


def _answer(engine: Engine, phone: str, question: str, language: str):
    from bot.db.models import Client
    from bot.db.session import session_scope
    from bot.loan_answers import client_loans
    from bot.replies import answer

    with session_scope(engine) as session:
        client = session.scalars(select(Client).where(Client.phone == phone)).one()
        loans = client_loans(session, client.id, TODAY)
    return answer(question, loans, language=language, today=TODAY)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_which_loan_and_schedule_buttons_fit(demo_engine, language) -> None:
    from bot.replies import BALANCE, SCHEDULE

    which = _answer(demo_engine, "+256772000005", BALANCE, language)  # Grace: two loans
    schedule = _answer(demo_engine, "+919812000004", SCHEDULE, language)  # Ravi: 4 pages
    for reply in (which, schedule):
        assert reply.buttons
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        sent = outgoing_messages(SHEENA, reply.text, buttons)
        assert sent[-1]["interactive"]["type"] == "button"
        assert sent_ids(sent) == [b.payload for b in reply.buttons]
        assert_within_limits(sent)
    titles = [b["reply"]["title"] for b in interactive_buttons(which)]
    assert titles[0] != titles[1] and all("L-500" in t for t in titles)


def interactive_buttons(reply) -> list[dict[str, Any]]:
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    return outgoing_messages(SHEENA, reply.text, buttons)[-1]["interactive"]["action"]["buttons"]


def test_a_template_message_like_the_sample() -> None:
    sample = load("send_template_request.json")
    date_time = sample["template"]["components"][0]["parameters"][2]
    sent = template_message(
        SHEENA,
        "template-name",
        "language-and-locale-code",
        ["text-string", currency_parameter(Decimal("100.99"), "USD", "$100.99"), date_time],
    )
    assert sent == with_recipient(sample)


def test_a_template_without_parameters_has_no_components() -> None:
    sent = template_message(SHEENA, "payment_reminder", "sw")
    assert sent["template"] == {"name": "payment_reminder", "language": {"code": "sw"}}


def test_a_currency_parameter_is_exact_or_refused() -> None:
    assert (
        currency_parameter(Decimal("50000.00"), "KES", "KES 50,000.00")["currency"]["amount_1000"]
        == 50_000_000
    )
    with pytest.raises(ValueError, match="3 decimal places"):
        currency_parameter(Decimal("1.0005"), "USD", "$1.00")


def test_the_limits_are_the_documented_ones() -> None:
    """Meta's OpenAPI maxLength/maxItems and the list-messages page (10 rows in all)."""
    assert (TEXT_BODY_MAX, INTERACTIVE_BODY_MAX) == (4096, 1024)
    assert (REPLY_BUTTONS_MAX, REPLY_TITLE_MAX, REPLY_ID_MAX) == (3, 20, 256)
    assert (LIST_BUTTON_MAX, LIST_ROWS_MAX) == (20, 10)
    assert (ROW_ID_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX) == (200, 24, 72)


# --- Limits, over random input ------------------------------------------------------------------


def sent_ids(sent: list[dict[str, Any]]) -> list[str]:
    ids = []
    for message in sent:
        if message["type"] != "interactive":
            continue
        action = message["interactive"]["action"]
        if "buttons" in action:
            ids += [b["reply"]["id"] for b in action["buttons"]]
        else:
            ids += [row["id"] for s in action["sections"] for row in s["rows"]]
    return ids


def assert_within_limits(sent: list[dict[str, Any]]) -> None:
    for message in sent:
        assert message["messaging_product"] == "whatsapp" and message["to"].isdigit()
        if message["type"] == "text":
            assert 0 < len(message["text"]["body"]) <= TEXT_BODY_MAX
            continue
        interactive = message["interactive"]
        assert interactive["body"]["text"].strip()
        assert len(interactive["body"]["text"]) <= INTERACTIVE_BODY_MAX
        action = interactive["action"]
        if interactive["type"] == "button":
            buttons = action["buttons"]
            assert 1 <= len(buttons) <= REPLY_BUTTONS_MAX
            titles = [b["reply"]["title"] for b in buttons]
            assert len(set(titles)) == len(titles)
            assert all(0 < len(t) <= REPLY_TITLE_MAX for t in titles)
            assert all(len(b["reply"]["id"]) <= REPLY_ID_MAX for b in buttons)
        else:
            assert interactive["type"] == "list"
            assert 0 < len(action["button"]) <= LIST_BUTTON_MAX
            (section,) = action["sections"]
            assert 1 <= len(section["rows"]) <= LIST_ROWS_MAX
            for row in section["rows"]:
                assert len(row["id"]) <= ROW_ID_MAX
                assert 0 < len(row["title"]) <= ROW_TITLE_MAX
                assert len(row.get("description", "")) <= ROW_DESCRIPTION_MAX


TITLES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60).filter(
    str.strip
)
PAYLOADS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=ROW_ID_MAX).filter(
    lambda p: p == p.strip() and p.strip()
)
TEXT = st.lists(st.text(max_size=300), min_size=1, max_size=30).map("\n".join)


@settings(max_examples=200)
@given(
    text=TEXT.filter(str.strip),
    titles=st.lists(TITLES, min_size=1, max_size=35),
    payloads=st.lists(PAYLOADS, min_size=35, max_size=35, unique=True),
    label=st.text(max_size=40),
)
def test_every_random_button_list_fits_the_limits(text, titles, payloads, label) -> None:
    buttons = [{"title": t, "payload": p} for t, p in zip(titles, payloads, strict=False)]
    sent = outgoing_messages(SHEENA, text, buttons, list_button=label)
    assert_within_limits(sent)
    assert sent_ids(sent) == [b["payload"] for b in buttons]
    interactive = [m for m in sent if m["type"] == "interactive"]
    if len(buttons) <= REPLY_BUTTONS_MAX:
        assert [m["interactive"]["type"] for m in interactive] == ["button"]
    else:
        assert len(interactive) == -(-len(buttons) // LIST_ROWS_MAX)
    bodies = [m["text"]["body"] for m in sent if m["type"] == "text"]
    first_body = interactive[0]["interactive"]["body"]["text"]
    if len(interactive) > 1:
        first_body = first_body.rsplit("\n", 1)[0]
    assert "".join("".join([*bodies, first_body]).split()) == "".join(text.split())


@given(text=TEXT, limit=st.integers(1, 500))
def test_split_text_keeps_every_character_within_the_limit(text, limit) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(c) <= limit and c.strip() for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


@given(
    lines=st.lists(st.text("abc xyz", min_size=1, max_size=50).filter(str.strip), min_size=1),
    limit=st.integers(50, 400),
)
def test_split_text_cuts_only_between_lines_when_lines_fit(lines, limit) -> None:
    chunks = split_text("\n".join(lines), limit)
    assert "\n".join(chunks) == "\n".join(lines)


@given(text=st.text(max_size=80), limit=st.integers(1, 40))
def test_fit_cuts_with_an_ellipsis(text, limit) -> None:
    cut = fit(text, limit)
    assert len(cut) <= limit
    assert cut == text or (cut.endswith("…") and text.startswith(cut[:-1]))
