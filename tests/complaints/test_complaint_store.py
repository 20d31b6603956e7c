"""Complaints in the database (SQLite and PostgreSQL): received, escalated, resolved, reopened,
swept, and written once however often a request is retried."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.complaints import rules, store
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.db.session import session_scope

TODAY = dt.date(2026, 11, 25)  # a Wednesday
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
STAFF = store.Actor("staff", "wanjiru")


def person(session: Session, user: str = "chat-1") -> models.ChatIdentity:
    row = models.ChatIdentity(channel="rest", channel_user_id=user)
    session.add(row)
    session.flush()
    return row


def receive(
    session: Session,
    who: models.ChatIdentity,
    category: Category = Category.WRONG_CHARGE,
    **kw: object,
) -> models.Complaint:
    values: dict = {
        "anonymous": False,
        "loan": None,
        "locale": "sw",
        "today": TODAY,
        "now": NOW,
        "policy": Policy(),
        **kw,
    }
    return store.receive(session, who, category, "  They charged me twice.  ", **values)


def test_a_complaint_gets_a_ticket_deadlines_and_a_history(session: Session) -> None:
    complaint = receive(session, person(session))
    assert complaint.ticket_no == f"WZ-2026-{complaint.id:06d}"
    assert (complaint.acknowledge_by, complaint.resolve_by) == (
        dt.date(2026, 12, 2),
        dt.date(2026, 12, 16),
    )
    assert complaint.status is Status.RECEIVED and complaint.escalated_at is None
    assert complaint.description == "They charged me twice."
    assert [(e.kind, e.actor_type, e.status) for e in complaint.events] == [
        ("received", "client", "received")
    ]


@pytest.mark.parametrize("category", [Category.HARASSMENT, Category.FRAUD, Category.PRIVACY])
def test_serious_complaints_are_escalated_on_arrival(session: Session, category: Category) -> None:
    complaint = receive(session, person(session), category)
    assert complaint.escalated_at == NOW
    assert complaint.escalation_reason == rules.AT_ONCE
    assert [e.kind for e in complaint.events] == ["received", "escalated"]


def test_resolve_then_the_client_is_not_satisfied_reopens_and_escalates(session: Session) -> None:
    who = person(session)
    complaint = receive(session, who)
    store.change_status(complaint, Status.ACKNOWLEDGED, STAFF, NOW)
    with pytest.raises(rules.TransitionError, match="needs the answer"):
        store.change_status(complaint, Status.RESOLVED, STAFF, NOW, "  ")
    store.change_status(complaint, Status.RESOLVED, STAFF, NOW, "We refunded the second charge.")
    assert complaint.resolution == "We refunded the second charge."
    later = NOW + dt.timedelta(days=1)
    store.client_answer(complaint, False, who, later)
    assert complaint.status is Status.REOPENED and complaint.satisfied is False
    assert (complaint.escalated_at, complaint.escalation_reason) == (later, rules.REOPENED)
    assert [e.kind for e in complaint.events][-2:] == ["status", "escalated"]


def test_a_satisfied_client_closes_it(session: Session) -> None:
    who = person(session)
    complaint = receive(session, who)
    store.change_status(complaint, Status.RESOLVED, STAFF, NOW, "Done.")
    store.client_answer(complaint, True, who, NOW)
    assert complaint.status is Status.CLOSED and complaint.closed_at == NOW
    with pytest.raises(rules.TransitionError):
        store.change_status(complaint, Status.IN_PROGRESS, STAFF, NOW)


def test_the_sweep_escalates_once_what_missed_a_deadline(session: Session) -> None:
    late = receive(session, person(session, "a"))
    on_time = receive(session, person(session, "b"))
    store.change_status(on_time, Status.ACKNOWLEDGED, STAFF, NOW)
    assert store.sweep(session, dt.date(2026, 12, 2), NOW) == []
    swept = store.sweep(session, dt.date(2026, 12, 3), NOW)
    assert swept == [store.Swept(late.ticket_no or "", (rules.ACK_LATE,))]
    assert late.escalation_reason == rules.ACK_LATE
    assert store.sweep(session, dt.date(2026, 12, 3), NOW) == []  # once
    assert store.sweep(session, dt.date(2026, 12, 17), NOW) == [
        store.Swept(on_time.ticket_no or "", (rules.RESOLVE_LATE,))
    ]


def test_a_retried_request_is_written_once(engine: Engine) -> None:
    for _ in range(3):
        with session_scope(engine) as session:
            who = session.scalars(select(models.ChatIdentity)).first() or person(session)
            receive(session, who, request_key="chat-1:msg-42")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(models.Complaint)) == 1


def test_a_chat_sees_its_own_complaints_and_its_clients(session: Session) -> None:
    client = models.Client(
        name="A", phone="+254700000009", date_of_birth=dt.date(1990, 1, 1), locale="sw_KE"
    )
    session.add(client)
    session.flush()
    telegram, whatsapp, stranger = (person(session, u) for u in ("t", "w", "s"))
    for chat in (telegram, whatsapp):
        chat.client_id, chat.verified_at = client.id, NOW
    mine = receive(session, telegram)
    receive(session, stranger)
    assert store.of_person(session, whatsapp) == [mine]
    assert [c.client_id for c in store.of_person(session, telegram)] == [client.id]


def test_the_institutions_policy_decides_what_is_escalated_on_arrival(session: Session) -> None:
    policy = rules.policy_from(5, 21, frozenset(), frozenset({"insurance"}))
    claim = receive(session, person(session, "chat-a"), Category.INSURANCE, policy=policy)
    fraud = receive(session, person(session, "chat-b"), Category.FRAUD, policy=policy)
    assert claim.escalation_reason == rules.AT_ONCE
    assert fraud.escalated_at is None and [e.kind for e in fraud.events] == ["received"]
