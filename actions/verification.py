"""The identity check form: phone number, then date of birth, matched against the client;
then the one-time linking code from the loan card where the institution wants it
(``WAZI_VERIFY_LINK_CODE``)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import (
    channel_claim,
    db,
    identity,
    loan_source,
    now,
    settings,
    verification_policy,
)
from bot import pins
from bot.channels.custom import REQUEST_CONTACT
from bot.i18n import N_, gettext, language_of, translations_for
from bot.identity import (
    Attempt,
    Outcome,
    is_verified,
    locked_by_pin,
    locked_until,
    parse_birth_date,
    phone_candidates,
    unlink,
    unlock,
    verify,
)
from bot.link_codes import normalise
from bot.loan_source import UNAVAILABLE, LoanSourceUnavailable

logger = logging.getLogger(__name__)

NOT_A_PHONE = N_(
    "That does not look like a phone number. Please type it with the country code, "
    "for example +254712345678."
)
NOT_A_DATE = N_(
    "I could not read that date. Please type your date of birth like 1990-04-12 "
    "(year-month-day) or 12/04/1990 (day/month/year)."
)
ASK_PHONE = N_(
    "To keep your loan private, I first need to check who you are. "
    "What is your phone number, as registered with us? For example +254712345678."
)
LOGGED_OUT = N_(
    "You are logged out: this chat no longer shows your loan. To see it again, I will check "
    "your phone number and date of birth."
)
NOT_LOGGED_IN = N_("This chat is not linked to any loan, so there is nothing to log out of.")
ASK_PHONE_AGAIN = N_("What is your registered phone number?")
# Telegram: the number comes from the "share my phone number" button (a proven number).
ASK_PHONE_TELEGRAM = N_(
    "To keep your loan private, I first need to check who you are. Please press the button "
    '"Share my phone number" below.'
)
USE_THE_BUTTON = N_(
    'For your security I can only use a number shared with the button "Share my phone '
    'number" below, not a typed one. Please press it.'
)
# WhatsApp: the number the client writes from is the phone number to check.
ASK_BIRTH_DATE_WHATSAPP = N_(
    "To keep your loan private, I check the number you are writing from and your date of "
    "birth. What is your date of birth? "
    "For example 1990-04-12 (year-month-day) or 12/04/1990 (day/month/year)."
)
ASK_BIRTH_DATE = N_(
    "Thank you. What is your date of birth? "
    "For example 1990-04-12 (year-month-day) or 12/04/1990 (day/month/year)."
)

# WAZI_VERIFY_LINK_CODE: the code the loan officer handed over, printed on the loan card.
ASK_LINK_CODE = N_(
    "Thank you. Last step: what is the linking code on your loan card? It has 8 letters and "
    "numbers, for example K7QM-3XPA. If you do not have it, please ask your loan officer."
)
NOT_A_LINK_CODE = N_(
    "That does not look like a linking code. It has 8 letters and numbers, for example "
    "K7QM-3XPA, and is printed on your loan card."
)
LINK_CODE = "link_code"
# WAZI_VERIFY_PIN: the PIN a client set for a shared phone (actions/pins.py).
ASK_PIN = N_("Last step, for your security: what is your PIN? It is the 4 to 6 digits you chose.")
UNLOCK_PIN = N_(
    "A PIN protects this chat since our last conversation ended. What is your PIN? If this is "
    'not your loan, say "this is not me".'
)
NOT_A_PIN = N_(
    "A PIN is 4 to 6 digits, for example 4831. Please type it again. Forgotten it? Your loan "
    "officer can remove it; then you choose a new one."
)
PIN = "pin"


def _mismatch(tracker: Tracker, left: int) -> str:
    catalog = translations_for(language_of(tracker.get_slot("language")))
    message = catalog.ngettext(
        "Sorry, those details do not match our records. Let's try again ({left} attempt left).",
        "Sorry, those details do not match our records. Let's try again ({left} attempts left).",
        left,
    )
    return message.format(left=left)


def _say(tracker: Tracker, message: str) -> str:
    """A message in the language of the conversation."""
    return gettext(language_of(tracker.get_slot("language")), message)


def _proven_phone(tracker: Tracker, channel: str) -> str | None:
    """The phone number ``channel``'s adapter vouches for in this message, if any."""
    claim = channel_claim(tracker)
    if claim is None or claim.channel != channel:
        return None
    return claim.phone


