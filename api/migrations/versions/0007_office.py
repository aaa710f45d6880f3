"""The office's tables (issue 14): answer feedback, CSAT ratings, PAKN cases; each bot
message's outcome and aspect; the time index the dashboard's date ranges use.

Revision ID: 0007_office
Revises: 0006_callbacks
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_office"
down_revision = "0006_callbacks"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch.add_column(sa.Column("aspect", sa.String(32), nullable=True))
    op.create_index("ix_messages_created", "messages", ["created_at"])

    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.Integer(),
                  sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("conversation_id", sa.String(32),
                  sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("procedure", sa.String(128), nullable=True),
        sa.Column("aspect", sa.String(32), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_answer_feedback_conversation_id", "answer_feedback",
                    ["conversation_id"])
    op.create_index("ix_answer_feedback_created", "answer_feedback", ["created_at"])

    op.create_table(
        "csat_ratings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(32),
                  sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("asked_at", TZ, nullable=False),
        sa.Column("answered_at", TZ, nullable=True),
    )
    op.create_index("ix_csat_ratings_asked", "csat_ratings", ["asked_at"])

    op.create_table(
        "pakn_cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(32),
                  sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("procedure", sa.String(128), nullable=True),
        sa.Column("agency", sa.String(256), nullable=True),
        sa.Column("contact_sealed", sa.Text(), nullable=True),
        sa.Column("contact_masked", sa.String(64), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("answered_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
    )
    op.create_index("ix_pakn_cases_conversation_id", "pakn_cases", ["conversation_id"])
    op.create_index("ix_pakn_cases_status_due", "pakn_cases", ["status", "due_at"])
    op.create_index("ix_pakn_cases_created", "pakn_cases", ["created_at"])


def downgrade() -> None:
    op.drop_table("pakn_cases")
    op.drop_table("csat_ratings")
    op.drop_table("answer_feedback")
    op.drop_index("ix_messages_created", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("aspect")
        batch.drop_column("outcome")
