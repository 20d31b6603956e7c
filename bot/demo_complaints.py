"""Demo complaints, so that the staff dashboard has something to show with ``make run``: one
past its deadlines (escalated by the sweep), one escalated on arrival and anonymous, one
acknowledged, one answered and waiting for the client's word. Each comes from a demo client's
own chat (channel ``demo``) and is made through ``bot.complaints.store`` as a real one would be,
on a date before "today"; a request key per complaint makes loading them again change nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.complaints import store
from bot.complaints.rules import Category, Policy, Status
from bot.db import models
from bot.identity import identity_for

CHANNEL = "demo"
STAFF = store.Actor("staff", "staff")


@dataclass(frozen=True)
class DemoComplaint:
    key: str
    phone: str
    category: Category
    days_ago: int
    description: str
    locale: str
    anonymous: bool = False
    answer: str | None = None  # staff's answer: acknowledged, then resolved with it
    acknowledged: bool = False


DEMO_COMPLAINTS: tuple[DemoComplaint, ...] = (
    DemoComplaint(
        "demo-complaint-1",
        "+256772000005",
        Category.PAYMENT_NOT_RECORDED,
        30,
        "I paid UGX 150,000 at the branch for L-5001 but the loan still shows it as overdue.",
        "en",
    ),
    DemoComplaint(
        "demo-complaint-2",
        "+221770000003",
        Category.PRIVACY,
        2,
        "Quelqu'un au marché connaît le montant de mon prêt. Qui le lui a dit ?",
        "fr",
        anonymous=True,
    ),
    DemoComplaint(
        "demo-complaint-3",
        "+525512000002",
        Category.WRONG_CHARGE,
        6,
        "Me cobraron dos veces la comisión de la semana pasada.",
        "es",
        acknowledged=True,
    ),
    DemoComplaint(
        "demo-complaint-4",
        "+919812000004",
        Category.STAFF_BEHAVIOUR,
        12,
        "Loan officer ne bazaar mein sabke saamne zor se baat ki.",
        "hi",
        answer="We spoke with the officer, who will apologise to you at the next visit.",
    ),
)


def seed_complaints(session: Session, today: dt.date, policy: Policy) -> int:
    """Load the demo complaints not loaded yet (the caller commits); how many were added."""
    added = 0
    for spec in DEMO_COMPLAINTS:
        if store.find_by_key(session, spec.key) is not None:
            continue
        client = session.scalars(
            select(models.Client).where(models.Client.phone == spec.phone)
        ).one()
        received = today - dt.timedelta(days=spec.days_ago)
        at = dt.datetime.combine(received, dt.time(9, 30), tzinfo=dt.UTC)
        person = identity_for(session, CHANNEL, f"demo-{client.id}")
        person.client_id = client.id
        person.verified_at = person.verified_at or at
        person.locale = spec.locale
        complaint = store.receive(
            session,
            person,
            spec.category,
            spec.description,
            anonymous=spec.anonymous,
            loan=client.loans[0] if client.loans else None,
            locale=spec.locale,
            today=received,
            now=at,
            policy=policy,
            request_key=spec.key,
        )
        later = at + dt.timedelta(days=1)
        if spec.acknowledged or spec.answer:
            store.change_status(complaint, Status.ACKNOWLEDGED, STAFF, later)
        if spec.answer:
            answered = later + dt.timedelta(days=2)
            event = store.change_status(complaint, Status.RESOLVED, STAFF, answered, spec.answer)
            event.delivered_at = answered  # the client has read it, and not yet said more
        added += 1
    session.flush()
    return added
