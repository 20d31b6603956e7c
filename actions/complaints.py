"""Complaints in chat: the complaint form, its receipt, the status of complaints and the
client's word on an answer. Thin glue to bot.complaints."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from babel import Locale
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from actions.context import db, identity, loan_source, now, settings, who
from bot.buttons import Button
from bot.complaints import chat, news, rules, store
from bot.complaints.rules import Category, Status
from bot.complaints.spool import Kept, Spool, spool_in, unreachable
from bot.db import models
from bot.db.session import engine_for
from bot.handoff import transcript_of
from bot.i18n import language_of, reply_locale
from bot.loan_source import LoanSourceUnavailable

logger = logging.getLogger(__name__)

MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 2000
FORM_SLOTS = ("complaint_category", "complaint_description", "complaint_anonymous")


def _locale(tracker: Tracker, person: models.ChatIdentity | None = None) -> Locale:
    client_locale = person.client.locale if person is not None and person.client else None
    return reply_locale(language_of(tracker.get_slot("language")), client_locale)


def _say(dispatcher: CollectingDispatcher, text: str, buttons: Sequence[Button] = ()) -> None:
    dispatcher.utter_message(text=text, buttons=[b.as_rasa() for b in buttons] or None)


def _asking_again(tracker: Tracker, slot: str) -> bool:
    """Whether the form asks for ``slot`` again (the last answer was not accepted)."""
    return tracker.get_slot("requested_slot") == slot


class ValidateComplaintForm(FormValidationAction):
    """Reads the answers; an answer not accepted is asked for again, in other words, by the
    ask actions below."""

    def name(self) -> str:
        return "validate_complaint_form"

    def validate_complaint_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        category = chat.category_of(str(value or ""), _locale(tracker))
        return {"complaint_category": category.value if category else None}

    def validate_complaint_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        ok = len(text) >= MIN_DESCRIPTION
        return {"complaint_description": text[:MAX_DESCRIPTION] if ok else None}

    def validate_complaint_anonymous(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        anonymous = chat.anonymity_of(str(value or ""))
        answer = None if anonymous is None else "yes" if anonymous else "no"
        return {"complaint_anonymous": answer}


class ActionAskComplaintCategory(Action):
    def name(self) -> str:
        return "action_ask_complaint_form_complaint_category"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        again = _asking_again(tracker, "complaint_category")
        text, buttons = chat.category_question(_locale(tracker), again=again)
        _say(dispatcher, text, buttons)
        return []


class ActionAskComplaintDescription(Action):
    def name(self) -> str:
        return "action_ask_complaint_form_complaint_description"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        again = _asking_again(tracker, "complaint_description")
        message = chat.TOO_SHORT if again else chat.ASK_DESCRIPTION
        _say(dispatcher, chat.text_in(_locale(tracker), message))
        return []


class ActionAskComplaintAnonymous(Action):
    def name(self) -> str:
        return "action_ask_complaint_form_complaint_anonymous"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        locale = _locale(tracker)
        _say(dispatcher, chat.text_in(locale, chat.ASK_ANONYMOUS), chat.anonymity_buttons(locale))
        return []


def _loan_concerned(
    session: Session, person: models.ChatIdentity, account: str | None, today: dt.date
) -> tuple[models.Loan | None, str | None]:
    """The loan the conversation is about, or the client's only active loan, as the loan source
    lists them: its row in Wazi's table when it has one, and its account number. None when
    the source cannot answer: the complaint is recorded all the same."""
    if person.client_id is None or person.verified_at is None:
        return None, None
    try:
        views = loan_source().client_loans(session, person.client_id, today).loans
    except LoanSourceUnavailable as exc:
        logger.warning("complaint recorded without its loan: %s", exc)
        return None, None
    accounts = [view.account_no for view in views]
    chosen = account if account in accounts else (accounts[0] if len(accounts) == 1 else None)
    if chosen is None:
        return None, None
    row = session.scalars(
        select(models.Loan).where(
            models.Loan.client_id == person.client_id, models.Loan.account_no == chosen
        )
    ).first()
    return row, chosen


class ActionSubmitComplaint(Action):
    def name(self) -> str:
        return "action_submit_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Record the complaint (once per message, however often Rasa retries) and say what
        happens next."""
        config = settings()
        language = language_of(tracker.get_slot("language"))
        channel, channel_user_id = who(tracker)
        message_id = tracker.latest_message.get("message_id") or ""
        kept = Kept(
            request_key=f"{tracker.sender_id}:{message_id}"[:64],
            channel=channel,
            channel_user_id=channel_user_id,
            category=tracker.get_slot("complaint_category") or Category.OTHER.value,
            description=tracker.get_slot("complaint_description") or "",
            anonymous=tracker.get_slot("complaint_anonymous") == "yes",
            loan_account=tracker.get_slot("loan_account"),
            locale=language,
            today=config.today().isoformat(),
            at=now().isoformat(),
            transcript=transcript_of(tracker.events),
        )
        forget = [SlotSet(slot, None) for slot in FORM_SLOTS]
        policy = complaint_policy()
        drain_kept(policy)
        try:
            with db() as session:
                person = identity(session, tracker)
                locale = _locale(tracker, person)
                loan, account = _loan_concerned(session, person, kept.loan_account, config.today())
                complaint = store.receive(
                    session,
                    person,
                    Category(kept.category),
                    kept.description,
                    anonymous=kept.anonymous,
                    loan=loan,
                    loan_account=account,
                    locale=locale.language,
                    today=config.today(),
                    now=now(),
                    policy=policy,
                    request_key=kept.request_key,
                    transcript=kept.transcript,
                )
                receipt = chat.receipt(complaint, locale)
        except DBAPIError as exc:
            if not unreachable(exc):
                raise
            logger.warning("complaint %s kept on disk: database unreachable", kept.request_key)
            spool().keep(kept)
            _say(dispatcher, chat.text_in(reply_locale(language), chat.KEPT))
            return forget
        _say(dispatcher, receipt)
        return forget


