"""A PIN for a shared phone ("set a PIN"), where the institution turns PINs on
(``WAZI_VERIFY_PIN``): asked twice, kept only as a hash on the client (``bot/pins.py``)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, identity, now, settings
from bot import pins
from bot.i18n import N_, gettext, language_of
from bot.identity import is_verified

logger = logging.getLogger(__name__)

ASK_NEW_PIN = N_(
    "Choose a PIN of 4 to 6 digits that the others using this phone do not know, and type it now."
)
ASK_NEW_PIN_AGAIN = N_("Please type the same PIN again.")
NOT_A_NEW_PIN = N_("A PIN is 4 to 6 digits, for example 4831. Please choose one.")
WEAK_PIN = N_("That PIN is too easy to guess (like 1234 or 0000). Please choose another one.")
PINS_DIFFER = N_("The two PINs were not the same. Let's start again.")
PIN_SAVED = N_(
    "Your PIN is set. When our conversation ends, this chat locks: to see your loan again, "
    "you or anyone using this phone will need the PIN."
)
PINS_NOT_USED = N_(
    "Your institution does not use PINs here: your phone number and date of birth protect "
    "your loan."
)
VERIFY_FIRST = N_(
    'First I need to check who you are. Ask me about your loan, then say "set a PIN" again.'
)
SAVED = "saved"  # new_pin_again once the PIN is stored


def _say(tracker: Tracker, message: str) -> str:
    return gettext(language_of(tracker.get_slot("language")), message)


class ValidatePinForm(FormValidationAction):
    def name(self) -> str:
        return "validate_pin_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        """Nothing to ask without PINs or from someone not verified: the form ends at once
        and ``action_pin_saved`` says why."""
        if not settings().verify_pin or not tracker.get_slot("verified"):
            return []
        return domain_slots

    def validate_new_pin(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        """A PIN of 4 to 6 digits nobody would guess; the conversation keeps only its hash."""
        pin = pins.normalise(value) if isinstance(value, str) else None
        if pin is None:
            dispatcher.utter_message(text=_say(tracker, NOT_A_NEW_PIN))
            return {"new_pin": None}
        if pins.weak(pin):
            dispatcher.utter_message(text=_say(tracker, WEAK_PIN))
            return {"new_pin": None}
        return {"new_pin": pins.pending(pin)}

    def validate_new_pin_again(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        """The same PIN again: then it is stored on the client; else start over."""
        pending = tracker.get_slot("new_pin")
        pin = pins.normalise(value) if isinstance(value, str) else None
        if pin is None or not isinstance(pending, str) or not pins.confirms(pending, pin):
            dispatcher.utter_message(text=_say(tracker, PINS_DIFFER))
            return {"new_pin": None, "new_pin_again": None}
        with db() as session:
            person = identity(session, tracker)
            if not is_verified(person) or person.client is None:
                return {"new_pin": None, "new_pin_again": None, "requested_slot": None}
            pins.set_pin(session, person.client, pin, person, now())
        return {"new_pin_again": SAVED}  # the form is complete; action_pin_saved clears both


class ActionPinSaved(Action):
    def name(self) -> str:
        return "action_pin_saved"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Say what came of the PIN form."""
        if not settings().verify_pin:
            message = PINS_NOT_USED
        elif tracker.get_slot("new_pin_again") == SAVED:
            message = PIN_SAVED
        else:
            message = VERIFY_FIRST
        dispatcher.utter_message(text=_say(tracker, message))
        return [SlotSet("new_pin", None), SlotSet("new_pin_again", None)]


class ActionSetPin(Action):
    def name(self) -> str:
        return "action_set_pin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """ "Set a PIN" from someone not verified: say what to do first (or that there are no
        PINs here)."""
        message = VERIFY_FIRST if settings().verify_pin else PINS_NOT_USED
        dispatcher.utter_message(text=_say(tracker, message))
        return []


class ActionAskNewPin(Action):
    def name(self) -> str:
        return "action_ask_pin_form_new_pin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text=_say(tracker, ASK_NEW_PIN))
        return []


class ActionAskNewPinAgain(Action):
    def name(self) -> str:
        return "action_ask_pin_form_new_pin_again"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text=_say(tracker, ASK_NEW_PIN_AGAIN))
        return []
