"""Conversation history older than WAZI_RETENTION_DAYS is deleted (bot/retention.py), on SQLite
and PostgreSQL, and Rasa's events in a real PostgreSQL tracker store; complaints, the audit log
and messages still waiting for their answer stay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from bot.channels.relay import ANSWERED, DONE, FAILED, PENDING
from bot.complaints.rules import Policy
from bot.complaints.sweeper import Sweeper
from bot.db.models import (
    AuditEntry,
    ChannelDelivery,
    ChannelMessage,
    ChatIdentity,
    HandoffRequest,
)
from bot.db.session import session_scope
from bot.retention import sweep
from tests.cli_run import run_wazi

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=31)
RECENT = NOW - dt.timedelta(days=29)
DAYS = 30


def _history(engine: Engine) -> None:
    with session_scope(engine) as session:
        person = ChatIdentity(channel="whatsapp", channel_user_id="254712000001")
        session.add(person)
        session.flush()
        for n, (received, state) in enumerate(
            [(OLD, DONE), (OLD, FAILED), (OLD, PENDING), (OLD, ANSWERED), (RECENT, DONE)]
        ):
            session.add(
                ChannelMessage(
                    channel="whatsapp",
                    external_id=f"wamid.{n}",
                    user_id="254712000001",
                    chat_id="254712000001",
                    text="salio langu",
                    phone="+254712000001",
                    received_at=received,
                    state=state,
                )
            )
        for n, when in enumerate([OLD, RECENT]):
            session.add(
                ChannelDelivery(
                    channel="whatsapp",
                    provider_id=f"wamid.out.{n}",
                    chat_id="254712000001",
                    created_at=when,
                    updated_at=when,
                )
            )
        transcript = [{"from": "client", "text": "I want a person", "at": 1.0}]
        for closed in (OLD, RECENT, None):
            session.add(
                HandoffRequest(
                    chat_identity_id=person.id,
                    channel="whatsapp",
                    status="open" if closed is None else "handled",
                    transcript=transcript,
                    created_at=OLD,
                    closed_at=closed,
                )
            )
        session.add(AuditEntry(actor_type="chat", actor_id=str(person.id), action="loan.answered"))


def test_old_history_goes_and_the_rest_stays(engine: Engine) -> None:
    _history(engine)
    swept = sweep(engine, NOW, DAYS, tracker_url=None)
    assert (swept.channel_messages, swept.channel_deliveries, swept.handoff_transcripts) == (
        2,
        1,
        1,
    )
    assert swept.rasa_events == 0
    with session_scope(engine) as session:
        left = session.execute(
            select(ChannelMessage.received_at, ChannelMessage.state).order_by(ChannelMessage.id)
        ).all()
        assert [state for _, state in left] == [PENDING, ANSWERED, DONE]  # waiting, or recent
        assert session.scalar(select(func.count()).select_from(ChannelDelivery)) == 1
        transcripts = session.scalars(
            select(HandoffRequest.transcript).order_by(HandoffRequest.id)
        ).all()
        assert [len(t) for t in transcripts] == [0, 1, 1]  # the old handled one only
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    again = sweep(engine, NOW, DAYS, tracker_url=None)
    assert again.summary(DAYS) == (
        "older than 30 days: deleted 0 Rasa events, 0 channel messages, 0 delivery statuses; "
        "emptied 0 handled handoff transcripts"
    )


@pytest.mark.postgres
def test_rasas_old_events_are_deleted_from_its_tracker_store(
    engine: Engine, postgres_database: Callable[[], str]
) -> None:
    tracker_url = postgres_database()
    assert sweep(engine, NOW, DAYS, tracker_url).rasa_events == 0  # Rasa has not started yet
    store = create_engine(tracker_url)
    try:
        with store.begin() as conn:
            conn.execute(
                text(  # Rasa 3.6's SQLTrackerStore table
                    "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
                    " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
                    " action_name VARCHAR(255), data TEXT)"
                )
            )
            for when, said in ((OLD, "12/04/1988"), (RECENT, "salio"), (NOW, "asante")):
                conn.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, data) "
                        "VALUES ('whatsapp:3f0c', 'user', :at, :data)"
                    ),
                    {"at": when.timestamp(), "data": json.dumps({"text": said})},
                )
        assert sweep(engine, NOW, DAYS, tracker_url).rasa_events == 1
        with store.connect() as conn:
            left = conn.execute(text("SELECT data FROM events ORDER BY id")).scalars().all()
        assert [json.loads(row)["text"] for row in left] == ["salio", "asante"]
    finally:
        store.dispose()


def test_an_unreachable_tracker_store_is_logged_and_the_rest_is_swept(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _history(engine)
    swept = sweep(engine, NOW, DAYS, "postgresql://postgres@127.0.0.1:1/wazi_tracker")
    assert swept.rasa_events == 0 and swept.channel_messages == 2
    assert "Rasa's tracker store not swept" in caplog.text


def test_the_web_process_sweeps_retention_after_the_complaints(
    engine: Engine, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def down() -> None:
        ran.append("down")
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    sweeper = Sweeper(
        engine,
        Policy(),
        tmp_path,
        lambda: NOW.date(),
        every=3600,
        also=[down, lambda: ran.append("retention")],
    )
    sweeper.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=20)
        while len(ran) < 2 and dt.datetime.now() < deadline:
            sweeper._stop.wait(0.05)
    finally:
        sweeper.stop()
    assert ran == ["down", "retention"]  # a failing job does not stop the next
    assert "sweep failed" in caplog.text


def test_the_cli_sweeps_once(sqlite_env: dict[str, str]) -> None:
    assert run_wazi("db", "upgrade", **sqlite_env).returncode == 0
    result = run_wazi("retention", "sweep", **sqlite_env, WAZI_RETENTION_DAYS="90")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "older than 90 days: deleted 0 Rasa events, 0 channel messages, 0 delivery statuses; "
        "emptied 0 handled handoff transcripts"
    )
    bad = run_wazi("retention", "sweep", **sqlite_env, WAZI_RETENTION_DAYS="0")
    assert bad.returncode == 2
    assert (
        bad.stderr.strip() == "wazi: error: WAZI_RETENTION_DAYS: must be between 1 and 3650, got 0"
    )