def spool() -> Spool:
    return spool_in(settings().data_dir)


def complaint_policy() -> rules.Policy:
    return settings().complaint_policy()


def drain_kept(policy: rules.Policy) -> None:
    """Write complaints kept while the database was down (if it is back)."""
    try:
        written = spool().drain(engine_for(settings().database_url), policy)
    except DBAPIError as exc:
        logger.warning("kept complaints not written yet: %s", exc)
        return
    if written:
        logger.info("kept complaints written: %s", ", ".join(written))


class ActionComplaintStatus(Action):
    def name(self) -> str:
        return "action_complaint_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Each of the person's complaints and where it stands (one, when a ticket is named),
        with what staff said that the client has not read yet; all of it then counts as
        delivered, so it is not said again (``bot.complaints.news``)."""
        wanted = rules.parse_ticket(tracker.latest_message.get("text") or "")
        drain_kept(complaint_policy())
        with db() as session:
            person = identity(session, tracker)
            locale = _locale(tracker, person)
            complaints = store.of_person(session, person)
            if not complaints:
                _say(dispatcher, chat.text_in(locale, chat.NO_COMPLAINTS))
                return []
            named = [c for c in complaints if c.ticket_no == wanted]
            if wanted and not named:
                _say(dispatcher, chat.text_in(locale, chat.NOT_FOUND) % {"ticket": wanted})
            shown = named or complaints
            for complaint in shown:
                text, buttons = chat.status_lines(complaint, locale)
                _say(dispatcher, text, buttons)
                for event in news.news_of([complaint]):
                    if event.kind != news.STATUS:  # the status lines show the answer itself
                        _say(dispatcher, *news.message_for(event, locale))
            news.mark_delivered(news.news_of(shown), now())
        return []


class ActionComplaintFeedback(Action):
    def name(self) -> str:
        return "action_complaint_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """The client's word on an answer: satisfied closes it, not satisfied reopens and
        escalates it."""
        ticket = next(tracker.get_latest_entity_values("ticket"), None)
        satisfied = next(tracker.get_latest_entity_values("satisfied"), None) == "yes"
        with db() as session:
            person = identity(session, tracker)
            locale = _locale(tracker, person)
            complaint = next(
                (c for c in store.of_person(session, person) if c.ticket_no == ticket), None
            )
            if complaint is None:
                _say(dispatcher, chat.text_in(locale, chat.NOT_FOUND) % {"ticket": ticket or "-"})
                return []
            if complaint.status is not Status.RESOLVED:
                _say(dispatcher, chat.text_in(locale, chat.NOT_RESOLVED_YET) % {"ticket": ticket})
                return []
            store.client_answer(complaint, satisfied, person, now())
            message = chat.CLOSED if satisfied else chat.REOPENED
            _say(dispatcher, chat.text_in(locale, message) % {"ticket": ticket})
        return []
