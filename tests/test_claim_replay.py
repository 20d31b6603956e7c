"""A signed channel claim counts for the one Rasa message it came with (bot/claim_replay.py),
in the store (SQLite and PostgreSQL) and in the actions' reading of who is writing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from rasa_sdk import Tracker
from sqlalchemy import Engine, func, select

import actions.context
from bot import channel_identity
from bot.channel_identity import ChannelClaim, sender_id
from bot.claim_replay import first_use
from bot.db.models import ClaimUse
from bot.db.session import session_scope

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
KEEP = dt.timedelta(minutes=10)
CLAIM = ChannelClaim("telegram", "777", "+254712000001", "5521")
SECRET = "s" * 40


def _use(engine: Engine, issued_at: object, message: str, now: dt.datetime = NOW) -> bool:
    with session_scope(engine) as session:
        return first_use(session, CLAIM, issued_at, message, now, KEEP)


def test_a_claim_counts_for_its_own_message_only(engine: Engine) -> None:
    assert _use(engine, 1764061200, "rasa-m1")
    assert _use(engine, 1764061200, "rasa-m1")  # another action of the same turn
    assert not _use(engine, 1764061200, "rasa-m2")  # the same claim with another message
    assert _use(engine, 1764061260, "rasa-m2")  # signed again by the relay: a new claim


def test_remembered_claims_are_forgotten_once_they_cannot_verify(engine: Engine) -> None:
    assert _use(engine, 1, "rasa-m1")
    later = NOW + KEEP + dt.timedelta(seconds=1)
    assert _use(engine, 2, "rasa-m9", now=later)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ClaimUse)) == 1


@pytest.fixture
def signing_actions(
    engine: Engine, migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("WAZI_DATABASE_URL", migrated_url)
    monkeypatch.setenv("WAZI_CHANNEL_SECRET", SECRET)
    actions.context.settings.cache_clear()
    try:
        yield
    finally:
        actions.context.settings.cache_clear()


def _tracker(metadata: dict, message_id: str) -> Tracker:
    return Tracker(
        sender_id=sender_id(CLAIM.channel, CLAIM.channel_user_id, SECRET.encode()),
        slots={},
        latest_message={"text": "balance", "message_id": message_id, "metadata": metadata},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_a_captured_claim_sent_again_with_another_message_is_not_trusted(
    signing_actions: None,
) -> None:
    metadata = channel_identity.sign(CLAIM, SECRET.encode(), actions.context.now())
    assert actions.context.channel_claim(_tracker(metadata, "rasa-m1")) == CLAIM
    assert actions.context.channel_claim(_tracker(metadata, "rasa-m1")) == CLAIM
    replayed = _tracker(metadata, "rasa-m2")
    assert actions.context.channel_claim(replayed) is None
    # Without the claim the conversation is an anonymous REST one: not the Telegram user.
    assert actions.context.who(replayed) == ("rest", replayed.sender_id)
    # Session start reads the claim of the message that starts the session, before Rasa
    # has a message to bind it to; the turn's own actions then check it.
    assert actions.context.channel_claim(replayed, metadata) == CLAIM
