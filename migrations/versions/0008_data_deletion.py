"""Complaints and handoff requests outlive the chat identity they came from.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

A client who asks Wazi to delete their data loses their chat identity (``bot/data_rights.py``);
their complaints are kept, anonymised, as regulators require, and their handoff requests are
kept without the transcript, so both may now point at no chat identity.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("complaints", "handoff_requests")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("chat_identity_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    """Refused while anonymised rows exist: they cannot be given an identity back, and
    complaints must not be deleted to make room for a downgrade."""
    bind = op.get_bind()
    for table in TABLES:
        orphans = bind.scalar(
            sa.text(f"SELECT count(*) FROM {table} WHERE chat_identity_id IS NULL")
        )
        if orphans:
            raise RuntimeError(
                f"cannot downgrade below 0008: {orphans} {table} rows belong to deleted chat "
                "identities"
            )
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("chat_identity_id", existing_type=sa.Integer(), nullable=False)
