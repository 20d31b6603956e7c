"""PINs for shared phones (``WAZI_VERIFY_PIN``) in the actions, as the action server runs them:
the PIN form (actions/pins.py), the identity check asking a client with a PIN for it, and a chat
that locks when its conversation ends and opens again with the PIN alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select

from actions.pins import (
    NOT_A_NEW_PIN,
    PIN_SAVED,
    PINS_DIFFER,
    PINS_NOT_USED,
    SAVED,
    WEAK_PIN,
    ActionPinSaved,
    ActionSetPin,
    ValidatePinForm,
)
from actions.session import ActionSessionStart
from actions.verification import (
    ASK_PIN,
    NOT_A_PIN,
    UNLOCK_PIN,
    ActionAskPin,
    ValidateVerificationForm,
)
from bot import pins
from bot.db.models import AuditEntry, ChatIdentity, Client, utcnow
from bot.db.session import session_scope
from tests.actions.conftest import CLIENT_PHONE
from tests.actions.trackers import form_tracker

CHECK = ["phone_number", "date_of_birth", "link_code", "pin"]
NEW = ["new_pin", "new_pin_again"]
DOMAIN = {
    "forms": {
        "verification_form": {"required_slots": CHECK},
        "pin_form": {"required_slots": NEW},
    },
    "slots": {},
}
MISMATCH = "Sorry, those details do not match our records. Let's try again (2 attempts left)."


chat = form_tracker


def run(action: Any, tracker: Tracker) -> tuple[dict[str, Any], list[str]]:
    """An action or a form's validation: (the slots it set, what it said)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, [message["text"] for message in dispatcher.messages]


def required(validation: Any, slots: list[str], tracker: Tracker) -> list[str]:
    return asyncio.run(validation.required_slots(slots, CollectingDispatcher(), tracker, DOMAIN))


def _client(engine: Engine) -> Client:
    with session_scope(engine) as session:
        client = session.scalars(select(Client).where(Client.phone == CLIENT_PHONE)).one()
        session.expunge(client)
        return client


def give_pin(engine: Engine, pin: str = "4831") -> None:
    with session_scope(engine) as session:
        client = session.scalars(select(Client)).one()
        person = ChatIdentity(channel="rest", channel_user_id="elsewhere")
        session.add(person)
        session.flush()
        pins.set_pin(session, client, pin, person, utcnow())


def link(engine: Engine) -> None:
    """chat-1 verified as the client."""
    with session_scope(engine) as session:
        client = session.scalars(select(Client)).one()
        session.add(
            ChatIdentity(
                channel="rest",
                channel_user_id="chat-1",
                client_id=client.id,
                verified_at=utcnow(),
            )
        )


def the_chat(engine: Engine) -> ChatIdentity:
    with session_scope(engine) as session:
        person = session.scalars(
            select(ChatIdentity).where(ChatIdentity.channel_user_id == "chat-1")
        ).one()
        session.expunge(person)
        return person


def audited(engine: Engine, action: str) -> int:
    with session_scope(engine) as session:
        return len(list(session.scalars(select(AuditEntry).where(AuditEntry.action == action))))


@pytest.fixture
def pins_on(action_settings: Callable[..., None], action_engine: Engine) -> Engine:
    action_settings(WAZI_VERIFY_PIN="true")
    return action_engine


# --- off: the default ----------------------------------------------------------------------


def test_without_pins_nothing_asks_for_one(action_engine: Engine) -> None:
    give_pin(action_engine)  # even a client with a PIN: the setting is off
    assert required(ValidateVerificationForm(), CHECK, chat("verification_form")) == [
        "phone_number",
        "date_of_birth",
    ]
    slots, _ = run(
        ValidateVerificationForm(),
        chat(
            "verification_form",
            "date_of_birth",
            phone_number=CLIENT_PHONE,
            date_of_birth="1988-04-12",
        ),
    )
    assert slots["verified"] is True and "pin_required" not in slots
    linked = chat("pin_form", verified=True)
    assert required(ValidatePinForm(), NEW, linked) == []
    assert run(ActionPinSaved(), linked)[1] == [PINS_NOT_USED]
    assert run(ActionSetPin(), chat("pin_form"))[1] == [PINS_NOT_USED]


# --- setting a PIN -------------------------------------------------------------------------


def test_a_verified_client_sets_a_pin_typed_twice(pins_on: Engine) -> None:
    link(pins_on)
    assert required(ValidatePinForm(), NEW, chat("pin_form", verified=True)) == NEW
    assert run(ValidatePinForm(), chat("pin_form", "new_pin", new_pin="48a1", verified=True))[
        1
    ] == [NOT_A_NEW_PIN]
    assert run(ValidatePinForm(), chat("pin_form", "new_pin", new_pin="1234", verified=True))[
        1
    ] == [WEAK_PIN]
    slots, said = run(
        ValidatePinForm(), chat("pin_form", "new_pin", new_pin="48 31", verified=True)
    )
    pending = slots["new_pin"]
    assert said == [] and "4831" not in pending
    # A different PIN the second time: start over, nothing stored.
    slots, said = run(
        ValidatePinForm(),
        chat("pin_form", "new_pin_again", new_pin=pending, new_pin_again="4832", verified=True),
    )
    assert said == [PINS_DIFFER] and slots == {"new_pin": None, "new_pin_again": None}
    assert _client(pins_on).pin_hash is None
    slots, said = run(
        ValidatePinForm(),
        chat("pin_form", "new_pin_again", new_pin=pending, new_pin_again="4831", verified=True),
    )
    assert slots == {"new_pin_again": SAVED}  # both filled: the form is complete
    client = _client(pins_on)
    assert client.pin_hash and "4831" not in client.pin_hash and pins.matches(client, "4831")
    saved, said = run(ActionPinSaved(), chat("pin_form", verified=True, new_pin_again=SAVED))
    assert said == [PIN_SAVED] and saved == {"new_pin": None, "new_pin_again": None}


