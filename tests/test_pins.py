"""PINs for shared phones (bot/pins.py): reading what was typed, refusing guessable PINs,
storing only a hash, and checking a typed PIN against it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select

from bot import pins
from bot.db.models import AuditEntry, Client
from bot.db.session import session_scope
from bot.identity import identity_for
from tests.clients import add_amina

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
PIN = "5826"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5826", "5826"),
        (" 58 26 ", "5826"),
        ("58-26", "5826"),
        ("5\u20138\u20142\u20116", "5826"),  # en dash, em dash, non-breaking hyphen
        ("582619", "582619"),
        ("०५८२६", "05826"),  # Devanagari
        ("१२३४", "1234"),
        ("٥٨٢٦", "5826"),  # Arabic-Indic
        ("５８２６", "5826"),  # full-width
    ],
)
def test_a_typed_pin_is_read_as_ascii_digits(typed: str, expected: str) -> None:
    assert pins.normalise(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "582",
        "5 8 2",
        "5826193",
        "58261934",
        "58a6",
        "PIN 5826",
        "5826!",
        "²³⁴⁵",
        "58.26",
    ],
)
def test_what_is_not_four_to_six_digits_is_not_a_pin(typed: str) -> None:
    assert pins.normalise(typed) is None


@pytest.mark.parametrize(
    "pin",
    [
        "0000",
        "11111",
        "999999",
        "1234",
        "3456",
        "0123",
        "456789",
        "4321",
        "987654",
        "9876",
        "1212",
        "121212",
        "90909",
        "0707",
    ],
)
def test_pins_anyone_would_guess_are_weak(pin: str) -> None:
    assert pins.weak(pin)


@pytest.mark.parametrize("pin", ["5826", "1235", "7890", "1122", "12123", "2468", "905173"])
def test_other_pins_are_not_weak(pin: str) -> None:
    assert not pins.weak(pin)


add_client = add_amina


def set_pin(engine: Engine, client_id: int, pin: str, user: str = "chat-1") -> None:
    with session_scope(engine) as session:
        client = session.get(Client, client_id)
        assert client is not None
        pins.set_pin(session, client, pin, identity_for(session, "web", user), NOW)


def stored_client(engine: Engine, client_id: int) -> Client:
    with session_scope(engine) as session:
        client = session.get(Client, client_id)
        assert client is not None
        return client


def test_a_client_has_no_pin_until_they_set_one(engine: Engine) -> None:
    client_id = add_client(engine)
    client = stored_client(engine, client_id)
    assert not pins.has_pin(client)
    assert (client.pin_hash, client.pin_set_at) == (None, None)
    assert not pins.matches(client, PIN)


def test_set_pin_stores_an_argon2id_hash_and_when(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id, PIN)
    client = stored_client(engine, client_id)
    assert pins.has_pin(client)
    assert client.pin_hash is not None
    assert client.pin_hash.startswith("$argon2id$")
    assert PIN not in client.pin_hash
    assert client.pin_set_at == NOW


def test_setting_a_pin_is_audited_without_the_pin(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    client_id = add_client(engine)
    with caplog.at_level("DEBUG"):
        set_pin(engine, client_id, PIN)
    with session_scope(engine) as session:
        identity_id = identity_for(session, "web", "chat-1").id
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        stored = [
            (r.actor_type, r.actor_id, r.action, r.subject_type, r.subject_id, r.details)
            for r in rows
        ]
    assert stored == [
        ("chat", str(identity_id), "pin.set", "client", str(client_id), {"channel": "web"})
    ]
    assert PIN not in json.dumps(stored)
    assert caplog.records, "setting a PIN is logged"
    assert all(PIN not in record.getMessage() for record in caplog.records)


def test_the_right_pin_matches_however_it_is_typed(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id, PIN)
    client = stored_client(engine, client_id)
    assert pins.matches(client, PIN)
    assert pins.matches(client, " 58-26 ")
    assert pins.matches(client, "५८२६")  # Devanagari
    assert not pins.matches(client, "5827")
    assert not pins.matches(client, "58260")
    assert not pins.matches(client, "")
    assert not pins.matches(client, "not a pin")


def test_a_new_pin_replaces_the_old_one(engine: Engine) -> None:
    client_id = add_client(engine)
    set_pin(engine, client_id, PIN)
    set_pin(engine, client_id, "905173")
    client = stored_client(engine, client_id)
    assert pins.matches(client, "905173")
    assert not pins.matches(client, PIN)


def test_a_broken_hash_matches_nothing() -> None:
    client = Client(pin_hash="not an argon2 hash")
    assert pins.has_pin(client)
    assert not pins.matches(client, PIN)


@pytest.mark.parametrize("pin", ["1234", "0000", "1212", "987654"])
def test_a_weak_pin_is_refused(engine: Engine, pin: str) -> None:
    client_id = add_client(engine)
    with pytest.raises(ValueError) as caught:
        set_pin(engine, client_id, pin)
    assert pin not in str(caught.value)
    client = stored_client(engine, client_id)
    assert (client.pin_hash, client.pin_set_at) == (None, None)


@pytest.mark.parametrize("pin", ["58 26", "५८२६", "582", "5826193", "58a6"])
def test_a_pin_not_normalised_is_refused(engine: Engine, pin: str) -> None:
    client_id = add_client(engine)
    with pytest.raises(ValueError):
        set_pin(engine, client_id, pin)
    assert not pins.has_pin(stored_client(engine, client_id))


def test_a_new_pin_is_kept_as_a_hash_until_it_is_typed_again() -> None:
    kept = pins.pending("4831")
    assert "4831" not in kept
    assert pins.confirms(kept, "48 31") and pins.confirms(kept, "४८३१")
    assert not pins.confirms(kept, "4832") and not pins.confirms(kept, "abcd")
    assert not pins.confirms("not a hash", "4831")
