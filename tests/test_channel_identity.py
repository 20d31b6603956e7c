"""Signed channel identity: round trips, every kind of tampering, freshness and replays."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channel_identity import (
    CLOCK_SKEW,
    METADATA_KEY,
    ChannelClaim,
    InvalidClaim,
    normalise_phone,
    sign,
    verify,
)
from bot.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
SECRET = b"adapter-and-action-server-secret"
NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
MAX_AGE = dt.timedelta(minutes=5)


def _fixture(path: str) -> dict[str, Any]:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def telegram_contact_claim() -> ChannelClaim:
    """What the Telegram adapter would claim for a user sharing their own number."""
    message = _fixture("telegram/update_message_contact_shared.json")["message"]
    assert message["contact"]["user_id"] == message["from"]["id"]
    return ChannelClaim(
        channel="telegram",
        channel_user_id=str(message["from"]["id"]),
        phone=message["contact"]["phone_number"],
        message_id=str(message["message_id"]),
    )


def telegram_text_claim() -> ChannelClaim:
    message = _fixture("telegram/update_message_text.json")["message"]
    return ChannelClaim("telegram", str(message["from"]["id"]), None, str(message["message_id"]))


def whatsapp_text_claim() -> ChannelClaim:
    """WhatsApp's sender id is their phone number (``wa_id``), without the plus."""
    value = _fixture("whatsapp/webhook_message_text.json")["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    return ChannelClaim("whatsapp", message["from"], message["from"], message["id"])


def _block(metadata: dict[str, Any]) -> dict[str, Any]:
    return metadata[METADATA_KEY]


@pytest.fixture
def signed() -> dict[str, Any]:
    return sign(telegram_contact_claim(), SECRET, NOW)


# --- round trips ---------------------------------------------------------------------------


def test_telegram_contact_round_trip_with_phone_in_e164() -> None:
    claim = telegram_contact_claim()
    assert claim.phone == "254700000001"  # as Telegram sends it: no plus
    verified = verify(sign(claim, SECRET, NOW), SECRET, NOW, MAX_AGE)
    assert verified == ChannelClaim("telegram", "123456789", "+254700000001", "6")


def test_telegram_text_round_trip_without_phone() -> None:
    claim = telegram_text_claim()
    metadata = sign(claim, SECRET, NOW)
    assert _block(metadata)["phone"] is None
    assert verify(metadata, SECRET, NOW, MAX_AGE) == claim


def test_whatsapp_round_trip() -> None:
    claim = whatsapp_text_claim()
    verified = verify(sign(claim, SECRET, NOW), SECRET, NOW, MAX_AGE)
    assert verified is not None
    assert verified.phone == "+16505551234"
    assert verified.message_id.startswith("wamid.")
    assert verified.channel_user_id == "16505551234"


def test_metadata_is_plain_json_under_one_key(signed: dict[str, Any]) -> None:
    assert list(signed) == [METADATA_KEY]
    block = _block(signed)
    assert set(block) == {
        "channel",
        "channel_user_id",
        "phone",
        "message_id",
        "issued_at",
        "signature",
    }
    assert block["issued_at"] == int(NOW.timestamp())
    assert len(block["signature"]) == 64
    # it survives the trip through Rasa's JSON API, and verifies among other metadata
    through_json = json.loads(json.dumps({"other": {"x": 1}, **signed}))
    assert verify(through_json, SECRET, NOW, MAX_AGE) is not None


def test_signing_is_deterministic_and_differs_per_secret() -> None:
    claim = telegram_contact_claim()
    assert sign(claim, SECRET, NOW) == sign(claim, SECRET, NOW)
    assert (
        _block(sign(claim, SECRET, NOW))["signature"]
        != (_block(sign(claim, b"another secret", NOW))["signature"])
    )


# --- tampering -----------------------------------------------------------------------------


def test_wrong_secret_is_rejected(signed: dict[str, Any]) -> None:
    assert verify(signed, b"another secret", NOW, MAX_AGE) is None
    assert verify(signed, b"", NOW, MAX_AGE) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "whatsapp"),
        ("channel_user_id", "987654321"),
        ("phone", "+254712000001"),  # someone else's valid number
        ("phone", None),
        ("message_id", "7"),
        ("issued_at", int(NOW.timestamp()) - 1),
    ],
)
def test_any_changed_field_is_rejected(signed: dict[str, Any], field: str, value: object) -> None:
    tampered = copy.deepcopy(signed)
    _block(tampered)[field] = value
    assert verify(tampered, SECRET, NOW, MAX_AGE) is None


