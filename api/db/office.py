"""What the provincial office reads (issue 14): answer feedback, satisfaction ratings (CSAT)
and feedback-and-petition cases (PAKN). Conversations and messages are in ``api.db.models``;
a bot message also records its ``outcome`` and ``aspect`` there, so that the dashboard counts
answered / clarified / abstained / handed-off turns with plain indexed columns.

Migration ``api/migrations/versions/0007_office.py`` creates the tables.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models import Base, utcnow


class Outcome(str, Enum):
    """What a bot message did (``messages.outcome``); null for other roles and old rows."""

    answered = "answered"        # a procedure answer with its citation
    clarified = "clarified"      # "which procedure / which aspect?" with choices
    abstained = "abstained"      # no answer from the catalogue (hotline offered)
    handed_off = "handed_off"    # the conversation went to the hotline queue
    other = "other"              # greetings, forms, acknowledgements, small talk


class FeedbackReason(str, Enum):
    wrong_info = "wrong_info"              # sai thông tin
    wrong_procedure = "wrong_procedure"    # không đúng thủ tục
    hard_to_understand = "hard_to_understand"  # khó hiểu
    other = "other"                        # khác


class CsatTrigger(str, Enum):
    agent_close = "agent_close"  # an agent closed the ticket
    goodbye = "goodbye"          # the citizen said goodbye to the bot
    idle = "idle"                # the bot conversation was idle for the configured time


class PaknStatus(str, Enum):
    received = "received"
    forwarded = "forwarded"
    answered = "answered"
    closed = "closed"


class AnswerFeedback(Base):
    """A citizen's "Câu trả lời có hữu ích không?" on one bot answer (one per message)."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"),
                                            unique=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    procedure: Mapped[str | None] = mapped_column(String(128), default=None)
    aspect: Mapped[str | None] = mapped_column(String(32), default=None)
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(32), default=None)  # FeedbackReason
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_answer_feedback_created", "created_at"),)


class CsatRating(Base):
    """The 1–5 rating asked once per conversation (unique ``conversation_id``: never twice).
    ``score`` stays null when the citizen did not answer."""

    __tablename__ = "csat_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(Integer, default=None)
    trigger: Mapped[str] = mapped_column(String(16))  # CsatTrigger
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_csat_ratings_asked", "asked_at"),)


class PaknCase(Base):
    """A feedback or petition (phản ánh, kiến nghị) taken by the bot. ``content`` is stored
    with ID and phone numbers masked; the contact is sealed (Fernet) with a masked copy."""

    __tablename__ = "pakn_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), default=None, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    procedure: Mapped[str | None] = mapped_column(String(128), default=None)
    agency: Mapped[str | None] = mapped_column(String(256), default=None)
    contact_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    contact_masked: Mapped[str | None] = mapped_column(String(64), default=None)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=PaknStatus.received.value)
    due_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_pakn_cases_status_due", "status", "due_at"),
                      Index("ix_pakn_cases_created", "created_at"))
