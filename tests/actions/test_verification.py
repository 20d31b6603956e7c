"""The identity check form's actions (actions/verification.py) as the action server runs them,
with the linking code off (the default: phone and date of birth) and on
(``WAZI_VERIFY_LINK_CODE``: the code from the loan card is checked with them)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select

from actions.verification import ActionAskLinkCode, ValidateVerificationForm
from bot import link_codes
from bot.db.models import AuditEntry, ChatIdentity, Client, LinkCode, utcnow
from bot.db.session import session_scope
from tests.actions.conftest import CLIENT_PHONE
from tests.actions.trackers import form_tracker

SLOTS = ["phone_number", "date_of_birth", "link_code"]
DOMAIN = {"forms": {"verification_form": {"required_slots": SLOTS}}, "slots": {}}
MISMATCH = "Sorry, those details do not match our records. Let's try again (2 attempts left)."
NOT_A_CODE = (
    "That does not look like a linking code. It has 8 letters and numbers, for example "
    "K7QM-3XPA, and is printed on your loan card."
)


def tracker(answer: str | None = None, **slots: Any) -> Tracker:
    """The chat "chat-1" in English, the identity form having just filled ``answer``'s slot."""
    return form_tracker("verification_form", answer, **slots)


def run_form(chat: Tracker) -> tuple[list[dict[str, Any]], list[str]]:
    """The form's validation action: (the events, what it said)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateVerificationForm().run(dispatcher, chat, DOMAIN))
    return events, [message["text"] for message in dispatcher.messages]


def required(chat: Tracker) -> list[str]:
    return asyncio.run(
        ValidateVerificationForm().required_slots(SLOTS, CollectingDispatcher(), chat, DOMAIN)
    )


def issue_code(engine: Engine) -> str:
    with session_scope(engine) as session:
        client = session.scalars(select(Client)).one()
        return link_codes.issue(session, client, "wanjiru", utcnow())


def the_chat(engine: Engine) -> ChatIdentity | None:
    with session_scope(engine) as session:
        return session.scalars(
            select(ChatIdentity).where(ChatIdentity.channel_user_id == "chat-1")
        ).one_or_none()


def failed_checks(engine: Engine) -> int:
    with session_scope(engine) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "identity.failed"))
        return len(list(rows))


# --- the default: no linking code ----------------------------------------------------------


def test_by_default_the_code_is_not_asked(action_engine: Engine) -> None:
    assert required(tracker()) == ["phone_number", "date_of_birth"]


def test_by_default_the_date_of_birth_completes_the_check(action_engine: Engine) -> None:
    issue_code(action_engine)  # a code issued changes nothing while the setting is off
    chat = tracker("date_of_birth", phone_number=CLIENT_PHONE, date_of_birth="12/04/1988")
    events, said = run_form(chat)
    assert events == [
        SlotSet("date_of_birth", "12/04/1988"),
        SlotSet("verified", True),
        SlotSet("language", "sw"),
        SlotSet("requested_slot", None),
    ]
    assert said == []
    person = the_chat(action_engine)
    assert person is not None and person.client_id is not None


def test_by_default_a_wrong_date_fails(action_engine: Engine) -> None:
    chat = tracker("date_of_birth", phone_number=CLIENT_PHONE, date_of_birth="13/04/1988")
    events, said = run_form(chat)
    assert said == [MISMATCH]
    assert events == [
        SlotSet("date_of_birth", None),
        SlotSet("phone_number", None),
        SlotSet("requested_slot", "phone_number"),
    ]


# --- WAZI_VERIFY_LINK_CODE=true ------------------------------------------------------------


@pytest.fixture
def code_on(action_settings: Callable[..., None], action_engine: Engine) -> Engine:
    action_settings(WAZI_VERIFY_LINK_CODE="true")
    return action_engine


def test_with_the_setting_on_the_code_is_asked_third(code_on: Engine) -> None:
    assert required(tracker()) == SLOTS


def test_the_date_is_only_read_then_the_code_is_asked(code_on: Engine) -> None:
    chat = tracker("date_of_birth", phone_number=CLIENT_PHONE, date_of_birth="12/04/1988")
    events, said = run_form(chat)
    # Rasa asks the next slot (the code) itself: the form asks every slot of the domain.
    assert events == [SlotSet("date_of_birth", "12/04/1988")]
    assert said == []
    # Nothing checked yet: the chat is not linked and no attempt was counted.
    person = the_chat(code_on)
    assert person is not None and (person.client_id, person.failed_attempts) == (None, 0)


def test_an_unreadable_date_is_still_refused(code_on: Engine) -> None:
    chat = tracker("date_of_birth", phone_number=CLIENT_PHONE, date_of_birth="last year")
    events, said = run_form(chat)
    assert said[0].startswith("I could not read that date.")
    assert events[0] == SlotSet("date_of_birth", None)


def test_the_right_code_links_the_chat_and_is_not_kept(code_on: Engine) -> None:
    code = issue_code(code_on)
    chat = tracker(
        "link_code",
        phone_number=CLIENT_PHONE,
        date_of_birth="12/04/1988",
        link_code=code.lower().replace("-", " "),
    )
    events, said = run_form(chat)
    assert events == [
        SlotSet("link_code", None),
        SlotSet("verified", True),
        SlotSet("language", "sw"),
        SlotSet("requested_slot", None),
    ]
    assert said == []
    person = the_chat(code_on)
    assert person is not None and person.client_id is not None
    with session_scope(code_on) as session:
        row = session.scalars(select(LinkCode)).one()
        assert row.used_by == person.id


def test_a_wrong_code_fails_like_a_wrong_date(code_on: Engine) -> None:
    code = issue_code(code_on)
    wrong = "23456789" if code.replace("-", "") != "23456789" else "98765432"
    chat = tracker(
        "link_code", phone_number=CLIENT_PHONE, date_of_birth="12/04/1988", link_code=wrong
    )
    events, said = run_form(chat)
    assert said == [MISMATCH]
    assert events == [
        SlotSet("link_code", None),
        SlotSet("phone_number", None),
        SlotSet("date_of_birth", None),
    ]
    person = the_chat(code_on)
    assert person is not None and (person.client_id, person.failed_attempts) == (None, 1)


def test_a_wrong_date_with_the_right_code_fails_alike_and_keeps_the_code(code_on: Engine) -> None:
    code = issue_code(code_on)
    chat = tracker(
        "link_code", phone_number=CLIENT_PHONE, date_of_birth="13/04/1988", link_code=code
    )
    events, said = run_form(chat)
    assert said == [MISMATCH]
    assert SlotSet("link_code", None) in events
    with session_scope(code_on) as session:
        assert session.scalars(select(LinkCode)).one().used_at is None


def test_three_wrong_codes_lock_the_chat(code_on: Engine) -> None:
    issue_code(code_on)
    for expected in (MISMATCH, MISMATCH.replace("2 attempts", "1 attempt"), None):
        chat = tracker(
            "link_code",
            phone_number=CLIENT_PHONE,
            date_of_birth="12/04/1988",
            link_code="22222222",
        )
        events, said = run_form(chat)
        assert said == ([expected] if expected else [])
    assert events[-1] == SlotSet("requested_slot", None)  # the form stops
    person = the_chat(code_on)
    assert person is not None and person.locked_until is not None
    assert required(tracker()) == []


def test_what_is_not_a_code_is_asked_again_without_counting(code_on: Engine) -> None:
    issue_code(code_on)
    chat = tracker(
        "link_code", phone_number=CLIENT_PHONE, date_of_birth="12/04/1988", link_code="hello"
    )
    events, said = run_form(chat)
    assert said == [NOT_A_CODE]
    assert events == [SlotSet("link_code", None)]
    assert failed_checks(code_on) == 0


def test_the_code_question(code_on: Engine) -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAskLinkCode().run(dispatcher, tracker(), DOMAIN))
    assert [message["text"] for message in dispatcher.messages] == [
        "Thank you. Last step: what is the linking code on your loan card? It has 8 letters and "
        "numbers, for example K7QM-3XPA. If you do not have it, please ask your loan officer."
    ]