def test_claim_without_phone_cannot_gain_one() -> None:
    tampered = sign(telegram_text_claim(), SECRET, NOW)
    _block(tampered)["phone"] = "+254700000001"
    assert verify(tampered, SECRET, NOW, MAX_AGE) is None


def test_changed_signature_is_rejected(signed: dict[str, Any]) -> None:
    signature = _block(signed)["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    _block(signed)["signature"] = flipped
    assert verify(signed, SECRET, NOW, MAX_AGE) is None


def test_signature_from_another_claim_is_rejected() -> None:
    mine = sign(telegram_contact_claim(), SECRET, NOW)
    other = sign(whatsapp_text_claim(), SECRET, NOW)
    _block(mine)["signature"] = _block(other)["signature"]
    assert verify(mine, SECRET, NOW, MAX_AGE) is None


@pytest.mark.parametrize(
    "garble",
    [
        lambda b: b.pop("signature"),
        lambda b: b.pop("issued_at"),
        lambda b: b.pop("phone"),
        lambda b: b.pop("message_id"),
        lambda b: b.update(extra="field"),
        lambda b: b.update(signature=b["signature"].upper()),
        lambda b: b.update(signature=b["signature"][:-2]),
        lambda b: b.update(signature="é" * 64),
        lambda b: b.update(signature=None),
        lambda b: b.update(issued_at=str(b["issued_at"])),
        lambda b: b.update(issued_at=float(b["issued_at"])),
        lambda b: b.update(issued_at=True),
        lambda b: b.update(channel=""),
        lambda b: b.update(channel_user_id=123456789),
        lambda b: b.update(phone="254700000001"),  # not E.164 as signed
        lambda b: b.update(phone="+1"),
    ],
    ids=[
        "no signature",
        "no issued_at",
        "no phone",
        "no message_id",
        "extra field",
        "upper-case hex",
        "short signature",
        "non-ascii signature",
        "null signature",
        "issued_at as text",
        "issued_at as float",
        "issued_at as bool",
        "empty channel",
        "user id as number",
        "phone without plus",
        "phone invalid",
    ],
)
def test_garbled_fields_are_rejected(signed: dict[str, Any], garble) -> None:
    garble(_block(signed))
    assert verify(signed, SECRET, NOW, MAX_AGE) is None


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        {},
        {"other": "value"},
        {METADATA_KEY: None},
        {METADATA_KEY: "text"},
        {METADATA_KEY: []},
    ],
)
def test_missing_claim_is_rejected(metadata: Any) -> None:
    assert verify(metadata, SECRET, NOW, MAX_AGE) is None


# --- freshness -----------------------------------------------------------------------------


def test_claim_is_accepted_until_max_age_and_rejected_after(signed: dict[str, Any]) -> None:
    assert verify(signed, SECRET, NOW + MAX_AGE, MAX_AGE) is not None
    assert verify(signed, SECRET, NOW + MAX_AGE + dt.timedelta(seconds=1), MAX_AGE) is None


def test_claim_from_the_future_is_accepted_only_within_the_skew(signed: dict[str, Any]) -> None:
    assert verify(signed, SECRET, NOW - CLOCK_SKEW, MAX_AGE) is not None
    assert verify(signed, SECRET, NOW - CLOCK_SKEW - dt.timedelta(seconds=1), MAX_AGE) is None


def test_time_zone_of_now_does_not_matter(signed: dict[str, Any]) -> None:
    nairobi = NOW.astimezone(dt.timezone(dt.timedelta(hours=3)))
    assert verify(signed, SECRET, nairobi, MAX_AGE) is not None
    assert sign(telegram_contact_claim(), SECRET, nairobi) == signed


