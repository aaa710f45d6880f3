"""Reserved dossier lookup attempts (guess budgets per code, sender and address).

Revision ID: 0004_dossier_attempts
Revises: 0003_agents
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_dossier_attempts"
down_revision = "0003_agents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(96), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dossier_attempts_key_at", "dossier_attempts", ["key", "at"])
    op.create_index("ix_dossier_attempts_token", "dossier_attempts", ["token"])


def downgrade() -> None:
    op.drop_index("ix_dossier_attempts_token", table_name="dossier_attempts")
    op.drop_index("ix_dossier_attempts_key_at", table_name="dossier_attempts")
    op.drop_table("dossier_attempts")
