"""Complaints kept on disk while the database is unreachable, and written once when it is back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import IntegrityError

from bot.complaints.rules import Policy
from bot.complaints.spool import Kept, Spool, unreachable, write
from bot.db import models
from bot.db.session import session_scope

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"  # nothing listens


def kept(n: int) -> Kept:
    return Kept(
        request_key=f"chat-{n}:message-{n}",
        channel="rest",
        channel_user_id=f"chat-{n}",
        category="wrong_charge" if n % 2 else "fraud",
        description=f"Complaint number {n}: charged twice at the market.",
        anonymous=False,
        loan_account=None,
        locale="sw",
        today="2026-11-25",
        at="2026-11-25T10:00:00+00:00",
    )


def count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(models.Complaint)) or 0


def test_kept_while_down_and_written_once_when_back(tmp_path: Path, engine: Engine) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    spool.keep(kept(1))
    spool.keep(kept(2))
    down = create_engine(DOWN)
    try:
        assert spool.drain(down, Policy()) == []
    finally:
        down.dispose()
    assert spool.pending() == [kept(1), kept(2)]  # nothing lost, order kept

    tickets = spool.drain(engine, Policy())
    assert len(tickets) == 2 and all(t.startswith("WZ-2026-") for t in tickets)
    assert spool.pending() == [] and not spool.path.exists()
    assert spool.drain(engine, Policy()) == []
    assert count(engine) == 2
    with session_scope(engine) as session:
        fraud = session.scalars(
            select(models.Complaint).where(models.Complaint.request_key == kept(2).request_key)
        ).one()
        assert fraud.escalated_at is not None  # the rules apply as if received on time
        assert fraud.received_on.isoformat() == "2026-11-25"


def test_a_complaint_written_but_still_kept_is_not_written_twice(
    tmp_path: Path, engine: Engine
) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    spool.keep(kept(3))
    with session_scope(engine) as session:  # written, then a crash before the file changed
        first = write(session, kept(3), Policy())
    assert spool.drain(engine, Policy()) == [first]
    assert count(engine) == 1


def test_what_counts_as_unreachable(engine: Engine) -> None:
    down = create_engine(DOWN)
    try:
        with pytest.raises(Exception) as refused, down.connect():
            pass
    finally:
        down.dispose()
    assert unreachable(refused.value)
    with pytest.raises(IntegrityError) as broken, session_scope(engine) as session:
        session.add(models.ChatIdentity(channel="rest", channel_user_id="x"))
        session.add(models.ChatIdentity(channel="rest", channel_user_id="x"))
    assert not unreachable(broken.value)


def test_a_spool_line_is_everything_needed(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    spool.keep(dataclasses.replace(kept(4), description="Anadai “ada” ya ₹500"))
    assert spool.pending()[0].description == "Anadai “ada” ya ₹500"