def test_someone_not_verified_sets_no_pin(pins_on: Engine) -> None:
    assert required(ValidatePinForm(), NEW, chat("pin_form", verified=False)) == []
    assert "First I need to check who you are" in run(ActionSetPin(), chat("pin_form"))[1][0]


# --- the identity check with a PIN ---------------------------------------------------------


def test_a_client_without_a_pin_is_verified_by_the_date(pins_on: Engine) -> None:
    slots, _ = run(
        ValidateVerificationForm(),
        chat(
            "verification_form",
            "date_of_birth",
            phone_number=CLIENT_PHONE,
            date_of_birth="12/04/1988",
        ),
    )
    assert slots["verified"] is True


def test_a_client_with_a_pin_is_asked_for_it_and_a_wrong_one_fails(pins_on: Engine) -> None:
    give_pin(pins_on)
    slots, said = run(
        ValidateVerificationForm(),
        chat(
            "verification_form",
            "date_of_birth",
            phone_number=CLIENT_PHONE,
            date_of_birth="12/04/1988",
        ),
    )
    assert slots["pin_required"] is True and "verified" not in slots and said == []
    assert the_chat(pins_on).client_id is None and audited(pins_on, "identity.failed") == 0
    asking = chat(
        "verification_form",
        phone_number=CLIENT_PHONE,
        date_of_birth="12/04/1988",
        pin_required=True,
    )
    assert required(ValidateVerificationForm(), CHECK, asking) == CHECK[:2] + ["pin"]
    assert run(ActionAskPin(), asking)[1] == [ASK_PIN]

    wrong, said = run(
        ValidateVerificationForm(),
        chat(
            "verification_form",
            "pin",
            phone_number=CLIENT_PHONE,
            date_of_birth="12/04/1988",
            pin_required=True,
            pin="5555",
        ),
    )
    assert said == [MISMATCH] and wrong["pin"] is None and wrong["date_of_birth"] is None
    assert audited(pins_on, "identity.failed") == 1 and the_chat(pins_on).client_id is None

    right, said = run(
        ValidateVerificationForm(),
        chat(
            "verification_form",
            "pin",
            phone_number=CLIENT_PHONE,
            date_of_birth="12/04/1988",
            pin_required=True,
            pin="4831",
        ),
    )
    assert right["verified"] is True and right["pin"] is None and said == []
    assert the_chat(pins_on).verified_at is not None


# --- a shared phone: the chat locks when the conversation ends ----------------------------


def _session_start() -> dict[str, Any]:
    return run(ActionSessionStart(), chat("verification_form"))[0]


def test_the_chat_locks_at_session_start_and_the_pin_alone_opens_it(pins_on: Engine) -> None:
    give_pin(pins_on)
    link(pins_on)
    assert _session_start()["verified"] is False
    locked = the_chat(pins_on)
    assert locked.verified_at is None and locked.client_id is not None
    waiting = chat("verification_form")
    assert required(ValidateVerificationForm(), CHECK, waiting) == ["pin"]
    assert run(ActionAskPin(), waiting)[1] == [UNLOCK_PIN]

    slots, said = run(ValidateVerificationForm(), chat("verification_form", "pin", pin="9090"))
    assert said == [MISMATCH] and "verified" not in slots
    assert the_chat(pins_on).verified_at is None
    slots, said = run(ValidateVerificationForm(), chat("verification_form", "pin", pin="4831"))
    assert slots["verified"] is True and said == []
    assert the_chat(pins_on).verified_at is not None


def test_a_forgotten_pin_is_not_counted_and_the_answer_says_who_removes_it(
    pins_on: Engine,
) -> None:
    give_pin(pins_on)
    link(pins_on)
    _session_start()
    slots, said = run(
        ValidateVerificationForm(), chat("verification_form", "pin", pin="I forgot my PIN")
    )
    assert said == [NOT_A_PIN] and "loan officer can remove it" in NOT_A_PIN
    assert slots["pin"] is None and "verified" not in slots
    assert audited(pins_on, "identity.failed") == 0 and the_chat(pins_on).verified_at is None


def test_three_wrong_pins_lock_the_chat(pins_on: Engine) -> None:
    give_pin(pins_on)
    link(pins_on)
    _session_start()
    for wrong in ("1111", "2222", "3333"):
        run(ValidateVerificationForm(), chat("verification_form", "pin", pin=wrong))
    assert the_chat(pins_on).locked_until is not None
    assert required(ValidateVerificationForm(), CHECK, chat("verification_form")) == []
    # Even the right PIN does nothing while locked.
    slots, _ = run(ValidateVerificationForm(), chat("verification_form", "pin", pin="4831"))
    assert slots.get("verified") is not True
    assert the_chat(pins_on).verified_at is None


def test_a_client_without_a_pin_stays_verified_across_sessions(pins_on: Engine) -> None:
    link(pins_on)
    assert _session_start()["verified"] is True
