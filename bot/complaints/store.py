"""Complaints in the database: received, changed by staff, answered, reopened, swept.

Every change is a ``ComplaintEvent`` in the complaint's history, written in the caller's
transaction with the change itself. Times are UTC datetimes; deadlines are dates in the MFI's
calendar, checked against "today" (``WAZI_TODAY`` in demos and tests).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.complaints import rules
from bot.complaints.regulators import Regulator
from bot.complaints.rules import Category, Policy, Status
from bot.db import models


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who made a change: the client (their chat identity), a staff user, or the system."""

    kind: str  # client, staff, system
    id: str | None = None


SYSTEM = Actor("system", "sweep")


def _event(
    complaint: models.Complaint,
    actor: Actor,
    kind: str,
    now: dt.datetime,
    text: str | None = None,
    **details: Any,
) -> models.ComplaintEvent:
    event = models.ComplaintEvent(
        actor_type=actor.kind,
        actor_id=actor.id,
        kind=kind,
        status=complaint.status.value,
        text=text,
        details=details,
        at=now,
    )
    complaint.events.append(event)
    return event


def find_by_key(session: Session, request_key: str) -> models.Complaint | None:
    return session.scalars(
        select(models.Complaint).where(models.Complaint.request_key == request_key)
    ).one_or_none()


def receive(
    session: Session,
    person: models.ChatIdentity,
    category: Category,
    description: str,
    *,
    anonymous: bool,
    loan: models.Loan | None,
    locale: str,
    today: dt.date,
    now: dt.datetime,
    policy: Policy,
    request_key: str | None = None,
    transcript: Sequence[dict[str, Any]] = (),
    loan_account: str | None = None,
) -> models.Complaint:
    """Record a complaint with its ticket number and deadlines; escalate it at once when its
    category calls for that. With a ``request_key`` already recorded, the complaint recorded
    then is returned and nothing is written (a retry after an outage). ``transcript``, the
    conversation before it, is kept with the "received" event for staff to read. The loan is
    ``loan`` (a row of Wazi's table) or, for a loan kept elsewhere, its ``loan_account``."""
    if request_key is not None:
        existing = find_by_key(session, request_key)
        if existing is not None:
            return existing
    due = rules.deadlines(today, policy)
    client = person.client if person.verified_at is not None else None
    complaint = models.Complaint(
        chat_identity_id=person.id,
        client_id=client.id if client is not None else None,
        loan_id=loan.id if loan is not None else None,
        loan_account=loan.account_no if loan is not None else loan_account,
        branch_id=client.branch_id if client is not None else None,
        channel=person.channel,
        locale=locale,
        category=category,
        description=description.strip(),
        anonymous=anonymous,
        status=Status.RECEIVED,
        received_on=today,
        acknowledge_by=due.acknowledge_by,
        resolve_by=due.resolve_by,
        request_key=request_key,
        created_at=now,
        updated_at=now,
    )
    session.add(complaint)
    session.flush()  # the id makes the ticket number
    complaint.ticket_no = rules.ticket_number(today.year, complaint.id)
    details = {"transcript": list(transcript)} if transcript else {}
    _event(
        complaint,
        Actor("client", str(person.id)),
        "received",
        now,
        complaint.description,
        **details,
    )
    reason = rules.escalation_on_arrival(category, policy)
    if reason is not None:
        escalate(complaint, reason, SYSTEM, now)
    session.flush()
    return complaint


def escalate(
    complaint: models.Complaint, reason: str, actor: Actor, now: dt.datetime
) -> models.ComplaintEvent:
    """Escalate, recording why (a complaint already escalated keeps its first reason)."""
    if complaint.escalated_at is None:
        complaint.escalated_at = now
        complaint.escalation_reason = reason
    return _event(complaint, actor, "escalated", now, reason=reason)


def change_status(
    complaint: models.Complaint,
    wanted: Status,
    actor: Actor,
    now: dt.datetime,
    text: str | None = None,
) -> models.ComplaintEvent:
    """Move a complaint to ``wanted`` (TransitionError when the rules do not allow it);
    resolving needs the answer (``text``), which goes to the client."""
    rules.check_transition(complaint.status, wanted)
    if wanted is Status.RESOLVED:
        if not text or not text.strip():
            raise rules.TransitionError("resolving a complaint needs the answer for the client")
        complaint.resolution = text.strip()
        complaint.resolved_at = now
    if wanted is Status.ACKNOWLEDGED or (
        complaint.acknowledged_at is None and wanted in (Status.IN_PROGRESS, Status.RESOLVED)
    ):
        complaint.acknowledged_at = complaint.acknowledged_at or now
    if wanted is Status.CLOSED:
        complaint.closed_at = now
    complaint.status = wanted
    complaint.updated_at = now
    return _event(complaint, actor, "status", now, text.strip() if text else None)


