"""A small, known office data set (conversations, outcomes, feedback, CSAT, tickets, PAKN)
written through the store's own functions, for the dashboard's aggregation tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from api.db import conversations as convs
from api.db.models import HandoffTicket, Role
from api.db.office import AnswerFeedback, CsatRating, PaknCase

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def _turn(db: Session, conv, question: str, *, outcome: str, procedure: str | None = None,  # type: ignore[no-untyped-def]
          aspect: str | None = None, at: datetime = NOW):
    q = convs.add_message(db, conversation=conv, role=Role.citizen, text=question)
    q.created_at = at
    a = convs.add_message(db, conversation=conv, role=Role.bot, text="(trả lời)",
                          procedure=procedure)
    a.outcome, a.aspect, a.created_at = outcome, aspect, at
    db.flush()
    return a


def seed(db: Session, *, prefix: str = "") -> dict[str, object]:
    """Two web conversations and one Zalo one on NOW's day, one web conversation 60 days
    earlier (outside a 30-day range)."""
    web1 = convs.get_or_create_conversation(db, channel="web", user_hash=prefix + "u1")
    web1.created_at = NOW
    a1 = _turn(db, web1, "Làm giấy khai sinh cần gì?", outcome="answered",
               procedure="dang-ky-khai-sinh", aspect="documents")
    a2 = _turn(db, web1, "Đăng ký kết hôn mất bao lâu?", outcome="answered",
               procedure="dang-ky-ket-hon", aspect="time")
    _turn(db, web1, "Cách nuôi cá cảnh?", outcome="abstained")
    web2 = convs.get_or_create_conversation(db, channel="web", user_hash=prefix + "u2")
    web2.created_at = NOW
    _turn(db, web2, "Cách nuôi cá cảnh", outcome="abstained")
    _turn(db, web2, "Khai sinh hay khai tử?", outcome="clarified")
    zalo = convs.get_or_create_conversation(db, channel="zalo", user_hash=prefix + "u3")
    zalo.created_at = NOW
    _turn(db, zalo, "Gặp cán bộ", outcome="handed_off")
    old = convs.get_or_create_conversation(db, channel="web", user_hash=prefix + "u4")
    old.created_at = NOW - timedelta(days=60)
    _turn(db, old, "Câu hỏi cũ", outcome="abstained", at=NOW - timedelta(days=60))
    for conv in (web1, web2, zalo):
        conv.updated_at = NOW
    old.updated_at = NOW - timedelta(days=60)
    db.add_all([
        AnswerFeedback(message_id=a1.id, conversation_id=web1.id, channel="web",
                       procedure="dang-ky-khai-sinh", aspect="documents", helpful=True,
                       created_at=NOW),
        AnswerFeedback(message_id=a2.id, conversation_id=web1.id, channel="web",
                       procedure="dang-ky-ket-hon", aspect="time", helpful=False,
                       reason="wrong_info", created_at=NOW),
        CsatRating(conversation_id=web1.id, channel="web", trigger="goodbye", score=4,
                   asked_at=NOW, answered_at=NOW),
        CsatRating(conversation_id=web2.id, channel="web", trigger="idle", score=2,
                   asked_at=NOW, answered_at=NOW),
        CsatRating(conversation_id=zalo.id, channel="zalo", trigger="agent_close", score=None,
                   asked_at=NOW),
        HandoffTicket(conversation_id=zalo.id, channel="zalo", reason="asked", category="đất đai",
                      created_at=NOW, claimed_at=NOW + timedelta(seconds=60), status="closed",
                      closed_at=NOW + timedelta(minutes=5)),
        HandoffTicket(conversation_id=web2.id, channel="web", reason="asked", category="hộ tịch",
                      created_at=NOW, claimed_at=NOW + timedelta(seconds=180), status="closed",
                      closed_at=NOW + timedelta(minutes=5)),
        PaknCase(code=prefix + "PA-1", conversation_id=web1.id, channel="web",
                 content="=Phản ánh thái độ", procedure="dang-ky-khai-sinh", consent=True,
                 status="received", due_at=NOW - timedelta(days=1), created_at=NOW),
        PaknCase(code=prefix + "PA-2", conversation_id=zalo.id, channel="zalo",
                 content="Kiến nghị mở thêm quầy", consent=True, status="answered",
                 due_at=NOW - timedelta(days=1), created_at=NOW),
    ])
    db.commit()
    return {"web1": web1.id, "web2": web2.id, "zalo": zalo.id, "old": old.id}
