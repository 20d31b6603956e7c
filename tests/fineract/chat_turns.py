"""The real rasa-sdk actions run as the action server runs them, on one chat: the identity
check of the verification form, then a loan question (see tests/complaints/
test_complaint_outage.py). Each returns what the dispatcher collected."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.loans import ActionLoanQuestion
from actions.verification import ValidateVerificationForm


def tracker(
    sender: str,
    slots: dict[str, Any],
    intent: str = "inform",
    text: str = "",
    latest_action: str = "action_listen",
) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=latest_action,
    )


def check_identity(
    sender: str, phone: str, born: str, language: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The date of birth given after the phone number: (the slots set, the messages)."""
    dispatcher = CollectingDispatcher()
    chat = tracker(
        sender,
        {"language": language, "phone_number": phone, "requested_slot": "date_of_birth"},
        latest_action="verification_form",
    )
    slots = ValidateVerificationForm().validate_date_of_birth(born, dispatcher, chat, {})
    return slots, dispatcher.messages


def ask(
    sender: str, intent: str, language: str, loan_account: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A loan question: (the events, the messages)."""
    dispatcher = CollectingDispatcher()
    chat = tracker(
        sender,
        {"language": language, "verified": True, "loan_account": loan_account},
        intent=intent,
    )
    events = asyncio.run(ActionLoanQuestion().run(dispatcher, chat, {}))
    return events, dispatcher.messages
