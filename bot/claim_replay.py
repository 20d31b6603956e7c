"""A signed channel claim counts for the one Rasa message it came with, and no other.

The adapters sign each message's claim (``bot.channel_identity``); it verifies for a few
minutes, so a captured metadata block could be sent again, with another message, to Rasa's
relay endpoint. The first action that accepts a claim writes down the Rasa message it came
with (``claim_uses``, shared by every action-server replica); the other actions of the same
turn see the same message and accept it too, and any other message carrying that claim is
refused.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channel_identity import ChannelClaim
from bot.db.models import ClaimUse

logger = logging.getLogger(__name__)


def replay_key(claim: ChannelClaim, issued_at: object) -> str:
    """The claim's message and its signing time: the relay signs a message again when it
    tries it again, and such a new claim is welcome with the new Rasa message."""
    return "|".join((*claim.replay_key, str(issued_at)))[:300]


def first_use(
    session: Session,
    claim: ChannelClaim,
    issued_at: object,
    rasa_message_id: str,
    now: dt.datetime,
    keep: dt.timedelta,
) -> bool:
    """Whether the claim signed at ``issued_at`` comes with ``rasa_message_id`` and has come
    with no other message; remembers it for ``keep`` (at least as long as a claim verifies)."""
    key = replay_key(claim, issued_at)
    seen = session.get(ClaimUse, key)  # the turn's other actions find it here: one read each
    if seen is None:
        # A new claim, once per message: the time to forget those that can no longer verify.
        session.execute(delete(ClaimUse).where(ClaimUse.first_seen < now - keep))
        try:
            with session.begin_nested():
                session.add(
                    ClaimUse(replay_key=key, rasa_message_id=rasa_message_id, first_seen=now)
                )
            return True
        except IntegrityError:  # another action server wrote it first
            seen = session.scalar(select(ClaimUse).where(ClaimUse.replay_key == key))
    if seen is not None and seen.rasa_message_id == rasa_message_id:
        return True
    logger.warning("a %s claim was sent again with another message: refused", claim.channel)
    return False
