"""Loan questions: answered from the client's own loan once the person is verified."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import channel_claim, db, identity, loan_source, now, only_changes, settings
from actions.language import offer_language_switch
from actions.lessons import say
from bot.channels.custom import CHART_REQUEST
from bot.chat_audit import audit_chat
from bot.i18n import gettext, language_of, translations_for
from bot.identity import is_verified, language_for, locked_until
from bot.lessons.suggest import topic_for
from bot.lessons.tutor import Tutor
from bot.loan_source import UNAVAILABLE, LoanSourceUnavailable
from bot.replies import (
    BALANCE,
    CONTACT,
    FLAT_VS_DECLINING,
    LATE_COST,
    NEXT_PAYMENT,
    OVERDUE,
    PAY_EXTRA,
    PAYMENTS,
    PAYOFF,
    SCHEDULE,
    TOTAL_COST,
    answer,
)

logger = logging.getLogger(__name__)

QUESTION_OF_INTENT = {
    "ask_next_payment": NEXT_PAYMENT,
    "ask_balance": BALANCE,
    "ask_overdue": OVERDUE,
    "ask_schedule": SCHEDULE,
    "ask_payments": PAYMENTS,
    "ask_total_cost": TOTAL_COST,
    "ask_payoff": PAYOFF,
    "ask_late_cost": LATE_COST,
    "ask_pay_extra": PAY_EXTRA,
    "ask_flat_vs_declining": FLAT_VS_DECLINING,
    "ask_contact": CONTACT,
}


def _locked(language: str, minutes: int) -> str:
    return (
        translations_for(language)
        .ngettext(
            "For your security, checking who you are is paused after too many attempts. "
            "Please try again in {minutes} minute, or visit your branch.",
            "For your security, checking who you are is paused after too many attempts. "
            "Please try again in {minutes} minutes, or visit your branch.",
            minutes,
        )
        .format(minutes=minutes)
    )


FORGET_ANSWERS = [SlotSet("phone_number", None), SlotSet("date_of_birth", None)]


def _page(tracker: Tracker) -> int:
    raw = next(tracker.get_latest_entity_values("schedule_page"), None)
    return int(raw) if isinstance(raw, str) and raw.isdigit() else 1


class ActionLoanQuestion(Action):
    def name(self) -> str:
        return "action_loan_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer the question if the person is verified, else remember it for later."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        after_check = tracker.latest_action_name == "verification_form"
        if intent in QUESTION_OF_INTENT and not after_check:
            question = QUESTION_OF_INTENT[intent]
            text = tracker.latest_message.get("text") or ""
        else:  # after the identity check, or the client picked a loan: the pending question
            question = tracker.get_slot("pending_question") or NEXT_PAYMENT
            text = tracker.get_slot("pending_text") or ""
        chosen = next(tracker.get_latest_entity_values("loan_account"), None)
        remember = [SlotSet("pending_question", question), SlotSet("pending_text", text)]

        with db() as session:
            person = identity(session, tracker)
            if not is_verified(person):
                until = locked_until(person, now())
                if after_check and until is not None:
                    minutes = max(1, int((until - now()).total_seconds() // 60) + 1)
                    language = language_of(tracker.get_slot("language"))
                    dispatcher.utter_message(text=_locked(language, minutes))
                return only_changes(tracker, [SlotSet("verified", False), *remember])

            today = settings().today()
            try:
                loans = loan_source().client_loans(session, person.client_id, today)
            except LoanSourceUnavailable as exc:  # never a figure we cannot vouch for
                logger.warning("loan question not answered, loan source unavailable: %s", exc)
                language = language_for(person) or language_of(tracker.get_slot("language"))
                dispatcher.utter_message(text=gettext(language, UNAVAILABLE))
                return only_changes(tracker, [SlotSet("verified", True), *remember])
            language = language_for(person) or language_of(loans.locale)
            reply = answer(
                question,
                loans,
                language=language,
                today=today,
                text=text,
                loan_account=chosen or tracker.get_slot("loan_account"),
                page=_page(tracker),
            )
            dispatcher.utter_message(
                text=reply.text,
                buttons=[b.as_rasa() for b in reply.buttons],
            )
            if question == SCHEDULE and reply.loan_account and channel_claim(tracker):
                # Telegram and WhatsApp show pictures: the adapter draws the chart itself.
                dispatcher.utter_message(
                    custom={CHART_REQUEST: {"loan_account": reply.loan_account}}
                )
            if not after_check:
                offer_language_switch(dispatcher, tracker)
            if not reply.asked_which_loan:
                details = {"question": question, "client_id": person.client_id}
                audit_chat(session, person, "loan.answered", "loan", reply.loan_account, details)
                currency = loans.currency or settings().currency  # as currency_for
                tutor = Tutor(session, person, language, currency, now())
                suggestion = tutor.suggest(topic_for(view.standing for view in loans.loans))
                if suggestion is not None:
                    say(dispatcher, suggestion)
        events = [SlotSet("verified", True), SlotSet("language", language), *FORGET_ANSWERS]
        if reply.asked_which_loan:
            return only_changes(tracker, [*events, *remember])
        return only_changes(
            tracker,
            [
                *events,
                SlotSet("loan_account", reply.loan_account),
                SlotSet("pending_question", None),
                SlotSet("pending_text", None),
            ],
        )
