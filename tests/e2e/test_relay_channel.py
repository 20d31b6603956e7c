"""Rasa's relay channel and signed channel identity, with the real Rasa, actions and database.

What the Telegram and WhatsApp adapters rely on: a claim signed with the channel secret makes
the actions treat the sender as that platform user (a Telegram user proves their phone with the
contact button, a WhatsApp user's number is their phone), a claim without a valid signature
counts for nothing, and a turn that cannot reach the action server is not kept (503) so the
relay can send the message again.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.channel_identity import sender_id
from bot.channels.custom import CHART_REQUEST, REQUEST_CONTACT
from bot.db.models import AuditEntry, ChatIdentity
from bot.db.session import make_engine, session_scope
from bot.devstack import Stack
from bot.i18n import gettext
from tests.e2e.relay_chat import RelayChat

pytestmark = pytest.mark.e2e

AMINA = ("+254712000001", "1988-04-12")  # demo client, Swahili
MARIA = ("+525512000002", "1979-11-30")  # demo client, Spanish


def _texts(answers: list[dict[str, Any]]) -> str:
    parts = [
        a.get("text") or a.get("custom", {}).get(REQUEST_CONTACT, {}).get("text", "")
        for a in answers
    ]
    return "\n".join(parts)


def _identity(stack: Stack, channel: str, user_id: str) -> ChatIdentity | None:
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            found = session.scalar(
                select(ChatIdentity).where(
                    ChatIdentity.channel == channel, ChatIdentity.channel_user_id == user_id
                )
            )
            if found is not None:
                session.expunge(found)
            return found
    finally:
        engine.dispose()


def _answered(stack: Stack, person: ChatIdentity) -> list[str]:
    """The loan answers written to the audit log for a chat identity."""
    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            return list(
                session.scalars(
                    select(AuditEntry.action).where(
                        AuditEntry.actor_id == str(person.id), AuditEntry.action == "loan.answered"
                    )
                )
            )
    finally:
        engine.dispose()


def test_telegram_user_proves_the_phone_with_the_contact_button(stack: Stack) -> None:
    chat = RelayChat(stack, "telegram")
    chat.say('/choose_language{"language": "sw"}')
    asked = chat.say("salio langu ni kiasi gani")
    request = next(a["custom"][REQUEST_CONTACT] for a in asked if "custom" in a)
    assert request["text"] == gettext(
        "sw",
        "To keep your loan private, I first need to check who you are. Please press the button "
        '"Share my phone number" below.',
    )
    typed = chat.say(AMINA[0])  # typed, not shared: refused, the button again
    assert REQUEST_CONTACT in typed[0]["custom"]
    assert "Tuma namba yangu ya simu" in typed[0]["custom"][REQUEST_CONTACT]["text"]

    dob = chat.say(AMINA[0], phone=AMINA[0])  # the contact button's message, signed with the phone
    assert "1990-04-12" in _texts(dob)
    chat.say(AMINA[1])
    person = _identity(stack, "telegram", chat.user_id)
    assert person is not None and person.client_id is not None and person.verified_at is not None
    assert _answered(stack, person) == ["loan.answered"]


def test_whatsapp_number_is_the_phone_and_only_the_birth_date_is_asked(stack: Stack) -> None:
    chat = RelayChat(stack, "whatsapp")
    chat.say('/choose_language{"language": "es"}', phone=MARIA[0])
    asked = _texts(chat.say("cuánto debo", phone=MARIA[0]))
    assert asked == gettext(
        "es",
        "To keep your loan private, I check the number you are writing from and your date of "
        "birth. What is your date of birth? "
        "For example 1990-04-12 (year-month-day) or 12/04/1990 (day/month/year).",
    )
    chat.say(MARIA[1], phone=MARIA[0])
    person = _identity(stack, "whatsapp", chat.user_id)
    assert person is not None and person.client_id is not None
    assert _answered(stack, person) == ["loan.answered"]
    schedule = chat.say("muéstrame mi calendario de pagos", phone=MARIA[0])
    charts = [a["custom"][CHART_REQUEST] for a in schedule if CHART_REQUEST in a.get("custom", {})]
    assert len(charts) == 1 and charts[0]["loan_account"].startswith("L-")


def test_a_claim_with_a_wrong_signature_counts_for_nothing(stack: Stack) -> None:
    chat = RelayChat(stack, "whatsapp", secret=b"not the channel secret, at least 32 bytes")
    asked = _texts(chat.say("what is my balance", phone=AMINA[0]))
    assert "phone number" in asked  # asked like an anonymous REST caller, no DOB-only shortcut
    assert _identity(stack, "whatsapp", chat.user_id) is None
    rest_identity = _identity(
        stack, "rest", sender_id("whatsapp", chat.user_id, stack.channel_secret)
    )
    assert rest_identity is not None and rest_identity.client_id is None


def test_a_turn_without_the_action_server_is_not_kept_and_runs_again(stack: Stack) -> None:
    chat = RelayChat(stack, "telegram")
    chat.say('/choose_language{"language": "en"}')
    stack.stop("actions")
    try:
        failed = chat.post("what is my balance")
        assert failed.status_code == 503
        assert "action server" in failed.json()["error"]
    finally:
        stack.restart("actions")
    again = chat.say("what is my balance")
    assert REQUEST_CONTACT in again[0]["custom"]  # the form starts afresh, once
    assert sum(1 for a in again if "custom" in a) == 1
