"""Tables of the dossier store and the lookup audit log, on the API's metadata.

Migrations ``0002_dossiers`` and ``0004_dossier_attempts`` create them. No column holds a phone
or ID number: only keyed digests (see ``api.dossiers.privacy``) and a masked name.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models import Base, utcnow


class DossierRow(Base):
    __tablename__ = "dossiers"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    procedure_id: Mapped[str | None] = mapped_column(String(128), default=None)
    procedure_code: Mapped[str | None] = mapped_column(String(32), default=None)
    procedure_name: Mapped[str] = mapped_column(Text)
    applicant_masked: Mapped[str | None] = mapped_column(String(200), default=None)
    phone_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    phone_last4_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    id_last4_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    received_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    agency: Mapped[str | None] = mapped_column(String(300), default=None)
    apology_issued: Mapped[bool] = mapped_column(Boolean, default=False)
    new_appointment: Mapped[date | None] = mapped_column(Date, default=None)
    delivery: Mapped[str] = mapped_column(String(16), default="counter")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_dossiers_status_due", "status", "due_at"),)


class DossierLookupAudit(Base):
    """One row per lookup attempt: who (hashed sender or agent), when, code, outcome."""

    __tablename__ = "dossier_lookups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # citizen | agent
    actor: Mapped[str] = mapped_column(String(64))  # sender hash, or the agent's name
    channel: Mapped[str | None] = mapped_column(String(32), default=None)
    code: Mapped[str | None] = mapped_column(String(40), default=None)  # null if not a code
    outcome: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(8))  # sql | http
    latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)

    __table_args__ = (Index("ix_dossier_lookups_actor_at", "actor", "outcome", "at"),
                      Index("ix_dossier_lookups_code", "code"))


class DossierAttempt(Base):
    """One reserved lookup attempt under one budget key (a code, a hashed sender or a hashed
    address); see ``api.dossiers.lockout``. Rows older than the window are ignored and purged."""

    __tablename__ = "dossier_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(96))
    token: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_dossier_attempts_key_at", "key", "at"),
                      Index("ix_dossier_attempts_token", "token"))
