"""Conversation history is kept ``WAZI_RETENTION_DAYS`` days, then deleted.

Conversation history is: Rasa's events in its SQL tracker store (the production profile's
``WAZI_TRACKER_STORE_URL``; the local profile keeps conversations in memory only), the relay's
copies of the messages clients sent on Telegram and WhatsApp once they are answered or given up
(their text, phone and Rasa's answers), the platforms' delivery statuses, and the transcripts of
handoff requests staff have handled. Kept: complaints with the conversation before them and
their history (regulators require complaint records), the audit log, and clients and loans.
A message still waiting for its answer is never deleted.

``wazi retention sweep`` sweeps once; the web process sweeps every hour with the complaints
(``bot/complaints/sweeper.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, delete, inspect, make_url, select, text
from sqlalchemy.exc import DBAPIError

from bot.channels.relay import DONE, FAILED
from bot.db.models import ChannelDelivery, ChannelMessage, HandoffRequest
from bot.db.session import session_scope
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    rasa_events: int
    channel_messages: int
    channel_deliveries: int
    handoff_transcripts: int

    def summary(self, days: int) -> str:
        return (
            f"older than {days} days: deleted {self.rasa_events} Rasa events, "
            f"{self.channel_messages} channel messages, {self.channel_deliveries} delivery "
            f"statuses; emptied {self.handoff_transcripts} handled handoff transcripts"
        )


def sweep(engine: Engine, now: dt.datetime, days: int, tracker_url: str | None) -> Swept:
    """Delete what is older than ``days`` before ``now``; ``tracker_url`` is Rasa's SQL
    tracker store (None when there is none)."""
    cutoff = now - dt.timedelta(days=days)
    with session_scope(engine) as session:
        messages = session.execute(
            delete(ChannelMessage).where(
                ChannelMessage.received_at < cutoff, ChannelMessage.state.in_((DONE, FAILED))
            )
        ).rowcount
        deliveries = session.execute(
            delete(ChannelDelivery).where(ChannelDelivery.updated_at < cutoff)
        ).rowcount
        handled = session.scalars(
            select(HandoffRequest).where(HandoffRequest.closed_at < cutoff)
        ).all()
        handoffs = 0
        for request in handled:
            if request.transcript:
                request.transcript = []
                handoffs += 1
    events = 0 if tracker_url is None else _rasa_events(tracker_url, cutoff)
    return Swept(events, messages, deliveries, handoffs)


def sweep_as_set(engine: Engine, settings: Settings, now: dt.datetime) -> Swept:
    """``sweep`` as the settings say: ``WAZI_RETENTION_DAYS``, and Rasa's tracker store in the
    production profile."""
    tracker = settings.tracker_store_url if settings.profile == "production" else None
    swept = sweep(engine, now, settings.retention_days, tracker)
    logger.info("retention: %s", swept.summary(settings.retention_days))
    return swept


def _rasa_events(tracker_url: str, cutoff: dt.datetime) -> int:
    """Delete Rasa's events older than ``cutoff`` (its ``events`` table, timestamps in seconds
    since the epoch)."""
    engine = create_engine(make_url(tracker_url).set(drivername="postgresql+psycopg"))
    try:
        if not inspect(engine).has_table("events"):  # Rasa has not started yet
            return 0
        with engine.begin() as conn:
            return conn.execute(
                text("DELETE FROM events WHERE timestamp < :cutoff"),
                {"cutoff": cutoff.timestamp()},
            ).rowcount
    except DBAPIError as exc:
        logger.warning("Rasa's tracker store not swept: %s", str(exc.orig).splitlines()[0])
        return 0
    finally:
        engine.dispose()
