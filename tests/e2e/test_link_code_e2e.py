"""Stronger verification for real (``WAZI_VERIFY_LINK_CODE=true``, the shared stack's action
server restarted with it for this module; Amina's record restored afterwards): the stack where
the identity check asks, after the phone number and birth date, for the one-time linking code
the loan officer issued (as the dashboard's "Issue a new linking code" does, bot/link_codes.py).
A wrong code fails like a wrong date and counts toward the lock; the right code links the chat
and answers the pending question; the code cannot link a second chat; without the setting the
shared stack never asks for a code (the other end-to-end tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from actions.verification import ASK_LINK_CODE, ASK_PHONE_AGAIN
from bot import link_codes
from bot.db.models import ChatIdentity
from bot.devstack import Stack
from tests.e2e.records import amina_restored, stack_session, stored_amina
from tests.e2e.stacks import actions_with

pytestmark = pytest.mark.e2e

AMINA_PHONE, AMINA_BIRTH = "0712000001", "12/04/1988"
MISMATCH = "do not match our records"


@pytest.fixture(scope="module")
def coded(stack: Stack) -> Iterator[Stack]:
    with amina_restored(stack.database_url):
        yield from actions_with(stack, {"WAZI_VERIFY_LINK_CODE": "true"})


def _issue(stack: Stack) -> str:
    with stack_session(stack.database_url) as session:
        now = dt.datetime.now(dt.UTC)
        return link_codes.issue(session, stored_amina(session), "officer-e2e", now)


def _linked(stack: Stack, sender: str) -> bool:
    with stack_session(stack.database_url) as session:
        person = session.scalars(
            select(ChatIdentity).where(ChatIdentity.channel_user_id == sender)
        ).one()
        return person.client_id is not None and person.verified_at is not None


def _to_the_code(chat) -> None:  # type: ignore[no-untyped-def]
    chat.say('/choose_language{"language": "en"}')
    assert "phone number" in chat.texts("what is my balance")
    assert "date of birth" in chat.texts(AMINA_PHONE)
    assert chat.texts(AMINA_BIRTH) == ASK_LINK_CODE


def test_the_identity_check_asks_for_the_one_time_linking_code(coded: Stack) -> None:
    code = _issue(coded)
    wrong = "2345-6789" if code != "2345-6789" else "3456-789A"

    chat = coded.chat("code")
    _to_the_code(chat)
    refused = chat.texts(wrong)
    assert MISMATCH in refused and ASK_PHONE_AGAIN in refused and "L-1001" not in refused
    assert not _linked(coded, chat.sender)

    # The whole check again, with the code typed as people type it: lower case, no dash.
    assert "date of birth" in chat.texts(AMINA_PHONE)
    assert chat.texts(AMINA_BIRTH) == ASK_LINK_CODE
    answered = chat.texts(code.replace("-", " ").lower())
    assert "L-1001" in answered
    assert _linked(coded, chat.sender)

    # Used once: the same code cannot link another chat.
    other = coded.chat("code-again")
    _to_the_code(other)
    again = other.texts(code)
    assert MISMATCH in again and "L-1001" not in again
    assert not _linked(coded, other.sender)
