"""What every action needs: settings, a database session, and who is writing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from sqlalchemy.orm import Session

from bot import channel_identity, claim_replay
from bot import settings as wazi_settings
from bot.channel_identity import ChannelClaim
from bot.db.models import ChatIdentity
from bot.db.session import engine_for, session_scope
from bot.identity import Policy, identity_for
from bot.loan_source import LoanSource
from bot.loan_source import loan_source as make_loan_source

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "rest"
# Channels whose users are known only from a claim signed by their adapter (bot/channels/).
SIGNED_CHANNELS = frozenset({"telegram", "whatsapp"})
# How old a signed claim may be: the relay signs each message when it forwards it to Rasa, and
# every action of that turn runs within seconds.
CLAIM_MAX_AGE = dt.timedelta(minutes=5)


@cache
def settings() -> wazi_settings.Settings:
    return wazi_settings.load()


@cache
def loan_source() -> LoanSource:
    """Where clients and loans come from (``WAZI_LOAN_SOURCE``), one per process: it holds
    the short cache of Fineract's answers."""
    return make_loan_source(settings())


def verification_policy() -> Policy:
    s = settings()
    return Policy(max_failures=s.verify_max_failures, lock_minutes=s.verify_lock_minutes)


@contextmanager
def db() -> Iterator[Session]:
    with session_scope(engine_for(settings().database_url)) as session:
        yield session


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def channel_claim(tracker: Tracker, metadata: object = None) -> ChannelClaim | None:
    """Who the Telegram or WhatsApp adapter says is writing, if its signature holds.

    The claim is read from ``metadata`` when given (at session start, Rasa hands the new
    message's metadata over in the ``session_started_metadata`` slot), else from the latest
    message. None without ``WAZI_CHANNEL_SECRET``, for unsigned, forged or stale metadata, for
    a claim about another conversation than this one, and for a claim that already came with
    another Rasa message (a replay, ``bot.claim_replay``; session start is not checked: Rasa
    has no message yet to bind it to, and the turn's own actions check it).
    """
    secret = settings().channel_secret
    if secret is None:
        return None
    at_session_start = metadata is not None
    if metadata is None:
        metadata = tracker.latest_message.get("metadata")
    claim = channel_identity.verify(metadata, secret, now(), CLAIM_MAX_AGE)
    if claim is None:
        if isinstance(metadata, dict) and channel_identity.METADATA_KEY in metadata:
            logger.warning("conversation %s: channel identity not accepted", tracker.sender_id)
        return None
    if tracker.sender_id != channel_identity.sender_id(
        claim.channel, claim.channel_user_id, secret
    ):
        logger.warning("conversation %s: a claim for another conversation", tracker.sender_id)
        return None
    if not at_session_start and not _first_use(tracker, claim, metadata):
        logger.warning(
            "conversation %s: a claim sent again with another message", tracker.sender_id
        )
        return None
    return claim


def _first_use(tracker: Tracker, claim: ChannelClaim, metadata: object) -> bool:
    """Whether the claim came with this Rasa message only (``bot.claim_replay``)."""
    assert isinstance(metadata, dict)  # verify() accepted it
    issued_at = metadata[channel_identity.METADATA_KEY]["issued_at"]
    message_id = str(tracker.latest_message.get("message_id") or "")
    with db() as session:
        return claim_replay.first_use(
            session, claim, issued_at, message_id, now(), keep=2 * CLAIM_MAX_AGE
        )


def identity(session: Session, tracker: Tracker, metadata: object = None) -> ChatIdentity:
    """The chat identity of the person writing, created on first contact.

    A Telegram or WhatsApp user is who their adapter's signed claim says; without a valid
    claim the conversation is an anonymous REST one, whatever channel its caller names.
    """
    return identity_for(session, *who(tracker, metadata))


def who(tracker: Tracker, metadata: object = None) -> tuple[str, str]:
    """The channel and channel user id of the person writing, without the database."""
    claim = channel_claim(tracker, metadata)
    if claim is not None:
        return claim.channel, claim.channel_user_id
    channel = tracker.get_latest_input_channel() or DEFAULT_CHANNEL
    if channel in SIGNED_CHANNELS:
        channel = DEFAULT_CHANNEL
    return channel, tracker.sender_id


def only_changes(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    """The events without slot settings that would not change the slot: every event makes
    Rasa's tracker (and each later call to the action server) longer."""
    return [
        event
        for event in events
        if event.get("event") != "slot" or tracker.get_slot(event["name"]) != event["value"]
    ]
