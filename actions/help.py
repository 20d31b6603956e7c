"""When Wazi does not understand, and when the person wants a human."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, identity, settings
from actions.language import offer_language_switch
from bot.handoff import request_handoff, transcript_of
from bot.i18n import N_, gettext, language_of

logger = logging.getLogger(__name__)

INTENT_LABELS = {
    "ask_next_payment": N_("Next payment"),
    "ask_balance": N_("My balance"),
    "ask_overdue": N_("Late payments"),
    "ask_schedule": N_("My schedule"),
    "ask_payments": N_("My payments"),
    "ask_total_cost": N_("Cost of my loan"),
    "ask_payoff": N_("Pay off early"),
    "ask_late_cost": N_("If I pay late"),
    "ask_pay_extra": N_("If I pay extra"),
    "ask_flat_vs_declining": N_("How interest works"),
    "ask_contact": N_("My loan officer"),
    "change_language": N_("Change language"),
    "request_human": N_("Talk to a person"),
    "help": N_("Help"),
}
DID_YOU_MEAN = N_("Sorry, I am not sure I understood. Did you mean one of these?")
SOMETHING_ELSE = N_("Something else")
HANDOFF = N_(
    "I have asked a person from our team to contact you (request %(number)s). They answer "
    "%(hours)s. You can keep asking me questions meanwhile."
)


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """First offer the best guesses as buttons; if that fails too, show the help menu."""
        language = language_of(tracker.get_slot("language"))
        previous = [e for e in tracker.events if e.get("event") == "user"][-2:-1]
        twice = bool(previous) and (
            previous[0].get("parse_data", {}).get("intent", {}).get("name") == "nlu_fallback"
        )
        ranking = tracker.latest_message.get("intent_ranking") or []
        guesses = [r["name"] for r in ranking if r.get("name") in INTENT_LABELS][:2]
        offer_language_switch(dispatcher, tracker)
        if twice or not guesses:
            dispatcher.utter_message(response="utter_help", language=language)
            return []
        buttons = [
            {"title": gettext(language, INTENT_LABELS[name]), "payload": f"/{name}"}
            for name in guesses
        ]
        buttons.append({"title": gettext(language, SOMETHING_ELSE), "payload": "/help"})
        dispatcher.utter_message(text=gettext(language, DID_YOU_MEAN), buttons=buttons)
        return []


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Record a request for a person, with the conversation, and say when they answer."""
        transcript = transcript_of(tracker.events)
        hours = settings().support_hours
        with db() as session:
            person = identity(session, tracker)
            request = request_handoff(session, person, transcript)
            if person.client is not None and person.client.branch is not None:
                hours = person.client.branch.opening_hours or hours
            number = request.id
        language = language_of(tracker.get_slot("language"))
        text = gettext(language, HANDOFF) % {"number": number, "hours": hours}
        dispatcher.utter_message(text=text)
        return []
