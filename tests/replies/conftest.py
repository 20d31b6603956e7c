"""A demo database on SQLite, seeded once for the reply tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import Client
from bot.db.session import session_scope
from bot.loan_answers import ClientLoans, client_loans

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def loans_of(demo_engine: Engine):
    def load(phone: str) -> ClientLoans:
        with session_scope(demo_engine) as session:
            client = session.scalars(select(Client).where(Client.phone == phone)).one()
            return client_loans(session, client.id, TODAY)

    return load


@pytest.fixture
def session(demo_engine: Engine) -> Iterator[Session]:
    with session_scope(demo_engine) as s:
        yield s
