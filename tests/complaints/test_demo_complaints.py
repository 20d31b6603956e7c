"""The demo complaints: loaded once through the complaint rules, one of each kind the dashboard
shows, and the late one escalated by the sweep (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.complaints import rules, store
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.demo import seed
from bot.demo_complaints import DEMO_COMPLAINTS, seed_complaints

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def by_category(session: Session) -> dict[Category, models.Complaint]:
    return {c.category: c for c in session.scalars(select(models.Complaint))}


def test_demo_complaints_load_once_and_show_each_state(session: Session) -> None:
    seed(session, TODAY)
    assert seed_complaints(session, TODAY, Policy()) == len(DEMO_COMPLAINTS)
    assert seed_complaints(session, TODAY, Policy()) == 0
    assert session.scalar(select(func.count(models.Complaint.id))) == len(DEMO_COMPLAINTS)

    found = by_category(session)
    privacy = found[Category.PRIVACY]
    assert privacy.anonymous and privacy.escalation_reason == rules.AT_ONCE
    assert privacy.client is not None and privacy.client.phone == "+221770000003"
    assert found[Category.WRONG_CHARGE].status is Status.ACKNOWLEDGED
    answered = found[Category.STAFF_BEHAVIOUR]
    assert answered.status is Status.RESOLVED and answered.resolution
    assert answered.events[-1].delivered_at is not None  # the client has read it
    late = found[Category.PAYMENT_NOT_RECORDED]
    assert late.received_on == TODAY - dt.timedelta(days=30)
    assert late.loan is not None and late.loan.account_no == "L-5001"

    swept = store.sweep(session, TODAY, NOW)
    assert [s.ticket_no for s in swept] == [late.ticket_no]
    assert late.escalation_reason == f"{rules.ACK_LATE}; {rules.RESOLVE_LATE}"
