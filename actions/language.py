"""Languages: chosen at first contact, changed any time, remembered on the client's record."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, identity
from bot.i18n import LANGUAGE_NAMES, N_, gettext, language_of, parse_language
from bot.identity import language_for, set_language
from bot.language_detect import detect_language

# Rendered in the detected language: each catalog names its own language here.
OFFER_SWITCH = N_("Would you like me to speak English?")


def offer_language_switch(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """If the message is plainly in another supported language, offer to switch to it."""
    current = language_of(tracker.get_slot("language"))
    detected = detect_language(tracker.latest_message.get("text") or "")
    if detected is None or detected == current:
        return
    dispatcher.utter_message(
        text=gettext(detected, OFFER_SWITCH),
        buttons=[
            {
                "title": LANGUAGE_NAMES[detected],
                "payload": "/choose_language" + json.dumps({"language": detected}),
            }
        ],
    )


logger = logging.getLogger(__name__)


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Greet in the person's language, or first ask which language they want."""
        with db() as session:
            language = language_for(identity(session, tracker))
        if language is None:
            dispatcher.utter_message(response="utter_choose_language")
            return []
        dispatcher.utter_message(response="utter_greet", language=language)
        return [SlotSet("language", language)]


class ActionSetLanguage(Action):
    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Switch to the language the person chose (button or "speak Swahili")."""
        wanted = next(tracker.get_latest_entity_values("language"), None)
        code = parse_language(wanted)
        if code is None:
            dispatcher.utter_message(response="utter_choose_language")
            return []
        with db() as session:
            set_language(session, identity(session, tracker), code)
        dispatcher.utter_message(response="utter_language_set", language=code)
        return [SlotSet("language", code)]
