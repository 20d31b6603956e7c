"""Loan questions: answered from the client's own loan once the person is verified."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, identity, now, settings
from bot.db.models import AuditEntry
from bot.i18n import reply_locale
from bot.identity import is_verified, locked_until
from bot.loan_answers import client_loans
from bot.replies import BALANCE, NEXT_PAYMENT, answer

logger = logging.getLogger(__name__)

QUESTION_OF_INTENT = {"ask_next_payment": NEXT_PAYMENT, "ask_balance": BALANCE}
LOCKED = (
    "For your security, checking who you are is paused after too many attempts. "
    "Please try again in {minutes} minute(s), or visit your branch."
)
FORGET_ANSWERS = [SlotSet("phone_number", None), SlotSet("date_of_birth", None)]


class ActionLoanQuestion(Action):
    def name(self) -> str:
        return "action_loan_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer the question if the person is verified, else remember it for later."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        after_check = tracker.latest_action_name == "verification_form"
        question = QUESTION_OF_INTENT.get(intent) if not after_check else None
        question = question or tracker.get_slot("pending_question")

        with db() as session:
            person = identity(session, tracker)
            if not is_verified(person):
                until = locked_until(person, now())
                if after_check and until is not None:
                    minutes = max(1, int((until - now()).total_seconds() // 60) + 1)
                    dispatcher.utter_message(text=LOCKED.format(minutes=minutes))
                return [SlotSet("verified", False), SlotSet("pending_question", question)]

            today = settings().today()
            loans = client_loans(session, person.client_id, today)
            locale = reply_locale(loans.locale)
            dispatcher.utter_message(
                text=answer(question or NEXT_PAYMENT, loans.loans, locale, today)
            )
            session.add(
                AuditEntry(
                    actor_type="chat",
                    actor_id=str(person.id),
                    action="loan.answered",
                    subject_type="client",
                    subject_id=str(person.client_id),
                    details={"question": question or NEXT_PAYMENT},
                )
            )
        return [SlotSet("verified", True), SlotSet("pending_question", None), *FORGET_ANSWERS]
