"""The office dashboard's indexes (issue 14): covering indexes over the time columns its
queries filter on, so that a month over a million messages is read from the indexes alone
(``benchmarks/bench_office.py`` measures with and without them).

Revision ID: 0008_office_indexes
Revises: 0007_office
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008_office_indexes"
down_revision = "0007_office"
branch_labels = None
depends_on = None

# name -> (table, columns, INCLUDE columns on PostgreSQL)
INDEXES = {
    "ix_messages_office": ("messages", ["created_at", "role"],
                           ["outcome", "procedure", "aspect", "conversation_id"]),
    "ix_messages_conversation_role_id": ("messages", ["conversation_id", "role", "id"], []),
    "ix_conversations_created": ("conversations", ["created_at"], ["channel"]),
    "ix_tickets_created": ("handoff_tickets", ["created_at"],
                           ["channel", "category", "claimed_at"]),
}


def upgrade() -> None:
    for name, (table, columns, include) in INDEXES.items():
        op.create_index(name, table, columns, postgresql_include=include)


def downgrade() -> None:
    for name, (table, _columns, _include) in INDEXES.items():
        op.drop_index(name, table_name=table)
