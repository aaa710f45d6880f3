"""Tables of the conversation store. Alembic migrations in ``api/migrations`` create them."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ConversationState(str, Enum):
    bot = "bot"
    waiting_agent = "waiting_agent"
    agent = "agent"
    closed = "closed"


class Role(str, Enum):
    citizen = "citizen"
    bot = "bot"
    agent = "agent"
    system = "system"


class TicketStatus(str, Enum):
    waiting = "waiting"
    claimed = "claimed"
    closed = "closed"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_hash: Mapped[str] = mapped_column(String(64))
    # Encrypted platform address (Zalo/Messenger id) needed to reply; null for web.
    reply_address: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[str] = mapped_column(String(16), default=ConversationState.bot.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_conversations_channel_user", "channel", "user_hash"),
        Index("ix_conversations_created", "created_at", postgresql_include=["channel"]),
        # one conversation that is not closed per user and channel (migration 0005)
        Index("uq_conversations_open_user", "channel", "user_hash", unique=True,
              sqlite_where=text("state != 'closed'"), postgresql_where=text("state != 'closed'")),
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    intent: Mapped[str | None] = mapped_column(String(64), default=None)
    procedure: Mapped[str | None] = mapped_column(String(128), default=None)
    confidence: Mapped[float | None] = mapped_column(default=None)
    latency_ms: Mapped[int | None] = mapped_column(default=None)
    # bot messages: what the turn did (api.db.office.Outcome) and the aspect answered
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    aspect: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_messages_created", "created_at"),
        # the office dashboard (migration 0008): a month of bot turns read from the index alone,
        # and "the citizen message before this bot message"
        Index("ix_messages_office", "created_at", "role",
              postgresql_include=["outcome", "procedure", "aspect", "conversation_id"]),
        Index("ix_messages_conversation_role_id", "conversation_id", "role", "id"),
    )


class HandoffTicket(Base):
    __tablename__ = "handoff_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64), default=None)
    priority: Mapped[int] = mapped_column(Integer, default=1)  # 0 low, 1 normal, 2 high
    transcript: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.waiting.value)
    agent: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str | None] = mapped_column(String(32), default=None)  # set on close
    note: Mapped[str | None] = mapped_column(Text, default=None)  # the agent's closing note

    __table_args__ = (
        Index("ix_tickets_status_priority", "status", "priority", "created_at"),
        Index("ix_tickets_created", "created_at",
              postgresql_include=["channel", "category", "claimed_at"]),
        # one ticket that is not closed per conversation (migration 0005)
        Index("uq_tickets_open_conversation", "conversation_id", unique=True,
              sqlite_where=text("status != 'closed'"), postgresql_where=text("status != 'closed'")),
    )
