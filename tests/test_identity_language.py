"""The language a person speaks with Wazi: chosen in the chat, remembered on the record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, Client
from bot.identity import (
    Outcome,
    Policy,
    identity_for,
    language_for,
    set_language,
    verify,
    with_language,
)
from tests.clients import amina

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
POLICY = Policy(max_failures=3, lock_minutes=15)


def _amina(session: Session) -> Client:
    client = amina()
    session.add(client)
    session.flush()
    return client


def test_with_language_keeps_the_country() -> None:
    assert with_language("sw_KE", "en") == "en_KE"
    assert with_language("hi", "fr") == "fr"


def test_unknown_person_has_no_language_until_they_choose(session: Session) -> None:
    person = identity_for(session, "rest", "u1")
    assert language_for(person) is None
    set_language(session, person, "fr")
    assert language_for(person) == "fr"
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["language.set"]


def test_verified_client_speaks_the_language_on_record(session: Session) -> None:
    client = _amina(session)
    person = identity_for(session, "rest", "u2")
    result = verify(session, person, [client.phone], client.date_of_birth, NOW, POLICY)
    assert (result.outcome, result.language) == (Outcome.VERIFIED, "sw")
    assert language_for(person) == "sw"
    # Changing language later is remembered on the client's record, country kept.
    set_language(session, person, "en")
    assert client.locale == "en_KE"
    assert language_for(person) == "en"


def test_a_language_chosen_before_verification_goes_to_the_record(session: Session) -> None:
    client = _amina(session)
    person = identity_for(session, "rest", "u3")
    set_language(session, person, "es")
    result = verify(session, person, [client.phone], client.date_of_birth, NOW, POLICY)
    assert result.language == "es"
    assert client.locale == "es_KE"
