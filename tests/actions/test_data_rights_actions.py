"""The data-rights actions (actions/data_rights.py) as the action server runs them, on the demo
database: what Wazi stores, the one-time confirmation button, and the deletion itself."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.context
from actions.data_rights import (
    ASK_DELETE,
    DELETED,
    EXPIRED,
    NOT_DELETED,
    STORED_NO_CLIENT,
    ActionDataDeleteConfirm,
    ActionDeleteMyData,
    ActionMyData,
)
from bot import pins
from bot.db.models import ChatIdentity, Client, LessonProgress
from bot.db.session import make_engine, session_scope
from bot.demo import seed
from bot.i18n import LANGUAGES, gettext

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_sqlite: Callable[[Path], str]
) -> Iterator[str]:
    url = migrated_sqlite(tmp_path / "wazi.sqlite3")
    engine = make_engine(url)
    with session_scope(engine) as session:
        seed(session, TODAY)
    engine.dispose()
    monkeypatch.setenv("WAZI_DATABASE_URL", url)
    monkeypatch.setenv("WAZI_TODAY", TODAY.isoformat())
    monkeypatch.setenv("WAZI_RETENTION_DAYS", "90")
    actions.context.settings.cache_clear()
    yield url
    actions.context.settings.cache_clear()


def _tracker(sender: str, language: str, slots: dict[str, Any], confirm: str | None = None):
    entities = [] if confirm is None else [{"entity": "confirm", "value": confirm}]
    return Tracker(
        sender_id=sender,
        slots={"language": language, **slots},
        latest_message={"text": "", "intent": {"name": "x"}, "entities": entities},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def _run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def _link(url: str, sender: str, phone: str) -> None:
    """The web chat ``sender`` verified as the client with ``phone``, with a lesson begun."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        client = session.scalars(select(Client).where(Client.phone == phone)).one()
        person = ChatIdentity(
            channel="rest",
            channel_user_id=sender,
            client_id=client.id,
            verified_at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
            locale="sw",
        )
        session.add(person)
        session.flush()
        session.add(LessonProgress(chat_identity_id=person.id, lesson_slug="interest", step=1))
    engine.dispose()


def _identities(url: str, sender: str) -> int:
    engine = make_engine(url)
    with session_scope(engine) as session:
        found = session.scalars(
            select(ChatIdentity).where(ChatIdentity.channel_user_id == sender)
        ).all()
    engine.dispose()
    return len(found)


def test_a_new_chat_hears_it_is_linked_to_no_record(database: str) -> None:
    _, (message,) = _run(ActionMyData(), _tracker("web-1", "en", {}))
    assert gettext("en", STORED_NO_CLIENT) in message["text"]
    assert "90 days" in message["text"]
    assert message["buttons"] == [{"title": "Delete my data", "payload": "/delete_my_data"}]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_verified_client_hears_their_record_in_their_language(
    database: str, language: str
) -> None:
    _link(database, f"web-{language}", "+254712000001")
    _, (message,) = _run(ActionMyData(), _tracker(f"web-{language}", language, {}))
    text = message["text"]
    assert "Amina" in text and "+254712000001" in text and "L-1001" in text
    assert "1988" in text  # her birth date, in the language's own format
    assert len(text) <= 1000  # one phone screen's message
    if language != "en":
        assert "This is what Wazi keeps" not in text


def test_a_client_with_a_pin_hears_when_it_was_set_not_the_pin(database: str) -> None:
    _link(database, "web-pin", "+254712000001")
    engine = make_engine(database)
    with session_scope(engine) as session:
        amina = session.scalars(select(Client).where(Client.phone == "+254712000001")).one()
        person = session.scalars(
            select(ChatIdentity).where(ChatIdentity.channel_user_id == "web-pin")
        ).one()
        pins.set_pin(session, amina, "4831", person, dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    engine.dispose()
    _, (message,) = _run(ActionMyData(), _tracker("web-pin", "en", {}))
    assert "- a PIN, set on 20 November 2026 (only its hash is kept);" in message["text"]
    assert "4831" not in message["text"]


def test_delete_asks_with_a_one_time_button_then_deletes(database: str) -> None:
    _link(database, "web-2", "+254712000001")
    events, (question,) = _run(ActionDeleteMyData(), _tracker("web-2", "sw", {}))
    ((slot,),) = [[e for e in events if e["name"] == "delete_code"]]
    code = slot["value"]
    assert len(code) == 16
    yes, no = question["buttons"]
    assert yes["payload"] == f'/data_delete_confirm{{"confirm": "{code}"}}'
    assert no["payload"] == '/data_delete_confirm{"confirm": "no"}'
    assert question["text"] == gettext("sw", ASK_DELETE) % {"lessons": 1, "complaints": 0}

    # A stale or typed confirmation deletes nothing.
    for wrong in ("0" * 16, None):
        events, (said,) = _run(
            ActionDataDeleteConfirm(), _tracker("web-2", "sw", {"delete_code": code}, wrong)
        )
        assert said["text"] == gettext("sw", EXPIRED)
        assert _identities(database, "web-2") == 1
    events, (said,) = _run(
        ActionDataDeleteConfirm(), _tracker("web-2", "sw", {"delete_code": None}, code)
    )
    assert said["text"] == gettext("sw", EXPIRED) and _identities(database, "web-2") == 1
    # "No" keeps everything.
    events, (said,) = _run(
        ActionDataDeleteConfirm(), _tracker("web-2", "sw", {"delete_code": code}, "no")
    )
    assert said["text"] == gettext("sw", NOT_DELETED) and _identities(database, "web-2") == 1
    assert events == [{"event": "slot", "timestamp": None, "name": "delete_code", "value": None}]

    events, (said,) = _run(
        ActionDataDeleteConfirm(), _tracker("web-2", "sw", {"delete_code": code}, code)
    )
    assert said["text"] == gettext("sw", DELETED)
    assert [(e["name"], e["value"]) for e in events] == [
        ("forget_history", True),
        ("language", "sw"),
    ]
    assert _identities(database, "web-2") == 0
