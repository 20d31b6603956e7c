"""Signed channel claims are bound to the one Rasa message they came with.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

A claim signed by the Telegram or WhatsApp adapter verifies for a few minutes; ``claim_uses``
remembers which Rasa message each claim arrived with, so that the same claim replayed with
another message is refused (``bot/claim_replay.py``), whichever action server sees it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_uses",
        sa.Column("replay_key", sa.String(length=300), nullable=False),
        sa.Column("rasa_message_id", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("replay_key"),
    )
    op.create_index("ix_claim_uses_first_seen", "claim_uses", ["first_seen"])


def downgrade() -> None:
    op.drop_index("ix_claim_uses_first_seen", table_name="claim_uses")
    op.drop_table("claim_uses")
