"""One open conversation per user and channel, one open ticket per conversation.

Partial unique indexes (SQLite and PostgreSQL both support them): two first messages or two
handoff requests at once can no longer create two rows; the loser reads the winner's.

Revision ID: 0005_one_open_per_user
Revises: 0004_dossier_attempts
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_one_open_per_user"
down_revision = "0004_dossier_attempts"
branch_labels = None
depends_on = None

OPEN_CONVERSATION = sa.text("state != 'closed'")
OPEN_TICKET = sa.text("status != 'closed'")


def upgrade() -> None:
    op.create_index("uq_conversations_open_user", "conversations", ["channel", "user_hash"],
                    unique=True, sqlite_where=OPEN_CONVERSATION,
                    postgresql_where=OPEN_CONVERSATION)
    op.create_index("uq_tickets_open_conversation", "handoff_tickets", ["conversation_id"],
                    unique=True, sqlite_where=OPEN_TICKET, postgresql_where=OPEN_TICKET)


def downgrade() -> None:
    op.drop_index("uq_tickets_open_conversation", table_name="handoff_tickets")
    op.drop_index("uq_conversations_open_user", table_name="conversations")
