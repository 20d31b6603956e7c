"""News for a client about their complaints: what staff said, said once on the complaint's chat.

News is an event of a complaint not yet delivered (``delivered_at`` None) that the client must
read: a staff reply, the answer that resolved it, and the notice of their right to go to the
regulator after a missed deadline (``store.sweep``). It reaches the chat the complaint came
from: the web chat appends it to the answers to the client's next message
(``bot.web.chat``), the Telegram and WhatsApp adapters push it (``news_pusher``), and asking
for the status of one's complaints shows it (``actions/complaints.py``). Whoever shows it marks
it delivered in the same transaction, so nothing is said twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from babel import Locale
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from bot.buttons import Button
from bot.complaints import chat
from bot.complaints.regulators import Regulator
from bot.complaints.rules import Status
from bot.db import models
from bot.i18n import N_, reply_locale

logger = logging.getLogger(__name__)

REPLY = "reply"
STATUS = "status"
REGULATOR_NOTICE_KIND = "regulator_notice"

REPLY_NEWS = N_("About your complaint %(ticket)s, our team writes: %(text)s")
RESOLVED_NEWS = N_("Complaint %(ticket)s has been answered.")
# TRANSLATORS: %(name)s is the regulator or ombudsman, %(contact)s its website or phone.
REGULATOR_NOTICE = N_(
    "Complaint %(ticket)s was not answered in time. You have the right to take it to "
    "%(name)s: %(contact)s."
)


def _is_news() -> ColumnElement[bool]:
    event = models.ComplaintEvent
    return and_(
        event.delivered_at.is_(None),
        or_(
            event.kind.in_((REPLY, REGULATOR_NOTICE_KIND)),
            and_(event.kind == STATUS, event.status == Status.RESOLVED.value),
        ),
    )


def is_news(event: models.ComplaintEvent) -> bool:
    """Whether the client has yet to read ``event``."""
    if event.delivered_at is not None:
        return False
    if event.kind in (REPLY, REGULATOR_NOTICE_KIND):
        return True
    return event.kind == STATUS and event.status == Status.RESOLVED.value


def pending(session: Session, person: models.ChatIdentity) -> list[models.ComplaintEvent]:
    """The news of the complaints made in ``person``'s chat, oldest first."""
    return list(
        session.scalars(
            select(models.ComplaintEvent)
            .join(models.Complaint)
            .where(models.Complaint.chat_identity_id == person.id)
            .where(_is_news())
            .order_by(models.ComplaintEvent.at, models.ComplaintEvent.id)
        )
    )


def chats_with_news(session: Session, channel: str) -> list[models.ChatIdentity]:
    """The chats of ``channel`` that have news waiting."""
    with_news = (
        select(models.Complaint.chat_identity_id)
        .join(models.ComplaintEvent)
        .where(_is_news())
        .distinct()
    )
    return list(
        session.scalars(
            select(models.ChatIdentity)
            .where(models.ChatIdentity.channel == channel)
            .where(models.ChatIdentity.id.in_(with_news))
            .order_by(models.ChatIdentity.id)
        )
    )


def news_of(complaints: Iterable[models.Complaint]) -> list[models.ComplaintEvent]:
    """The news among the events of ``complaints``, oldest first."""
    events = [event for complaint in complaints for event in complaint.events if is_news(event)]
    return sorted(events, key=lambda event: (event.at, event.id))


def locale_of(event: models.ComplaintEvent) -> Locale:
    """The language the complaint is answered in."""
    return reply_locale(event.complaint.locale)


def message_for(event: models.ComplaintEvent, locale: Locale) -> tuple[str, list[Button]]:
    """One piece of news as the client reads it, with the buttons it needs."""
    complaint = event.complaint
    ticket = complaint.ticket_no or ""
    if event.kind == REPLY:
        values = {"ticket": ticket, "text": event.text or ""}
        return chat.text_in(locale, REPLY_NEWS) % values, []
    if event.kind == REGULATOR_NOTICE_KIND:
        regulator = Regulator.from_details(event.details or {})
        text = regulator.text_in(locale.language) or chat.text_in(locale, REGULATOR_NOTICE)
        values = {"ticket": ticket, "name": regulator.name, "contact": regulator.contact}
        return text % values, []
    if event.kind == STATUS and event.status == Status.RESOLVED.value:
        lines = [
            chat.text_in(locale, RESOLVED_NEWS) % {"ticket": ticket},
            chat.text_in(locale, chat.ANSWER) % {"resolution": event.text or ""},
        ]
        buttons: list[Button] = []
        if complaint.status is Status.RESOLVED:  # not yet closed or reopened by the client
            lines.append(chat.text_in(locale, chat.ASK_SATISFIED))
            buttons = chat.satisfaction_buttons(ticket, locale)
        return "\n".join(lines), buttons
    raise ValueError(f"a {event.kind} event is not news for the client")


def mark_delivered(events: Iterable[models.ComplaintEvent], now: dt.datetime) -> None:
    """Record that ``events`` reached the client (in the caller's transaction)."""
    for event in events:
        event.delivered_at = now
