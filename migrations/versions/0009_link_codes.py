"""One-time linking codes for the stronger identity check.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

Where the institution turns on ``WAZI_VERIFY_LINK_CODE``, the identity check also asks for a
code the loan officer hands the client at disbursement (``bot/link_codes.py``). Only the code's
argon2 hash is stored, with who issued it, when it expires, and when and by which chat identity
it was used (one time) or voided by a newer code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_link_codes_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["chat_identities.id"],
            name=op.f("fk_link_codes_used_by_chat_identities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_codes")),
    )
    op.create_index(op.f("ix_link_codes_client_id"), "link_codes", ["client_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_link_codes_client_id"), table_name="link_codes")
    op.drop_table("link_codes")
