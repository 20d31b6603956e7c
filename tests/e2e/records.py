"""What the end-to-end tests read back from a stack's database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import pins
from bot.db.models import AuditEntry, ChatIdentity, Client
from bot.db.session import make_engine, session_scope
from tests.clients import AMINA_PHONE


@contextmanager
def stack_session(database_url: str) -> Iterator[Session]:
    """A session on a stack's database, committed at the end; its engine closed afterwards."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def stored_amina(session: Session) -> Client:
    """Amina's client record as the stack's demo data has it."""
    return session.scalars(select(Client).where(Client.phone == AMINA_PHONE)).one()


@contextmanager
def amina_restored(database_url: str) -> Iterator[None]:
    """Afterwards, Amina's record on a shared stack is as before: her language (an identity
    check from an English chat makes her record English) and no PIN (removed as staff would)."""
    with stack_session(database_url) as session:
        locale = stored_amina(session).locale
    try:
        yield
    finally:
        with stack_session(database_url) as session:
            amina = stored_amina(session)
            amina.locale = locale
            pins.remove_pin(session, amina, "e2e-teardown", dt.datetime.now(dt.UTC))


def loan_answers(database_url: str, channel: str, channel_user_id: str) -> int:
    """How many loan answers the audit log holds for that chat identity."""
    with stack_session(database_url) as session:
        person = session.scalar(
            select(ChatIdentity.id).where(
                ChatIdentity.channel == channel,
                ChatIdentity.channel_user_id == channel_user_id,
            )
        )
        return session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.actor_id == str(person), AuditEntry.action == "loan.answered")
        )
