"""Synthetic traffic for a fresh database, so that a newcomer's dashboard is not empty.

Only an EMPTY database is filled (``make run`` calls ``python -m api demo-traffic
--if-empty``). Every row is marked: conversations' ``user_hash`` starts with ``demo-``, bot
messages' text starts with ``[demo]`` and their payload carries ``"demo": true``, PAKN codes
start with ``DEMO-``. Citizen questions are the catalogue's own example questions of real
procedure ids; a bot message never states a procedure fact, it only names the procedure.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import Conversation, ConversationState, HandoffTicket, Message, Role
from api.db.office import AnswerFeedback, CsatRating, FeedbackReason, PaknCase, PaknStatus
from api.settings import ApiSettings
from indexer.catalog.loader import load_catalog

DEMO_PREFIX = "demo-"
ASPECTS = ["documents", "fee", "time", "agency", "steps", None]
CHANNELS = [("web", 0.6), ("zalo", 0.3), ("messenger", 0.1)]
OUT_OF_SCOPE = ["Giá vàng hôm nay bao nhiêu?", "Cách nuôi cá cảnh trong nhà?",
                "Thời tiết cuối tuần thế nào?", "Xin số điện thoại ông chủ tịch xã",
                "Mua vé tàu Tết ở đâu?", "Cách nuôi cá cảnh"]
PAKN_TEXTS = ["Góp ý: thời gian chờ ở bộ phận một cửa quá lâu.",
              "Kiến nghị bố trí thêm ghế chờ tại bộ phận tiếp nhận hồ sơ.",
              "Phản ánh: cổng dịch vụ công bị lỗi khi nộp hồ sơ buổi tối.",
              "Đề nghị hướng dẫn rõ hơn cách thanh toán phí trực tuyến."]
PAKN_DAYS = 15


class DemoError(Exception):
    """The database is not empty, or there is no catalogue to draw procedures from."""


def _channel(rnd: random.Random) -> str:
    return rnd.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]


def fill_demo_traffic(db: Session, *, settings: ApiSettings, conversations: int = 400,
                      days: int = 30, seed: int = 14,
                      now: datetime | None = None) -> dict[str, Any]:
    existing = db.scalar(select(func.count()).select_from(Conversation)) or 0
    if existing:
        raise DemoError(f"the database already has {existing} conversations; demo traffic "
                        "fills only an empty one")
    procedures = [p for p in load_catalog(settings.office_knowledge_dir).procedures
                  if p.is_current and p.example_questions]
    if not procedures:
        raise DemoError(f"no procedures under {settings.office_knowledge_dir}")
    rnd = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    popular = procedures[: max(8, len(procedures) // 4)]  # a few procedures carry most traffic
    counts = {"conversations": 0, "messages": 0, "feedback": 0, "csat": 0, "tickets": 0,
              "pakn": 0}
    for i in range(conversations):
        start = now - timedelta(days=rnd.uniform(0, days), minutes=rnd.uniform(0, 600))
        channel = _channel(rnd)
        conv = Conversation(id=f"demo{i:06d}{rnd.getrandbits(40):010x}"[:32], channel=channel,
                            user_hash=f"{DEMO_PREFIX}{i:06d}", state=ConversationState.closed.value,
                            created_at=start, updated_at=start)
        db.add(conv)
        db.flush()
        at = start
        answered: list[Message] = []
        for _turn in range(rnd.randint(1, 4)):
            at += timedelta(seconds=rnd.randint(20, 240))
            roll = rnd.random()
            if roll < 0.12:
                question, outcome, proc = rnd.choice(OUT_OF_SCOPE), "abstained", None
                text = "[demo] Chưa tìm thấy câu trả lời trong danh mục thủ tục."
            else:
                proc = rnd.choice(popular if rnd.random() < 0.7 else procedures)
                question = rnd.choice(proc.example_questions)
                outcome = "clarified" if roll < 0.22 else "answered"
                text = (f"[demo] Hỏi lại: Anh/Chị hỏi về «{proc.name}»?" if outcome == "clarified"
                        else f"[demo] Câu trả lời về thủ tục «{proc.name}».")
            aspect = rnd.choice(ASPECTS) if outcome == "answered" else None
            db.add(Message(conversation_id=conv.id, role=Role.citizen.value, text=question,
                           created_at=at))
            bot = Message(conversation_id=conv.id, role=Role.bot.value, text=text,
                          payload={"demo": True}, procedure=proc.id if proc else None,
                          outcome=outcome, aspect=aspect, confidence=None, created_at=at,
                          latency_ms=rnd.randint(150, 900))
            db.add(bot)
            counts["messages"] += 2
            if outcome == "answered":
                answered.append(bot)
        db.flush()
        for bot in answered:
            if rnd.random() < 0.35:
                helpful = rnd.random() < 0.78
                db.add(AnswerFeedback(
                    message_id=bot.id, conversation_id=conv.id, channel=channel,
                    procedure=bot.procedure, aspect=bot.aspect, helpful=helpful,
                    reason=None if helpful else rnd.choice(list(FeedbackReason)).value,
                    created_at=bot.created_at + timedelta(seconds=30)))
                counts["feedback"] += 1
        ticket_id = None
        if rnd.random() < 0.1:
            field = next((p.field for p in procedures if p.id == (answered[0].procedure
                                                                  if answered else None)), None)
            claimed = at + timedelta(seconds=rnd.lognormvariate(4.5, 0.8))
            ticket = HandoffTicket(conversation_id=conv.id, channel=channel,
                                   reason="[demo] yêu cầu gặp cán bộ", category=field,
                                   status="closed", agent="demo", created_at=at,
                                   claimed_at=claimed, closed_at=claimed + timedelta(minutes=4),
                                   resolution="answered")
            db.add(ticket)
            db.add(Message(conversation_id=conv.id, role=Role.bot.value,
                           text="[demo] Đã chuyển tổng đài viên.", payload={"demo": True},
                           outcome="handed_off", created_at=at))
            db.flush()
            ticket_id = ticket.id
            counts["tickets"] += 1
            counts["messages"] += 1
        if rnd.random() < 0.4:
            score = rnd.choices([1, 2, 3, 4, 5], [0.05, 0.08, 0.17, 0.35, 0.35])[0] \
                if rnd.random() < 0.7 else None
            db.add(CsatRating(conversation_id=conv.id, channel=channel, ticket_id=ticket_id,
                              trigger="agent_close" if ticket_id else "goodbye", score=score,
                              asked_at=at + timedelta(seconds=5),
                              answered_at=at + timedelta(seconds=40) if score else None))
            counts["csat"] += 1
        if rnd.random() < 0.04:
            created = at + timedelta(seconds=10)
            status = rnd.choice(list(PaknStatus)).value
            db.add(PaknCase(code=f"DEMO-{i:06d}", conversation_id=conv.id, channel=channel,
                            content=rnd.choice(PAKN_TEXTS), consent=True, status=status,
                            due_at=created + timedelta(days=PAKN_DAYS), created_at=created,
                            updated_at=created))
            counts["pakn"] += 1
        conv.updated_at = at
        counts["conversations"] += 1
    db.commit()
    return counts
