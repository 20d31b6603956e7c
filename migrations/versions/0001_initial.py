"""Initial schema: every table in bot/db/models.py.

Runs unchanged on SQLite and PostgreSQL. Enum columns are VARCHAR(32) with a CHECK constraint
listing the allowed values, exactly as the models' ``native_enum=False`` types create them;
the values are written out here so this migration stays a fixed snapshot.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _one_of(table: str, column: str, *values: str) -> sa.CheckConstraint:
    """The CHECK constraint behind a non-native enum column."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])

    op.create_table(
        "branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("opening_hours", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("code", name=op.f("uq_branches_code")),
    )
    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("quiz", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
        sa.UniqueConstraint("slug", "locale", name=op.f("uq_lessons_slug_locale")),
    )
    op.create_table(
        "loan_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("interest_method", sa.String(length=32), nullable=False),
        sa.Column("interest_rate", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("rate_period", sa.String(length=32), nullable=False),
        sa.Column("interest_tax_percent", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("grace_periods", sa.Integer(), nullable=False),
        sa.Column("savings_deposit_kind", sa.String(length=32), nullable=True),
        sa.Column("savings_deposit_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("savings_per_installment", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("savings_interest_rate", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("penalty_kind", sa.String(length=32), nullable=False),
        sa.Column("penalty_grace_days", sa.Integer(), nullable=False),
        sa.Column("penalty_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("penalty_cap", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("prepayment_interest", sa.String(length=32), nullable=False),
        sa.Column("prepayment_fee_kind", sa.String(length=32), nullable=True),
        sa.Column("prepayment_fee_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.CheckConstraint("interest_rate >= 0", name=op.f("ck_loan_products_rate_not_negative")),
        _one_of(
            "loan_products",
            "interest_method",
            "flat",
            "declining_equal_installment",
            "declining_equal_principal",
        ),
        _one_of("loan_products", "rate_period", "week", "month", "year", "term"),
        _one_of("loan_products", "savings_deposit_kind", "fixed", "percent_of_principal"),
        _one_of(
            "loan_products",
            "penalty_kind",
            "none",
            "fixed",
            "percent_of_installment",
            "daily_percent_of_overdue",
        ),
        _one_of(
            "loan_products",
            "prepayment_interest",
            "accrued_to_date",
            "current_period",
            "all_remaining",
        ),
        _one_of("loan_products", "prepayment_fee_kind", "fixed", "percent_of_principal"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_products")),
        sa.UniqueConstraint("code", name=op.f("uq_loan_products_code")),
    )
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _one_of("staff_users", "role", "admin", "reviewer", "trainer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("loan_officer_name", sa.String(length=200), nullable=True),
        sa.Column("loan_officer_phone", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("phone LIKE '+%'", name=op.f("ck_clients_phone_e164")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_clients_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("external_id", name=op.f("uq_clients_external_id")),
        sa.UniqueConstraint("phone", name=op.f("uq_clients_phone")),
    )
    op.create_table(
        "product_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("timing", sa.String(length=32), nullable=False),
        sa.Column("tax_percent", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["loan_products.id"],
            name=op.f("fk_product_charges_product_id_loan_products"),
            ondelete="CASCADE",
        ),
        _one_of("product_charges", "category", "fee", "insurance"),
        _one_of("product_charges", "kind", "fixed", "percent_of_principal"),
        _one_of("product_charges", "timing", "upfront", "deducted", "financed", "per_installment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_charges")),
    )
    op.create_table(
        "chat_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("channel_user_id", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_chat_identities_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_identities")),
        sa.UniqueConstraint(
            "channel", "channel_user_id", name=op.f("uq_chat_identities_channel_channel_user_id")
        ),
    )
    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("principal", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("disbursement_date", sa.Date(), nullable=False),
        sa.Column("first_due_date", sa.Date(), nullable=True),
        sa.Column("frequency", sa.String(length=32), nullable=False),
        sa.Column("installments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("installments > 0", name=op.f("ck_loans_installments_positive")),
        sa.CheckConstraint("principal > 0", name=op.f("ck_loans_principal_positive")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_loans_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["loan_products.id"], name=op.f("fk_loans_product_id_loan_products")
        ),
        _one_of("loans", "frequency", "daily", "weekly", "fortnightly", "monthly", "quarterly"),
        _one_of("loans", "status", "pending", "active", "closed", "written_off"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
        sa.UniqueConstraint("account_no", name=op.f("uq_loans_account_no")),
    )
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
        _one_of("complaints", "status", "open", "in_progress", "escalated", "resolved", "closed"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("ticket_no", name=op.f("uq_complaints_ticket_no")),
    )
    op.create_table(
        "lesson_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_identity_id", sa.Integer(), nullable=False),
        sa.Column("lesson_slug", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("questions_answered", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_identity_id"],
            ["chat_identities.id"],
            name=op.f("fk_lesson_progress_chat_identity_id_chat_identities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_progress")),
        sa.UniqueConstraint(
            "chat_identity_id",
            "lesson_slug",
            name=op.f("uq_lesson_progress_chat_identity_id_lesson_slug"),
        ),
    )
    op.create_index(
        op.f("ix_lesson_progress_chat_identity_id"), "lesson_progress", ["chat_identity_id"]
    )

    op.create_table(
        "repayments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("principal_part", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("interest_part", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("fees_part", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("penalties_part", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("installment_number", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_repayments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_repayments_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayments")),
        sa.UniqueConstraint("reference", name=op.f("uq_repayments_reference")),
    )
    op.create_index(op.f("ix_repayments_loan_id"), "repayments", ["loan_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_repayments_loan_id"), table_name="repayments")

    op.drop_table("repayments")
    op.drop_index(op.f("ix_lesson_progress_chat_identity_id"), table_name="lesson_progress")

    op.drop_table("lesson_progress")
    op.drop_table("complaints")
    op.drop_table("loans")
    op.drop_table("chat_identities")
    op.drop_table("product_charges")
    op.drop_table("clients")
    op.drop_table("staff_users")
    op.drop_table("loan_products")
    op.drop_table("lessons")
    op.drop_table("branches")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")

    op.drop_table("audit_log")
