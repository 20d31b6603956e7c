"""A complaint names its loan by account number, wherever the loan is kept.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

With loans read from Apache Fineract (``WAZI_LOAN_SOURCE=fineract``) a complaint's loan has no
row in Wazi's ``loans`` table, so the complaint keeps the loan's account number
(``loan_account``), which the dashboard looks up through the loan source. Complaints already
linked to a loan row get its account number.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("loan_account", sa.String(length=32), nullable=True))
    op.execute(
        sa.text(
            "UPDATE complaints SET loan_account = "
            "(SELECT loans.account_no FROM loans WHERE loans.id = complaints.loan_id) "
            "WHERE loan_id IS NOT NULL"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("loan_account")