def test_naive_now_is_a_programming_error(signed: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(telegram_contact_claim(), SECRET, NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(signed, SECRET, NOW.replace(tzinfo=None), MAX_AGE)


# --- replays -------------------------------------------------------------------------------


def test_replay_key_lets_the_consumer_refuse_a_second_use() -> None:
    """A captured block verifies again within max_age: the signed message id is what lets
    the consumer refuse it. This is the check the action server will do."""
    seen: set[tuple[str, str, str]] = set()

    def accept(metadata: dict[str, Any], now: dt.datetime) -> bool:
        claim = verify(metadata, SECRET, now, MAX_AGE)
        if claim is None or claim.replay_key in seen:
            return False
        seen.add(claim.replay_key)
        return True

    first = sign(telegram_contact_claim(), SECRET, NOW)
    assert accept(first, NOW)
    assert not accept(first, NOW + dt.timedelta(seconds=10))  # the same block replayed
    # a fresh signature for the same message is still the same message
    assert not accept(sign(telegram_contact_claim(), SECRET, NOW), NOW)
    # and the message id cannot be edited to dodge the check
    edited = copy.deepcopy(first)
    _block(edited)["message_id"] = "999"
    assert not accept(edited, NOW)


def test_replay_key_separates_chats_on_telegram() -> None:
    """Telegram message ids count per chat: two users' message 6 are different messages."""
    mine = telegram_contact_claim()
    theirs = ChannelClaim("telegram", "555", None, mine.message_id)
    assert mine.replay_key != theirs.replay_key


# --- signing rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        ChannelClaim("", "1", None, "1"),
        ChannelClaim("telegram", "", None, "1"),
        ChannelClaim("telegram", "1", None, ""),
        ChannelClaim("telegram", "1", "12", "1"),
        ChannelClaim("telegram", "1", "not a number", "1"),
    ],
)
def test_unsignable_claims_raise(claim: ChannelClaim) -> None:
    with pytest.raises(InvalidClaim):
        sign(claim, SECRET, NOW)


def test_empty_secret_and_negative_max_age_raise(signed: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="secret"):
        sign(telegram_contact_claim(), b"", NOW)
    with pytest.raises(ValueError, match="max_age"):
        verify(signed, SECRET, NOW, dt.timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("254700000001", "+254700000001"),
        ("+254 712 000001", "+254712000001"),
        (" 919812000004 ", "+919812000004"),
        ("16505551234", "+16505551234"),
        ("", None),
        ("0712000001", None),  # national form: a channel never sends it, so it is refused
        ("+999", None),
    ],
)
def test_normalise_phone(raw: str, e164: str | None) -> None:
    assert normalise_phone(raw) == e164


def test_phone_in_whatsapp_contact_card_normalises() -> None:
    value = _fixture("whatsapp/webhook_message_contacts.json")["entry"][0]["changes"][0]["value"]
    phone = value["messages"][0]["contacts"][0]["phones"][0]
    assert normalise_phone(phone["phone"]) == normalise_phone(phone["wa_id"]) == "+19835552319"


# --- properties ----------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)
_phones = st.sampled_from([None, "+254712000001", "+919812000004", "+221770000003"])
_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)


@given(
    channel=_text,
    user=_text,
    phone=_phones,
    message_id=_text,
    secret=st.binary(min_size=1, max_size=64),
    issued=_times,
    age=st.integers(0, 300),
)
def test_property_round_trip_within_max_age(
    channel: str,
    user: str,
    phone: str | None,
    message_id: str,
    secret: bytes,
    issued: dt.datetime,
    age: int,
) -> None:
    claim = ChannelClaim(channel, user, phone, message_id)
    metadata = sign(claim, secret, issued)
    later = issued + dt.timedelta(seconds=age)
    assert verify(metadata, secret, later, dt.timedelta(seconds=300)) == claim


@given(
    claim=st.builds(ChannelClaim, _text, _text, _phones, _text),
    field=st.sampled_from(["channel", "channel_user_id", "message_id"]),
    suffix=_text,
    secret=st.binary(min_size=1, max_size=64),
    other_secret=st.binary(min_size=1, max_size=64),
)
def test_property_any_edit_or_other_secret_fails(
    claim: ChannelClaim, field: str, suffix: str, secret: bytes, other_secret: bytes
) -> None:
    metadata = sign(claim, secret, NOW)
    edited = copy.deepcopy(metadata)
    _block(edited)[field] += suffix
    assert verify(edited, secret, NOW, MAX_AGE) is None
    if other_secret != secret:
        assert verify(metadata, other_secret, NOW, MAX_AGE) is None
