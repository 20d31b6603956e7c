"""Session start: carry slots over and mirror the identity's verified link into a slot."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, identity, settings
from bot.identity import is_verified, language_for, lock_with_pin

logger = logging.getLogger(__name__)

SESSION_METADATA = "session_started_metadata"  # Rasa's slot for the new message's metadata


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Start a session with the identity's current verified state; with PINs on
        (``WAZI_VERIFY_PIN``), a chat whose client set a PIN locks until the PIN is given."""
        with db() as session:
            person = identity(session, tracker, tracker.get_slot(SESSION_METADATA))
            if settings().verify_pin:
                lock_with_pin(session, person)
            verified = is_verified(person)
            language = language_for(person)
        carried = [
            SlotSet(key, value)
            for key, value in tracker.slots.items()
            if value is not None
            and key
            not in {"verified", "language", "phone_number", "date_of_birth", SESSION_METADATA}
        ]
        return [
            SessionStarted(),
            *carried,
            SlotSet("verified", verified),
            SlotSet("language", language),
            ActionExecuted("action_listen"),
        ]
