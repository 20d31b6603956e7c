"""The audit row for something done for the person behind a chat identity (a verification, a
PIN set, a loan answered, a data deletion...): ids and facts, never the values typed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, ChatIdentity


def audit_chat(
    session: Session,
    identity: ChatIdentity,
    action: str,
    subject_type: str,
    subject_id: str | None,
    details: dict[str, object],
) -> None:
    """Write down something done for the person behind a chat identity."""
    session.add(
        AuditEntry(
            actor_type="chat",
            actor_id=str(identity.id),
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )
    )