def reply(
    complaint: models.Complaint, staff: Actor, text: str, now: dt.datetime
) -> models.ComplaintEvent:
    """A message from staff to the client (delivered on the complaint's channel)."""
    if not text.strip():
        raise ValueError("an empty reply")
    return _event(complaint, staff, "reply", now, text.strip())


def client_answer(
    complaint: models.Complaint, satisfied: bool, person: models.ChatIdentity, now: dt.datetime
) -> None:
    """The client's word on a resolution: satisfied closes it; not satisfied reopens it and
    escalates it."""
    actor = Actor("client", str(person.id))
    complaint.satisfied = satisfied
    if satisfied:
        change_status(complaint, Status.CLOSED, actor, now)
        return
    change_status(complaint, Status.REOPENED, actor, now)
    complaint.escalated_at = None  # a reopened complaint is escalated anew, for this reason
    escalate(complaint, rules.REOPENED, actor, now)


def of_person(session: Session, person: models.ChatIdentity) -> list[models.Complaint]:
    """The complaints a chat may see: its own, and its verified client's from other chats."""
    query = select(models.Complaint).order_by(models.Complaint.id)
    if person.client_id is not None and person.verified_at is not None:
        query = query.where(
            (models.Complaint.chat_identity_id == person.id)
            | (models.Complaint.client_id == person.client_id)
        )
    else:
        query = query.where(models.Complaint.chat_identity_id == person.id)
    return list(session.scalars(query))


def facts_of(complaint: models.Complaint) -> rules.Facts:
    return rules.Facts(
        category=complaint.category,
        status=complaint.status,
        escalated=complaint.escalated_at is not None,
        acknowledged=complaint.acknowledged_at is not None,
        acknowledge_by=complaint.acknowledge_by,
        resolve_by=complaint.resolve_by,
    )


@dataclasses.dataclass(frozen=True)
class Swept:
    """What the sweep did to one complaint: escalated it (its reasons), told the client of
    the regulator, or both."""

    ticket_no: str
    reasons: tuple[str, ...]  # why it was escalated now; empty when it was not
    regulator_notice: bool = False


def notify_regulator(
    complaint: models.Complaint, regulator: Regulator, missed: list[str], now: dt.datetime
) -> models.ComplaintEvent:
    """Record that the client is to be told of their right to go to ``regulator`` (the
    notice reaches them as news, ``bot.complaints.news``); once per complaint."""
    complaint.regulator_notice_at = now
    return _event(
        complaint, SYSTEM, "regulator_notice", now, **regulator.as_details(), missed=missed
    )


def sweep(
    session: Session, today: dt.date, now: dt.datetime, regulator: Regulator | None = None
) -> list[Swept]:
    """Escalate every open complaint that has missed a deadline on ``today`` (once each), and
    with a ``regulator``, tell each such client once of their right to go to it (whether or
    not the complaint was escalated before)."""
    waiting = models.Complaint.escalated_at.is_(None)
    if regulator is not None:
        waiting = waiting | models.Complaint.regulator_notice_at.is_(None)
    open_ = session.scalars(
        select(models.Complaint)
        .where(models.Complaint.status.in_(sorted(rules.OPEN_STATUSES)))
        .where(waiting)
        .order_by(models.Complaint.id)
    )
    swept = []
    for complaint in open_:
        facts = facts_of(complaint)
        reasons = rules.sweep_reasons(facts, today)
        if reasons:
            escalate(complaint, "; ".join(reasons), SYSTEM, now)
        missed = rules.overdue(facts, today)
        notice = False
        if regulator is not None and complaint.regulator_notice_at is None and missed:
            notify_regulator(complaint, regulator, missed, now)
            notice = True
        if reasons or notice:
            swept.append(Swept(complaint.ticket_no or "", tuple(reasons), notice))
    session.flush()
    return swept


def note(
    complaint: models.Complaint, staff: Actor, text: str, now: dt.datetime
) -> models.ComplaintEvent:
    """A note for staff only: it is in the history and never sent to the client."""
    if not text.strip():
        raise ValueError("an empty note")
    return _event(complaint, staff, "note", now, text.strip())


def assign(
    complaint: models.Complaint,
    to: models.StaffUser | None,
    actor: Actor,
    now: dt.datetime,
) -> models.ComplaintEvent:
    """Give the complaint to a staff member (or to no one)."""
    complaint.assigned_to = to
    complaint.assigned_to_id = to.id if to is not None else None
    complaint.updated_at = now
    return _event(complaint, actor, "assigned", now, to=to.username if to is not None else None)
