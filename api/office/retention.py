"""Data retention (issue 14): ``python -m api retention`` removes what is older than
``API_RETENTION_DAYS`` (default 180).

- messages, answer feedback, CSAT ratings, hotline tickets (with their transcripts and call-back
  requests) older than the cut-off are deleted;
- a conversation whose last activity is older is deleted with everything that hangs on it;
- a PAKN case older than the cut-off keeps its (masked) content and status for the office's
  counts, but its contact (sealed and masked) is erased and its conversation link cut.

Nothing newer than the cut-off is touched. The deletes run in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from api.db.callbacks import CallbackRequest
from api.db.models import Conversation, HandoffTicket, Message
from api.db.office import AnswerFeedback, CsatRating, PaknCase

logger = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    cutoff: str
    messages: int = 0
    answer_feedback: int = 0
    csat_ratings: int = 0
    handoff_tickets: int = 0
    callback_requests: int = 0
    conversations: int = 0
    pakn_contacts: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def cutoff_for(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def apply_retention(db: Session, *, cutoff: datetime, dry_run: bool = False) -> RetentionReport:
    report = RetentionReport(cutoff=cutoff.isoformat())
    stale = select(Conversation.id).where(Conversation.updated_at < cutoff,
                                          Conversation.created_at < cutoff)
    old_messages = select(Message.id).where(
        or_(Message.created_at < cutoff, Message.conversation_id.in_(stale)))
    old_tickets = select(HandoffTicket.id).where(
        or_(HandoffTicket.created_at < cutoff, HandoffTicket.conversation_id.in_(stale)))

    def run(stmt, field: str) -> None:  # type: ignore[no-untyped-def]
        setattr(report, field, db.execute(stmt).rowcount or 0)

    run(delete(AnswerFeedback).where(or_(AnswerFeedback.created_at < cutoff,
                                         AnswerFeedback.message_id.in_(old_messages),
                                         AnswerFeedback.conversation_id.in_(stale)))
        .execution_options(synchronize_session=False), "answer_feedback")
    run(delete(CsatRating).where(or_(CsatRating.asked_at < cutoff,
                                     CsatRating.conversation_id.in_(stale)))
        .execution_options(synchronize_session=False), "csat_ratings")
    run(delete(CallbackRequest).where(or_(CallbackRequest.created_at < cutoff,
                                          CallbackRequest.ticket_id.in_(old_tickets)))
        .execution_options(synchronize_session=False), "callback_requests")
    run(delete(HandoffTicket).where(HandoffTicket.id.in_(old_tickets))
        .execution_options(synchronize_session=False), "handoff_tickets")
    run(update(PaknCase).where(PaknCase.created_at < cutoff,
                               or_(PaknCase.contact_sealed.is_not(None),
                                   PaknCase.contact_masked.is_not(None),
                                   PaknCase.conversation_id.is_not(None)))
        .values(contact_sealed=None, contact_masked=None, conversation_id=None)
        .execution_options(synchronize_session=False), "pakn_contacts")
    db.execute(update(PaknCase).where(PaknCase.conversation_id.in_(stale))
               .values(conversation_id=None).execution_options(synchronize_session=False))
    run(delete(Message).where(Message.id.in_(old_messages))
        .execution_options(synchronize_session=False), "messages")
    run(delete(Conversation).where(Conversation.id.in_(stale))
        .execution_options(synchronize_session=False), "conversations")
    if dry_run:
        db.rollback()
    else:
        db.commit()
    logger.info("retention.applied dry_run=%s %s", dry_run, report.as_dict())
    return report
