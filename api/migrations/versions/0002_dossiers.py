"""Dossier store and dossier lookup audit log.

Revision ID: 0002_dossiers
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_dossiers"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("procedure_id", sa.String(128), nullable=True),
        sa.Column("procedure_code", sa.String(32), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("applicant_masked", sa.String(200), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("phone_last4_hash", sa.String(64), nullable=True),
        sa.Column("id_last4_hash", sa.String(64), nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("agency", sa.String(300), nullable=True),
        sa.Column("apology_issued", sa.Boolean(), nullable=False),
        sa.Column("new_appointment", sa.Date(), nullable=True),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_dossiers_status_due", "dossiers", ["status", "due_at"])
    op.create_table(
        "dossier_lookups",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
    )
    op.create_index("ix_dossier_lookups_actor_at", "dossier_lookups", ["actor", "outcome", "at"])
    op.create_index("ix_dossier_lookups_code", "dossier_lookups", ["code"])


def downgrade() -> None:
    op.drop_table("dossier_lookups")
    op.drop_table("dossiers")
