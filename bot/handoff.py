"""Talking to a person: a handoff request that staff pick up, with the conversation so far
(``transcript_of`` also keeps the conversation with a complaint)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from bot.chat_audit import audit_chat
from bot.db.models import ChatIdentity, HandoffRequest

logger = logging.getLogger(__name__)

TRANSCRIPT_TURNS = 40  # the last messages kept with the request


def transcript_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last ``TRANSCRIPT_TURNS`` messages of a Rasa conversation (its tracker's events),
    each ``{"from": "client" | "wazi", "text": ..., "at": <Unix time>}``."""
    turns = [
        {
            "from": "client" if e["event"] == "user" else "wazi",
            "text": e.get("text") or "",
            "at": e.get("timestamp"),
        }
        for e in events
        if e.get("event") in {"user", "bot"} and e.get("text")
    ]
    return turns[-TRANSCRIPT_TURNS:]


def request_handoff(
    session: Session, identity: ChatIdentity, transcript: list[dict[str, Any]]
) -> HandoffRequest:
    """Record that this person wants a human, with the last turns of the conversation."""
    request = HandoffRequest(
        chat_identity_id=identity.id,
        client_id=identity.client_id,
        channel=identity.channel,
        locale=identity.locale,
        transcript=transcript[-TRANSCRIPT_TURNS:],
    )
    session.add(request)
    session.flush()
    details = {"channel": identity.channel, "turns": len(request.transcript)}
    audit_chat(session, identity, "handoff.requested", "handoff_request", str(request.id), details)
    logger.info("handoff request %s recorded", request.id)
    return request
