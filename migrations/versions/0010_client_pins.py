"""A short PIN a client may set, for phones shared in a family.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09

Where the institution turns on ``WAZI_VERIFY_PIN``, a client may set a PIN in chat
(``bot/pins.py``); once set, the identity check also asks for it. Only the PIN's argon2id hash
is stored on the client, with when it was set.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("pin_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("pin_set_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("pin_set_at")
        batch.drop_column("pin_hash")
