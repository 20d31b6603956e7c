"""PINs for shared phones for real (``WAZI_VERIFY_PIN=true``, the shared stack's action server
restarted with it for this module; Amina's record is restored afterwards): Amina
verifies and sets a PIN (a guessable one refused, typed twice); when the conversation ends the
chat locks and opens again with the PIN alone (a wrong one counted); a family member who knows
her phone number and birth date is still asked for the PIN on another chat."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from actions.pins import ASK_NEW_PIN, ASK_NEW_PIN_AGAIN, PIN_SAVED, WEAK_PIN
from actions.verification import ASK_PIN, UNLOCK_PIN
from bot.db.models import AuditEntry
from bot.devstack import Stack
from tests.e2e.records import amina_restored, stack_session, stored_amina
from tests.e2e.stacks import actions_with

pytestmark = pytest.mark.e2e

AMINA_PHONE, AMINA_BIRTH = "0712000001", "12/04/1988"
MISMATCH = "do not match our records"


@pytest.fixture(scope="module")
def pinned(stack: Stack) -> Iterator[Stack]:
    with amina_restored(stack.database_url):
        yield from actions_with(stack, {"WAZI_VERIFY_PIN": "true"})


def _amina(stack: Stack) -> tuple[str | None, int]:
    """Amina's stored PIN hash and the number of "pin.set" audit rows."""
    with stack_session(stack.database_url) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "pin.set"))
        return stored_amina(session).pin_hash, len(list(rows))


def test_a_pin_locks_a_shared_phones_chat_between_conversations(pinned: Stack) -> None:
    chat = pinned.chat("pin")
    chat.say('/choose_language{"language": "en"}')
    assert "phone number" in chat.texts("what is my balance")
    assert "date of birth" in chat.texts(AMINA_PHONE)
    assert "L-1001" in chat.texts(AMINA_BIRTH)  # no PIN yet: the birth date is enough

    assert chat.texts("i want to set a pin") == ASK_NEW_PIN
    assert chat.texts("1234") == f"{WEAK_PIN}\n{ASK_NEW_PIN}"
    assert chat.texts("4831") == ASK_NEW_PIN_AGAIN
    assert chat.texts("4831") == PIN_SAVED
    pin_hash, set_rows = _amina(pinned)
    assert pin_hash is not None and "4831" not in pin_hash and set_rows == 1

    # The conversation ends (Rasa starts a new session): the chat is locked; the PIN opens it.
    chat.say("/session_start")
    assert chat.texts("what is my balance") == UNLOCK_PIN
    refused = chat.texts("9090")
    assert MISMATCH in refused and UNLOCK_PIN in refused and "L-1001" not in refused
    assert "L-1001" in chat.texts("4831")
    assert "L-1001" in chat.texts("when is my next payment")  # open for the rest of it

    # Someone else who knows her phone number and birth date, on another chat.
    other = pinned.chat("pin-family")
    other.say('/choose_language{"language": "en"}')
    other.say("what is my balance")
    other.say(AMINA_PHONE)
    assert other.texts(AMINA_BIRTH) == ASK_PIN
    guessed = other.texts("1111")
    assert MISMATCH in guessed and "L-1001" not in guessed
