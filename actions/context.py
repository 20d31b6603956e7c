"""What every action needs: settings, a database session, and who is writing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from sqlalchemy.orm import Session

from bot import settings as wazi_settings
from bot.db.models import ChatIdentity
from bot.db.session import engine_for, session_scope
from bot.identity import Policy, identity_for

DEFAULT_CHANNEL = "rest"


@cache
def settings() -> wazi_settings.Settings:
    return wazi_settings.load()


def verification_policy() -> Policy:
    s = settings()
    return Policy(max_failures=s.verify_max_failures, lock_minutes=s.verify_lock_minutes)


@contextmanager
def db() -> Iterator[Session]:
    with session_scope(engine_for(settings().database_url)) as session:
        yield session


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def identity(session: Session, tracker: Tracker) -> ChatIdentity:
    """The chat identity of the person writing, created on first contact."""
    channel = tracker.get_latest_input_channel() or DEFAULT_CHANNEL
    return identity_for(session, channel, tracker.sender_id)


def only_changes(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    """The events without slot settings that would not change the slot: every event makes
    Rasa's tracker (and each later call to the action server) longer."""
    return [
        event
        for event in events
        if event.get("event") != "slot" or tracker.get_slot(event["name"]) != event["value"]
    ]
