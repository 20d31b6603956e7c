"""Rasa tracker stores that delete a conversation's history when the client asks.

When a client confirms "delete my data", the action (``actions/data_rights.py``) ends its
events with ``SlotSet("forget_history", True)``. Rasa saves the conversation after the turn;
these stores then keep only what came after that event (the language of the conversation and
Rasa's wait for the next message) and delete everything stored before it: the messages, the
answers, the slots. The action cannot do it itself: it runs before Rasa saves the turn, and
Rasa would write the whole conversation back.

``ForgettingInMemoryTrackerStore`` is the local profile's (``endpoints.yml``),
``ForgettingSQLTrackerStore`` the production profile's (``bot/production.py``; masked as
``bot/rasa_tracker_store.py`` explains). Both run inside Rasa's environment.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_tracker_store import MaskingSQLTrackerStore

logger = logging.getLogger(__name__)

FORGET_SLOT = "forget_history"


def forget_point(events: Sequence[Event]) -> int | None:
    """The index of the last ``forget_history`` event, if the conversation has one."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, SlotSet) and event.key == FORGET_SLOT and event.value:
            return index
    return None


def remembered(tracker: DialogueStateTracker, slots) -> DialogueStateTracker | None:  # type: ignore[no-untyped-def]
    """``tracker`` with only the events after its last ``forget_history``; None when it has
    none (nothing to forget)."""
    events = list(tracker.events)
    cut = forget_point(events)
    if cut is None:
        return None
    return DialogueStateTracker.from_events(tracker.sender_id, events[cut + 1 :], slots)


class ForgettingInMemoryTrackerStore(InMemoryTrackerStore):
    """Rasa's in-memory store (the local profile), forgetting on request."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        kept = remembered(tracker, self.domain.slots)
        if kept is not None:
            logger.info("conversation %s: history deleted at the client's request", kept.sender_id)
        await super().save(kept or tracker)


class ForgettingSQLTrackerStore(MaskingSQLTrackerStore):
    """Wazi's masked SQL store (the production profile), forgetting on request."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        kept = remembered(tracker, self.domain.slots)
        if kept is None:
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(
                self.SQLEvent.sender_id == tracker.sender_id
            ).delete(synchronize_session=False)
            session.commit()
        logger.info("conversation %s: history deleted at the client's request", kept.sender_id)
        await super().save(kept)
