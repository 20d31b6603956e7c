"""Lessons as chat messages, progress by message and question, quiz answers, suggestions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

A lesson's text becomes a list of chat-sized messages (``body`` held one text; no lesson was
ever loaded into it, so nothing is carried over). Progress records the language and the next
message; each quiz answer is kept for the dashboard's quiz-success rates; a chat identity
records when the bot last suggested a lesson, to suggest one at most once a week.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("body")
        batch.add_column(sa.Column("messages", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("updated_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("lessons") as batch:
        batch.alter_column("messages", server_default=None)
    with op.batch_alter_table("lesson_progress") as batch:
        batch.add_column(
            sa.Column("locale", sa.String(length=16), nullable=False, server_default="en")
        )
        batch.add_column(sa.Column("step", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
    with op.batch_alter_table("lesson_progress") as batch:
        for column in ("locale", "step", "updated_at"):
            batch.alter_column(column, server_default=None)
    with op.batch_alter_table("chat_identities") as batch:
        batch.add_column(
            sa.Column("lesson_suggested_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "lesson_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("progress_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.Column("choice_id", sa.String(length=16), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["progress_id"],
            ["lesson_progress.id"],
            name=op.f("fk_lesson_answers_progress_id_lesson_progress"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_answers")),
    )
    op.create_index(op.f("ix_lesson_answers_progress_id"), "lesson_answers", ["progress_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lesson_answers_progress_id"), table_name="lesson_answers")
    op.drop_table("lesson_answers")
    with op.batch_alter_table("chat_identities") as batch:
        batch.drop_column("lesson_suggested_at")
    with op.batch_alter_table("lesson_progress") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("step")
        batch.drop_column("locale")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("updated_by")
        batch.drop_column("messages")
        batch.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
