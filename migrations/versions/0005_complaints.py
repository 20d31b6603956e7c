"""Complaints with deadlines, escalation and history; the staff role.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

The first schema's ``complaints`` table was never written to (nothing created complaints), so
it is replaced rather than altered: a complaint now belongs to a chat identity, has its two
deadlines, its escalation and its reason, and a history (``complaint_events``). The
``reviewer`` staff role becomes ``staff``, the role of branch and head-office people who
handle complaints.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = (
    "wrong_charge",
    "payment_not_recorded",
    "staff_behaviour",
    "harassment",
    "fraud",
    "privacy",
    "insurance",
    "other",
)
STATUSES = ("received", "acknowledged", "in_progress", "resolved", "closed", "reopened")


def _one_of(table: str, column: str, values: Sequence[str]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def _staff_roles(old: str, new: str, roles: Sequence[str]) -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint(op.f("ck_staff_users_role"), type_="check")
    op.execute(
        sa.text("UPDATE staff_users SET role = :new WHERE role = :old").bindparams(new=new, old=old)
    )
    with op.batch_alter_table("staff_users") as batch:
        batch.create_check_constraint(
            "role", sa.text("role IN (" + ", ".join(f"'{r}'" for r in roles) + ")")
        )


def upgrade() -> None:
    op.drop_table("complaints")
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=True),
        sa.Column("chat_identity_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("acknowledge_by", sa.Date(), nullable=False),
        sa.Column("resolve_by", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_reason", sa.String(length=200), nullable=True),
        sa.Column("regulator_notice_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["staff_users.id"],
            name=op.f("fk_complaints_assigned_to_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_complaints_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["chat_identity_id"],
            ["chat_identities.id"],
            name=op.f("fk_complaints_chat_identity_id_chat_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_complaints_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_complaints_loan_id_loans")
        ),
        _one_of("complaints", "category", CATEGORIES),
        _one_of("complaints", "status", STATUSES),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("request_key", name=op.f("uq_complaints_request_key")),
        sa.UniqueConstraint("ticket_no", name=op.f("uq_complaints_ticket_no")),
    )
    op.create_index(op.f("ix_complaints_chat_identity_id"), "complaints", ["chat_identity_id"])
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_events_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
    )
    op.create_index(op.f("ix_complaint_events_complaint_id"), "complaint_events", ["complaint_id"])
    _staff_roles("reviewer", "staff", ("admin", "staff", "trainer"))


def downgrade() -> None:
    _staff_roles("staff", "reviewer", ("admin", "reviewer", "trainer"))
    op.drop_index(op.f("ix_complaint_events_complaint_id"), table_name="complaint_events")
    op.drop_table("complaint_events")
    op.drop_index(op.f("ix_complaints_chat_identity_id"), table_name="complaints")
    op.drop_table("complaints")
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("chat_identity_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["staff_users.id"],
            name=op.f("fk_complaints_assigned_to_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["chat_identity_id"],
            ["chat_identities.id"],
            name=op.f("fk_complaints_chat_identity_id_chat_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_complaints_client_id_clients")
        ),
        _one_of("complaints", "status", ("open", "in_progress", "escalated", "resolved", "closed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("ticket_no", name=op.f("uq_complaints_ticket_no")),
    )
