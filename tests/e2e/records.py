"""What the end-to-end tests read back from a stack's database."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import AuditEntry, ChatIdentity
from bot.db.session import make_engine, session_scope


def loan_answers(database_url: str, channel: str, channel_user_id: str) -> int:
    """How many loan answers the audit log holds for that chat identity."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            person = session.scalar(
                select(ChatIdentity.id).where(
                    ChatIdentity.channel == channel,
                    ChatIdentity.channel_user_id == channel_user_id,
                )
            )
            return session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.actor_id == str(person), AuditEntry.action == "loan.answered")
            )
    finally:
        engine.dispose()
