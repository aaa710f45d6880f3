"""Call-back requests: a citizen who asked for a person outside office hours leaves a phone
number. It is kept sealed (Fernet, ``api.identity.UserIdentity.seal``) with a masked copy
for display; opening it is an audited agent action (``phone_reveal``).

Migration ``api/migrations/versions/0006_callbacks.py`` creates the table.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.db.models import Base, utcnow

# Vietnamese numbers: mobile 0[35789] + 8 digits, landline 02 + 9 digits; +84/84 for 0.
_PHONE = re.compile(r"^(0[35789]\d{8}|02\d{9})$")


class CallbackRequest(Base):
    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("handoff_tickets.id", ondelete="CASCADE"),
                                           index=True)
    conversation_id: Mapped[str] = mapped_column(String(32))
    phone_sealed: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def normalise_phone(raw: str) -> str | None:
    """``0912345678`` from "+84 912 345 678", "0912.345.678", ...; None if not a number."""
    digits = re.sub(r"[\s.\-()]", "", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _PHONE.fullmatch(digits) else None


def mask_phone(phone: str) -> str:
    return "*" * (len(phone) - 3) + phone[-3:]


def save(session: Session, *, ticket_id: int, conversation_id: str, sealed: str,
         masked: str) -> CallbackRequest:
    """The ticket's one call-back request (a second one replaces the number)."""
    row = latest(session, ticket_id=ticket_id)
    if row is None:
        row = CallbackRequest(ticket_id=ticket_id, conversation_id=conversation_id,
                              phone_sealed=sealed, phone_masked=masked)
        session.add(row)
    else:
        row.phone_sealed, row.phone_masked, row.created_at = sealed, masked, utcnow()
    session.flush()
    return row


def latest(session: Session, *, ticket_id: int) -> CallbackRequest | None:
    stmt = (select(CallbackRequest).where(CallbackRequest.ticket_id == ticket_id)
            .order_by(CallbackRequest.id.desc()).limit(1))
    return session.scalars(stmt).first()
