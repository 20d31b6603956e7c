"""Rasa's SQL tracker store, keeping the answers to the identity check masked.

A conversation's events are kept in PostgreSQL in the production profile. The phone number and
the birth date a client types for the identity check would be kept with them, readable by
anyone with access to that database, for as long as the conversation is kept. This store writes
them masked: a message typed while the identity form asks for the phone number, the birth
date, the one-time linking code (``WAZI_VERIFY_LINK_CODE``) or the client's PIN
(``WAZI_VERIFY_PIN``), or while the PIN form asks for a new PIN or asks it again, is stored as
``***`` (its text and the text in its parse data), and so are the Telegram
and WhatsApp adapters' signed claims in message metadata (a user's id and phone number). The
check itself ran in the same turn, on the real answer, before the turn was saved; later turns,
complaint transcripts and handoff transcripts only ever see the mask. The values of the two
slots are needed by the next turn (the phone until the birth date is checked), so they are
stored encrypted (Fernet, with a key derived from ``WAZI_CHANNEL_SECRET``) and decrypted when
Rasa reads the conversation back; without the secret, or for a value that does not decrypt,
the slot comes back empty and the form asks again. The linking code's and the PIN's slots are
not needed after their own turn (the check runs then, and empties them), and neither is the
new PIN typed again (compared on its turn), so their values are stored as ``***`` and read back
empty. The new PIN's slot holds the hash the PIN form's validation puts there, and is stored
as Rasa stores it; but Rasa's slot extraction first sets it to the text typed, in the same turn,
and that value is stored as ``***`` (read back empty; the hash set after it is what counts).

It runs inside Rasa's environment and imports nothing else from Wazi; the production profile
uses it through its subclass that also deletes a conversation at the client's request
(``bot/rasa_forgetting.py``, named in Rasa's endpoints by ``bot/production.py``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker

logger = logging.getLogger(__name__)

MASK = "***"
SECRET_SLOTS = frozenset({"phone_number", "date_of_birth"})  # stored encrypted
# stored as the mask: never needed by a later turn
MASKED_SLOTS = frozenset({"link_code", "pin", "new_pin_again"})
# what is typed while a form asks one of its own slots here is masked
ANSWER_SLOTS: dict[str, frozenset[str]] = {
    "verification_form": SECRET_SLOTS | {"link_code", "pin"},
    "pin_form": frozenset({"new_pin", "new_pin_again"}),
}
# stored as Rasa stores them (a hash), but masked while they hold the text the person typed
HASHED_SLOTS = frozenset({"new_pin"})
ENCRYPTED = "fernet:"  # a stored identity slot value, encrypted
CLAIM_KEY = "wazi_identity"  # the adapters' signed claim in message metadata (a phone number)
# on a conversation read back (its latest session): how many of its events are stored
STORED = "_wazi_stored_events"


def _answers_identity_check(events: Sequence[Event], index: int) -> bool:
    """Whether the user message at ``index`` was typed while the identity form asked for the
    phone number, the birth date, the linking code or the PIN, or while the PIN form asked for
    the new PIN or asked it again."""
    requested = loop = None
    for event in reversed(events[:index]):
        if requested is None and isinstance(event, SlotSet) and event.key == "requested_slot":
            requested = event.value or ""
        if loop is None and isinstance(event, ActiveLoop):
            loop = event.name or ""
        if requested is not None and loop is not None:
            break
    return requested in ANSWER_SLOTS.get(loop or "", frozenset())


def _stored_masked(events: Sequence[Event], index: int) -> bool:
    """Whether the slot set at ``index`` is stored as the mask: a slot never needed again, or
    a hashed slot still holding the text of the latest user message (what Rasa's ``from_text``
    extraction puts there, before the validation replaces it by a hash)."""
    event = events[index]
    if not isinstance(event, SlotSet) or event.value is None:
        return False
    if event.key in MASKED_SLOTS:
        return True
    if event.key not in HASHED_SLOTS:
        return False
    typed = next((e.text for e in reversed(events[:index]) if isinstance(e, UserUttered)), None)
    return event.value == typed


def masked(events: Sequence[Event], index: int) -> dict[str, Any]:
    """The event at ``index`` as stored: its ``as_dict()``, masked where it holds an answer to
    the identity check."""
    event = events[index]
    data = event.as_dict()
    if isinstance(event, UserUttered) and _answers_identity_check(events, index):
        data["text"] = MASK
        parse = data.get("parse_data")
        if isinstance(parse, dict):
            # The entities NLU found in the answer hold pieces of it (a number, a year).
            parse = {key: value for key, value in parse.items() if key != "text_tokens"}
            data["parse_data"] = {**parse, "text": MASK, "entities": []}
    elif isinstance(event, SlotSet) and event.key in SECRET_SLOTS and event.value is not None:
        data["value"] = _encrypt(str(event.value))
    elif isinstance(event, SlotSet) and _stored_masked(events, index):
        data["value"] = MASK
    return _without_claims(data)


def _fernet() -> Fernet | None:
    secret = os.environ.get("WAZI_CHANNEL_SECRET", "").strip()
    if not secret:
        return None
    key = hashlib.sha256(b"wazi-tracker-slots:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(value: str) -> str:
    fernet = _fernet()
    return ENCRYPTED + fernet.encrypt(value.encode()).decode() if fernet else MASK


def _decrypt(value: object) -> object:
    """A stored slot value as the conversation knew it (None when it cannot be read)."""
    if not isinstance(value, str) or not value.startswith(ENCRYPTED):
        return None if value == MASK else value
    fernet = _fernet()
    try:
        return fernet.decrypt(value.removeprefix(ENCRYPTED).encode()).decode() if fernet else None
    except InvalidToken:
        return None


def readable(data: dict[str, Any]) -> dict[str, Any]:
    """A stored event as Rasa reads it back: the identity slots decrypted, the masked ones
    empty."""
    if data.get("event") == "slot" and data.get("name") in SECRET_SLOTS:
        return {**data, "value": _decrypt(data.get("value"))}
    if data.get("event") == "slot" and data.get("name") in MASKED_SLOTS:
        return {**data, "value": None}
    if data.get("event") == "slot" and data.get("name") in HASHED_SLOTS:
        return {**data, "value": None} if data.get("value") == MASK else data
    return data


def _without_claims(value: Any) -> Any:
    """``value`` with every signed channel claim masked: it served its turn, and it holds the
    WhatsApp or Telegram user's id and phone (message metadata, ``session_started_metadata``)."""
    if isinstance(value, dict):
        return {
            key: MASK if key == CLAIM_KEY else _without_claims(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_claims(item) for item in value]
    return value


class MaskingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose stored events never hold an identity-check answer.

    It also talks to the database less than Rasa's store does, which matters under load: Rasa's
    driver (psycopg2) blocks a replica's event loop for every round trip. Rasa's store reads
    and writes in transactions (BEGIN, the statements, COMMIT or ROLLBACK) and, before each
    save, counts the conversation's stored events to know which events are new. Here every
    statement commits on its own (the engine's connections are in autocommit), a read and a
    save are one statement each (a multi-row INSERT is atomic by itself), and a conversation
    this store read back remembers how many of its events were stored (``STORED``), so saving
    it needs no count. The count is still made for a conversation read elsewhere or made new.
    Rasa's other uses of the engine (the table's creation, deleting a conversation) are single
    statements too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, isolation_level="AUTOCOMMIT", **create_engine_kwargs(url)
        )
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa 3.6's ``SQLTrackerStore.save``, with each new event masked before storing."""
        await self.stream_events(tracker)
        events = list(tracker.events)
        with self.session_scope() as session:
            stored = getattr(tracker, STORED, None)
            if stored is None:
                stored = self._event_query(
                    session, tracker.sender_id, fetch_events_from_all_sessions=False
                ).count()
            rows = [
                self._row(tracker.sender_id, events, index) for index in range(stored, len(events))
            ]
            if rows:
                session.execute(sa.insert(self.SQLEvent.__table__).values(rows))
        setattr(tracker, STORED, len(events))
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)

    @staticmethod
    def _row(sender_id: str, events: Sequence[Event], index: int) -> dict[str, Any]:
        """The event at ``index`` as a row of Rasa's ``events`` table, masked."""
        data = masked(events, index)
        return {
            "sender_id": sender_id,
            "type_name": events[index].type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa 3.6's ``SQLTrackerStore._retrieve``, with the identity slots decrypted."""
        with self.session_scope() as session:
            query = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            )
            rows = [data for (data,) in query.with_entities(self.SQLEvent.data)]
        if not self.domain or not rows:
            return None
        stored = [readable(json.loads(data)) for data in rows]
        tracker = DialogueStateTracker.from_events(sender_id, _events(stored), self.domain.slots)
        if not fetch_events_from_all_sessions:
            # Rasa's save counts the events of the latest session: these rows.
            setattr(tracker, STORED, len(rows))
        return tracker


@functools.cache
def _event_class(type_name: str) -> type[Event] | None:
    """Rasa's ``Event.resolve_by_type``, remembered: Rasa walks the whole tree of ``Event``
    subclasses for every stored event it reads back, about 7% of a Rasa replica's CPU under
    load (py-spy, bench/load.py). Every subclass exists once Rasa is imported."""
    return Event.resolve_by_type(type_name)


def _events(stored: list[dict[str, Any]]) -> list[Event]:
    """Rasa 3.6's ``deserialise_events`` (what ``DialogueStateTracker.from_dict`` calls), with
    the class lookup remembered."""
    events = []
    for data in stored:
        if "event" not in data:
            continue
        cls = _event_class(data["event"])
        event = cls._from_parameters(data) if cls is not None else None
        if event is None:
            logger.warning("a stored event could not be read: %s", data.get("event"))
        else:
            events.append(event)
    return events
