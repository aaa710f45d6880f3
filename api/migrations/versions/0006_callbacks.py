"""Call-back requests left outside office hours (phone sealed, a masked copy for display).

Revision ID: 0006_callbacks
Revises: 0005_one_open_per_user
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_callbacks"
down_revision = "0005_one_open_per_user"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(),
                  sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("phone_sealed", sa.Text(), nullable=False),
        sa.Column("phone_masked", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_callback_requests_ticket_id", "callback_requests", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("callback_requests")
