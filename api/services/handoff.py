"""Opening handoff tickets and the agent side of the queue."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from api.db import conversations as convs
from api.db import tickets as queue
from api.db.models import Conversation, ConversationState, HandoffTicket, Message, Role
from api.schemas.handoff import (
    PRIORITY_NAME,
    PRIORITY_VALUE,
    HandoffPublic,
    HandoffRequest,
    MessagePublic,
    TicketPublic,
)
from api.services.office_hours import OfficeHours

logger = logging.getLogger(__name__)


def message_public(msg: Message) -> MessagePublic:
    payload = msg.payload or {}
    return MessagePublic(id=msg.id, role=msg.role, text=msg.text,
                         buttons=payload.get("buttons") or [], citation=payload.get("citation"),
                         intent=msg.intent, procedure=msg.procedure, confidence=msg.confidence,
                         created_at=msg.created_at)


def ticket_public(t: HandoffTicket) -> TicketPublic:
    return TicketPublic(id=t.id, conversation_id=t.conversation_id, channel=t.channel,
                        reason=t.reason, category=t.category,
                        priority=PRIORITY_NAME.get(t.priority, "normal"),  # type: ignore[arg-type]
                        status=t.status, agent=t.agent, created_at=t.created_at,
                        claimed_at=t.claimed_at, closed_at=t.closed_at)


def _transcript(session: Session, conv: Conversation, given: Any) -> dict[str, Any]:
    if isinstance(given, str):
        return {"text": given}
    if given:
        return {"lines": [line.model_dump() for line in given]}
    msgs = convs.list_messages(session, conversation_id=conv.id)[-50:]
    return {"lines": [{"role": m.role, "text": m.text} for m in msgs]}


def open_handoff(session: Session, *, conv: Conversation, req: HandoffRequest,
                 hours: OfficeHours, minutes_per_ticket: int, hotline: str) -> HandoffPublic:
    """Open (or return the already open) ticket and move the conversation to waiting_agent."""
    ticket = queue.open_ticket_for(session, conversation_id=conv.id)
    if ticket is None:
        ticket = queue.open_ticket(
            session, conversation_id=conv.id, channel=conv.channel, reason=req.reason,
            category=req.category, priority=PRIORITY_VALUE[req.priority],
            transcript=_transcript(session, conv, req.transcript))
        if conv.state != ConversationState.agent.value:
            convs.set_state(session, conversation=conv, state=ConversationState.waiting_agent)
        logger.info("handoff.opened ticket=%s channel=%s", ticket.id, conv.channel)
    open_now = hours.is_open()
    position = queue.queue_position(session, ticket=ticket) if ticket.status == "waiting" else None
    wait = position * minutes_per_ticket if position is not None else None
    if ticket.status != "waiting":
        message = "Cán bộ đã tiếp nhận yêu cầu của Anh/Chị và sẽ trả lời ngay tại đây."
    elif open_now:
        message = (f"Anh/Chị đã được chuyển đến cán bộ hỗ trợ. Vị trí trong hàng chờ: {position}, "
                   f"thời gian chờ dự kiến khoảng {wait} phút. Anh/Chị vui lòng giữ cửa sổ "
                   "trò chuyện này.")
    else:
        message = ("Hiện đã ngoài giờ làm việc (" + hours.describe() + "). Yêu cầu của Anh/Chị "
                   "đã được ghi nhận; cán bộ sẽ trả lời tại đây trong giờ làm việc tiếp theo. "
                   f"Nếu cần gấp, Anh/Chị vui lòng gọi tổng đài {hotline}.")
    session.commit()
    return HandoffPublic(ticket_id=ticket.id, status=ticket.status, position=position,
                         expected_wait_minutes=wait if open_now else None,
                         within_office_hours=open_now, office_hours=hours.describe(),
                         message=message)


def on_claimed(session: Session, *, ticket: HandoffTicket) -> Message:
    conv = convs.get_conversation(session, conversation_id=ticket.conversation_id)
    assert conv is not None
    convs.set_state(session, conversation=conv, state=ConversationState.agent)
    return convs.add_message(session, conversation=conv, role=Role.system,
                             text="Cán bộ hỗ trợ đã tiếp nhận cuộc trò chuyện. Anh/Chị vui lòng "
                                  "trao đổi tại đây.")


def on_closed(session: Session, *, ticket: HandoffTicket) -> Message:
    conv = convs.get_conversation(session, conversation_id=ticket.conversation_id)
    assert conv is not None
    queue.close_ticket(session, ticket=ticket)
    convs.set_state(session, conversation=conv, state=ConversationState.bot)
    return convs.add_message(session, conversation=conv, role=Role.system,
                             text="Cán bộ đã kết thúc hỗ trợ. Trợ lý ảo tiếp tục sẵn sàng trả lời "
                                  "Anh/Chị. Xin cảm ơn!")
