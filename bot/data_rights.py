"""A client's rights over their data, in chat: what Wazi stores about them, and deleting it.

What Wazi stores about the person writing in one chat (one chat identity): the chat's channel,
first contact and language; once they are verified, the client record the chat is linked to
(name, phone, date of birth, loans, branch, officer: the MFI's own records, which Wazi shows
but does not own); their lesson progress and quiz answers; the complaints and requests for a
person made in this chat; the relay's copies of their Telegram or WhatsApp messages; and the
conversation history Rasa keeps (``WAZI_RETENTION_DAYS``).

Deleting (after the person confirmed): the chat identity itself, its lesson progress and quiz
answers, the relay's copies of the messages it already answered and their delivery statuses,
and the transcripts of its requests for a person. Complaints are kept, as regulators require,
but anonymised: no chat, no client, no loan, no conversation transcript, hidden from the
branch. The audit log keeps its rows (they hold ids, never values) and gains one saying what
was deleted. The client's record and loans belong to the MFI and stay. Rasa's conversation
history is deleted by its tracker store when the action says so (``bot/rasa_forgetting.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.channels.relay import DONE, FAILED
from bot.chat_audit import audit_chat
from bot.db.models import (
    ChannelDelivery,
    ChannelMessage,
    ChatIdentity,
    Client,
    Complaint,
    ComplaintEvent,
    HandoffRequest,
    LessonAnswer,
    LessonProgress,
)
from bot.identity import is_verified

logger = logging.getLogger(__name__)

ANONYMISED = "anonymised"  # the complaint event that says a complaint lost its author


@dataclass(frozen=True)
class Stored:
    """What Wazi keeps about the person behind one chat identity."""

    channel: str
    first_contact: dt.datetime
    language: str | None
    client: Client | None  # the record this chat is verified as, if any
    loan_accounts: tuple[str, ...]
    lessons_started: int
    lessons_finished: int
    quiz_answers: int
    tickets: tuple[str, ...]
    handoffs: int
    channel_messages: int


@dataclass(frozen=True)
class Deleted:
    """What ``forget`` deleted, and the complaints it kept anonymised."""

    lessons: int
    quiz_answers: int
    channel_messages: int
    delivery_statuses: int
    handoff_transcripts: int
    kept_tickets: tuple[str, ...]


def _count(session: Session, statement) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(statement) or 0)


def stored_about(session: Session, person: ChatIdentity) -> Stored:
    """What Wazi stores about the person writing in ``person``'s chat."""
    progress = select(LessonProgress.id).where(LessonProgress.chat_identity_id == person.id)
    lessons_started = _count(
        session,
        select(func.count()).where(LessonProgress.chat_identity_id == person.id),
    )
    lessons_finished = _count(
        session,
        select(func.count()).where(
            LessonProgress.chat_identity_id == person.id, LessonProgress.status == "finished"
        ),
    )
    quiz_answers = _count(
        session, select(func.count()).where(LessonAnswer.progress_id.in_(progress))
    )
    tickets = tuple(
        ticket
        for ticket in session.scalars(
            select(Complaint.ticket_no)
            .where(Complaint.chat_identity_id == person.id)
            .order_by(Complaint.id)
        )
        if ticket
    )
    handoffs = _count(
        session, select(func.count()).where(HandoffRequest.chat_identity_id == person.id)
    )
    client = person.client if is_verified(person) else None
    return Stored(
        channel=person.channel,
        first_contact=person.created_at,
        language=person.locale,
        client=client,
        loan_accounts=tuple(loan.account_no for loan in client.loans) if client else (),
        lessons_started=lessons_started,
        lessons_finished=lessons_finished,
        quiz_answers=quiz_answers,
        tickets=tickets,
        handoffs=handoffs,
        channel_messages=_count(session, select(func.count()).where(*_messages_of(person))),
    )


def _messages_of(person: ChatIdentity) -> tuple:  # type: ignore[type-arg]
    return (
        ChannelMessage.channel == person.channel,
        ChannelMessage.user_id == person.channel_user_id,
    )


def forget(session: Session, person: ChatIdentity, now: dt.datetime) -> Deleted:
    """Delete what Wazi stores about ``person``'s chat, keep its complaints anonymised, and
    delete the chat identity itself; one audit row says what was done. The message being
    answered (still open at the relay) and any other unanswered one are left for the relay to
    finish; retention deletes
    it later with the rest of the answered messages."""
    progress_ids = list(
        session.scalars(
            select(LessonProgress.id).where(LessonProgress.chat_identity_id == person.id)
        )
    )
    answers = session.execute(
        delete(LessonAnswer).where(LessonAnswer.progress_id.in_(progress_ids))
    ).rowcount
    session.execute(delete(LessonProgress).where(LessonProgress.id.in_(progress_ids)))
    messages = session.execute(
        delete(ChannelMessage).where(
            *_messages_of(person), ChannelMessage.state.in_((DONE, FAILED))
        )
    ).rowcount
    deliveries = session.execute(
        delete(ChannelDelivery).where(
            ChannelDelivery.channel == person.channel,
            ChannelDelivery.chat_id == person.channel_user_id,
        )
    ).rowcount
    transcripts = 0
    for request in session.scalars(
        select(HandoffRequest).where(HandoffRequest.chat_identity_id == person.id)
    ):
        transcripts += bool(request.transcript)
        request.transcript = []
        request.client_id = None
        request.chat_identity_id = None
    kept = tuple(_anonymise(complaint, now) for complaint in _complaints_of(session, person))
    details: dict[str, object] = {
        "channel": person.channel,
        "lessons": len(progress_ids),
        "quiz_answers": answers,
        "channel_messages": messages,
        "delivery_statuses": deliveries,
        "handoff_transcripts": transcripts,
        "complaints_anonymised": len(kept),
    }
    audit_chat(session, person, "data.deleted", "chat_identity", str(person.id), details)
    session.flush()
    session.delete(person)
    session.flush()
    logger.info("chat identity %s deleted at its own request", details)
    return Deleted(
        lessons=len(progress_ids),
        quiz_answers=answers,
        channel_messages=messages,
        delivery_statuses=deliveries,
        handoff_transcripts=transcripts,
        kept_tickets=tuple(ticket for ticket in kept if ticket),
    )


def _complaints_of(session: Session, person: ChatIdentity) -> list[Complaint]:
    return list(
        session.scalars(
            select(Complaint).where(Complaint.chat_identity_id == person.id).order_by(Complaint.id)
        )
    )


def _anonymise(complaint: Complaint, now: dt.datetime) -> str | None:
    """Keep ``complaint`` without anything that leads to its author; its ticket number."""
    complaint.chat_identity_id = None
    complaint.client_id = None
    complaint.loan_id = None
    complaint.loan_account = None
    complaint.anonymous = True
    for event in complaint.events:
        if "transcript" in (event.details or {}):
            event.details = {k: v for k, v in event.details.items() if k != "transcript"}
    complaint.events.append(
        ComplaintEvent(
            actor_type="system",
            actor_id="data-deletion",
            kind=ANONYMISED,
            status=complaint.status.value,
            details={},
            at=now,
        )
    )
    return complaint.ticket_no
