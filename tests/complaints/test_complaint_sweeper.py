"""The sweep as the web process runs it: at start and then on its interval, in a thread."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from sqlalchemy import Engine, select

from bot.complaints import rules, store
from bot.complaints.rules import Category, Policy
from bot.complaints.spool import Kept, spool_in
from bot.complaints.sweeper import Sweeper
from bot.db import models
from bot.db.session import session_scope


def test_the_sweeper_writes_kept_complaints_and_escalates_late_ones(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        person = models.ChatIdentity(channel="rest", channel_user_id="late")
        session.add(person)
        session.flush()
        store.receive(
            session,
            person,
            Category.WRONG_CHARGE,
            "Charged twice for one installment.",
            anonymous=False,
            loan=None,
            locale="en",
            today=dt.date(2026, 11, 25),
            now=dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC),
            policy=Policy(),
        )
    spool_in(tmp_path).keep(
        Kept(
            "k:1",
            "rest",
            "kept",
            "other",
            "Kept while the database was down.",
            False,
            None,
            "en",
            "2026-11-25",
            "2026-11-25T09:00:00+00:00",
        )
    )
    today = {"date": dt.date(2026, 12, 2)}  # the acknowledgement deadline: not late yet
    sweeper = Sweeper(engine, Policy(), tmp_path, lambda: today["date"], every=0.1)
    sweeper.start()
    try:
        deadline = time.monotonic() + 10
        while spool_in(tmp_path).pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert spool_in(tmp_path).pending() == []
        assert sweeper.swept == 0
        today["date"] = dt.date(2026, 12, 3)  # WAZI_TODAY moves past the deadline
        while sweeper.swept < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sweeper.stop()
    with session_scope(engine) as session:
        reasons = session.scalars(
            select(models.Complaint.escalation_reason).order_by(models.Complaint.id)
        ).all()
    assert reasons == [rules.ACK_LATE, rules.ACK_LATE]
    assert sweeper.swept == 2
