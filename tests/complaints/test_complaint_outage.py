"""A complaint made while PostgreSQL is stopped: the action tells the client honestly, keeps the
complaint on disk, and it is stored once after PostgreSQL restarts.

The test starts a PostgreSQL server of its own (Debian's initdb and pg_ctl, on a free port in a
temporary folder), since the machine's shared server must not be stopped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.context
from actions.complaints import ActionComplaintStatus, ActionSubmitComplaint
from bot.complaints import chat
from bot.db import models
from bot.db.migrate import upgrade
from bot.db.session import make_engine, session_scope
from bot.i18n import gettext
from tests.private_servers import Postgres, private_postgres


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    with private_postgres() as server:
        yield server


CONVERSATION = [
    {"event": "user", "text": "nataka kulalamika", "timestamp": 1764064800.0},
    {"event": "action", "name": "complaint_form", "timestamp": 1764064800.5},
    {
        "event": "bot",
        "text": "Samahani. Malalamiko yako ni kuhusu nini?",
        "timestamp": 1764064801.0,
    },
]


def _tracker(message_id: str, text: str = "") -> Tracker:
    return Tracker(
        sender_id="outage-chat",
        slots={
            "language": "sw",
            "complaint_category": "wrong_charge",
            "complaint_description": "Walinitoza ada mara mbili sokoni Jumatatu.",
            "complaint_anonymous": "no",
        },
        latest_message={"text": text, "message_id": message_id, "intent": {"name": "x"}},
        events=CONVERSATION,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="complaint_form",
    )


def _run(action: object, tracker: Tracker) -> list[str]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))  # type: ignore[attr-defined]
    return [message["text"] for message in dispatcher.messages]


def test_a_complaint_made_while_postgres_is_stopped_is_stored_once_after_it_restarts(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(postgres.url)
    for name, value in {
        "WAZI_DATABASE_URL": postgres.url,
        "WAZI_DATA_DIR": str(tmp_path / "data"),
        "WAZI_TODAY": "2026-11-25",
    }.items():
        monkeypatch.setenv(name, value)
    actions.context.settings.cache_clear()
    try:
        postgres.stop()
        said = _run(ActionSubmitComplaint(), _tracker("m-1"))
        assert said == [gettext("sw", chat.KEPT)]
        kept = tmp_path / "data" / "complaints-spool.jsonl"
        assert len(kept.read_text(encoding="utf-8").splitlines()) == 1

        postgres.start()
        # The next complaint action writes what was kept, then answers.
        status = _run(ActionComplaintStatus(), _tracker("m-2", "hali ya malalamiko yangu"))
        assert len(status) == 1 and status[0].startswith("WZ-2026-")
        assert not kept.exists()
        _run(ActionComplaintStatus(), _tracker("m-3"))  # nothing kept now: nothing written
        engine = make_engine(postgres.url)
        try:
            with session_scope(engine) as session:
                rows = session.scalars(select(models.Complaint)).all()
                assert len(rows) == 1
                (complaint,) = rows
                assert complaint.request_key == "outage-chat:m-1"
                assert complaint.received_on == dt.date(2026, 11, 25)
                assert complaint.description == "Walinitoza ada mara mbili sokoni Jumatatu."
                events = session.scalar(select(func.count()).select_from(models.ComplaintEvent))
                assert events == 1  # received, once
                # The conversation before it was kept on disk with it, for staff to read.
                assert complaint.events[0].details["transcript"] == [
                    {"from": "client", "text": "nataka kulalamika", "at": 1764064800.0},
                    {
                        "from": "wazi",
                        "text": "Samahani. Malalamiko yako ni kuhusu nini?",
                        "at": 1764064801.0,
                    },
                ]
        finally:
            engine.dispose()
    finally:
        actions.context.settings.cache_clear()
