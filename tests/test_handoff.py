"""Handoff requests are recorded with the conversation, on both databases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, HandoffRequest
from bot.handoff import TRANSCRIPT_TURNS, request_handoff
from bot.identity import identity_for


def test_a_request_keeps_the_last_turns_and_is_audited(session: Session) -> None:
    person = identity_for(session, "rest", "someone")
    transcript = [{"from": "client", "text": f"message {i}"} for i in range(TRANSCRIPT_TURNS + 5)]
    request = request_handoff(session, person, transcript)
    session.commit()

    stored = session.scalars(select(HandoffRequest)).one()
    assert stored.id == request.id
    assert (stored.status, stored.channel, stored.client_id) == ("open", "rest", None)
    assert len(stored.transcript) == TRANSCRIPT_TURNS
    assert stored.transcript[-1]["text"] == f"message {TRANSCRIPT_TURNS + 4}"
    audit = session.scalars(select(AuditEntry)).one()
    assert (audit.action, audit.subject_id) == ("handoff.requested", str(request.id))
    assert "message" not in str(audit.details)  # no message text in the audit log