def _request_contact(dispatcher: CollectingDispatcher, tracker: Tracker, message: str) -> None:
    """Say ``message`` with Telegram's share-my-number button (drawn by the adapter)."""
    dispatcher.utter_message(custom={REQUEST_CONTACT: {"text": _say(tracker, message)}})


def _check(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    born: dt.date,
    link_code: str | None,
    pin: str | None = None,
) -> Attempt | None:
    """The identity check on this conversation's answers; None (and the person told) when the
    loan source cannot answer, which is not a failed attempt: nothing was checked. With PINs on
    (``WAZI_VERIFY_PIN``), a client who set one is asked for it after the birth date."""
    whatsapp_phone = _proven_phone(tracker, "whatsapp")
    if whatsapp_phone is not None:
        phones = [whatsapp_phone]
    else:
        typed = tracker.get_slot("phone_number") or ""
        phones = phone_candidates(typed, settings().phone_regions)
    try:
        with db() as session:
            return verify(
                session,
                identity(session, tracker),
                phones,
                born,
                now(),
                verification_policy(),
                loan_source(),
                link_code=link_code,
                pin=pin,
                require_pin=settings().verify_pin and link_code is None,
            )
    except LoanSourceUnavailable as exc:
        logger.warning("identity check not possible, loan source unavailable: %s", exc)
        dispatcher.utter_message(text=_say(tracker, UNAVAILABLE))
        return None


class ValidateVerificationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        """Nothing to ask from an identity that is locked or already verified; only the PIN
        from a chat its PIN locked when the last conversation ended."""
        with db() as session:
            person = identity(session, tracker)
            if is_verified(person) or locked_until(person, now()) is not None:
                return []
            if settings().verify_pin and locked_by_pin(person):
                return [PIN]
        skipped = set() if settings().verify_link_code else {LINK_CODE}
        if not tracker.get_slot("pin_required"):
            skipped.add(PIN)
        if _proven_phone(tracker, "whatsapp"):
            skipped.add("phone_number")
        return [slot for slot in domain_slots if slot not in skipped]

    def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        """Accept anything that reads as a phone number; whether it is registered stays secret.

        On Telegram only the number shared with the contact button counts (the adapter has
        checked it is the sender's own and signed it); a typed number is refused.
        """
        claim = channel_claim(tracker)
        if claim is not None and claim.channel == "telegram":
            if claim.phone is None:
                _request_contact(dispatcher, tracker, USE_THE_BUTTON)
                return {"phone_number": None}
            return {"phone_number": claim.phone}
        if not isinstance(value, str) or not phone_candidates(value, settings().phone_regions):
            dispatcher.utter_message(text=_say(tracker, NOT_A_PHONE))
            return {"phone_number": None}
        return {"phone_number": value.strip()}

    def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        """Check the phone number and date of birth together against the client records (with
        the linking code on, only read the date: all three are checked together after it)."""
        born = parse_birth_date(value, settings().today()) if isinstance(value, str) else None
        if born is None:
            dispatcher.utter_message(text=_say(tracker, NOT_A_DATE))
            return {"date_of_birth": None}
        if settings().verify_link_code:
            return {"date_of_birth": value}
        result = _check(dispatcher, tracker, born, None)
        if result is None:
            return {"date_of_birth": None}  # trying again is giving the date again
        if result.outcome is Outcome.NEED_PIN:
            return {"date_of_birth": value, "pin_required": True}
        return _settled(dispatcher, tracker, result, {"date_of_birth": value})

    def validate_link_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        """Check the phone number, date of birth and linking code together; a wrong code fails
        like a wrong date. The code is never kept in the conversation."""
        if not isinstance(value, str) or normalise(value) is None:
            dispatcher.utter_message(text=_say(tracker, NOT_A_LINK_CODE))
            return {LINK_CODE: None}
        typed_date = tracker.get_slot("date_of_birth")
        born = (
            parse_birth_date(typed_date, settings().today())
            if isinstance(typed_date, str)
            else None
        )
        if born is None:  # the date did not survive (a tracker store that cannot read it)
            return {"date_of_birth": None, LINK_CODE: None}
        result = _check(dispatcher, tracker, born, value)
        if result is None:
            return {LINK_CODE: None}  # trying again is giving the code again
        return _settled(dispatcher, tracker, result, {LINK_CODE: None})

    def validate_pin(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        """Check the PIN: alone for a chat its PIN locked (``unlock``), else with the phone
        number and birth date; a wrong PIN fails like a wrong date. Never kept."""
        if not isinstance(value, str) or pins.normalise(value) is None:
            dispatcher.utter_message(text=_say(tracker, NOT_A_PIN))
            return {PIN: None}
        with db() as session:
            person = identity(session, tracker)
            if locked_by_pin(person):
                result: Attempt | None = unlock(
                    session, person, value, now(), verification_policy()
                )
            else:
                result = None
        if result is None:
            typed_date = tracker.get_slot("date_of_birth")
            born = (
                parse_birth_date(typed_date, settings().today())
                if isinstance(typed_date, str)
                else None
            )
            if born is None:  # the date did not survive (a tracker store that cannot read it)
                return {"date_of_birth": None, PIN: None, "pin_required": None}
            result = _check(dispatcher, tracker, born, None, pin=value)
            if result is None:
                return {PIN: None}  # trying again is giving the PIN again
        return _settled(dispatcher, tracker, result, {PIN: None, "pin_required": None})


def _settled(
    dispatcher: CollectingDispatcher, tracker: Tracker, result: Attempt, answered: dict[str, Any]
) -> dict[str, Any]:
    """The slots after a check: ``answered`` and verified; or, after a mismatch (the person
    told how many tries are left) or a lock, every answer forgotten so the form starts over."""
    if result.outcome is Outcome.VERIFIED:
        return {**answered, "verified": True, "language": result.language}
    cleared: dict[str, Any] = {"phone_number": None, "date_of_birth": None}
    cleared |= {name: None for name in (LINK_CODE, PIN, "pin_required") if tracker.get_slot(name)}
    cleared |= {name: None for name in answered}
    if result.outcome is Outcome.LOCKED:
        return {**cleared, "requested_slot": None}
    dispatcher.utter_message(text=_mismatch(tracker, result.attempts_left))
    return cleared


class ActionAskPhoneNumber(Action):
    def name(self) -> str:
        return "action_ask_verification_form_phone_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask for the registered phone number (briefly when asking again)."""
        claim = channel_claim(tracker)
        if claim is not None and claim.channel == "telegram":
            _request_contact(dispatcher, tracker, ASK_PHONE_TELEGRAM)
            return []
        with db() as session:
            retry = identity(session, tracker).failed_attempts > 0
        dispatcher.utter_message(text=_say(tracker, ASK_PHONE_AGAIN if retry else ASK_PHONE))
        return []


class ActionAskBirthDate(Action):
    def name(self) -> str:
        return "action_ask_verification_form_date_of_birth"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask for the date of birth (on WhatsApp, the first and only question)."""
        first = _proven_phone(tracker, "whatsapp") is not None
        dispatcher.utter_message(
            text=_say(tracker, ASK_BIRTH_DATE_WHATSAPP if first else ASK_BIRTH_DATE)
        )
        return []


class ActionAskLinkCode(Action):
    def name(self) -> str:
        return "action_ask_verification_form_link_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask for the linking code on the loan card (``WAZI_VERIFY_LINK_CODE``)."""
        dispatcher.utter_message(text=_say(tracker, ASK_LINK_CODE))
        return []


class ActionAskPin(Action):
    def name(self) -> str:
        return "action_ask_verification_form_pin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask for the client's PIN: to unlock a chat its PIN locked, or as the last step."""
        with db() as session:
            unlocking = locked_by_pin(identity(session, tracker))
        dispatcher.utter_message(text=_say(tracker, UNLOCK_PIN if unlocking else ASK_PIN))
        return []


class ActionLogout(Action):
    def name(self) -> str:
        return "action_logout"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Unlink this chat from the client ("log out", "this is not me")."""
        with db() as session:
            was_linked = unlink(session, identity(session, tracker))
        dispatcher.utter_message(text=_say(tracker, LOGGED_OUT if was_linked else NOT_LOGGED_IN))
        return [
            SlotSet("verified", False),
            SlotSet("loan_account", None),
            SlotSet("pending_question", None),
            SlotSet("pending_text", None),
        ]
