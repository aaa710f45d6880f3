"""Data access for conversations and messages. Every function is keyword-only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db.models import Conversation, ConversationState, Message, Role, utcnow
from api.pii import mask_pii


def get_conversation(session: Session, *, conversation_id: str) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def find_conversation(session: Session, *, channel: str, user_hash: str) -> Conversation | None:
    """The newest conversation of this user on this channel that is not closed."""
    stmt = (
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.user_hash == user_hash,
               Conversation.state != ConversationState.closed.value)
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def get_or_create_conversation(
    session: Session, *, channel: str, user_hash: str, reply_address: str | None = None
) -> Conversation:
    """The user's open conversation, created if there is none. Two first messages at once
    (two workers) cannot make two: a partial unique index lets one insert win, and the other
    reads the winner's."""
    conv = find_conversation(session, channel=channel, user_hash=user_hash)
    if conv is None:
        conv = Conversation(id=uuid.uuid4().hex, channel=channel, user_hash=user_hash,
                            reply_address=reply_address, state=ConversationState.bot.value)
        try:
            with session.begin_nested():
                session.add(conv)
        except IntegrityError:
            winner = find_conversation(session, channel=channel, user_hash=user_hash)
            if winner is None:
                raise
            conv = winner
    elif reply_address and conv.reply_address != reply_address:
        conv.reply_address = reply_address
    return conv


def set_state(session: Session, *, conversation: Conversation, state: ConversationState) -> None:
    conversation.state = state.value
    conversation.updated_at = utcnow()


def add_message(
    session: Session,
    *,
    conversation: Conversation,
    role: Role,
    text: str,
    payload: dict[str, Any] | None = None,
    intent: str | None = None,
    procedure: str | None = None,
    confidence: float | None = None,
    latency_ms: int | None = None,
    outcome: str | None = None,
    aspect: str | None = None,
) -> Message:
    """Stores one message. A citizen's text (and button payload) is stored with ID and phone
    numbers masked (``api.pii``): the caller keeps the clear text for Rasa and the dossier
    lookup, only the stored copy is masked."""
    if role is Role.citizen:
        text = mask_pii(text)
        if payload and isinstance(payload.get("payload"), str):
            payload = {**payload, "payload": mask_pii(payload["payload"])}
    msg = Message(conversation_id=conversation.id, role=role.value, text=text, payload=payload,
                  intent=intent, procedure=procedure, confidence=confidence,
                  latency_ms=latency_ms, outcome=outcome, aspect=aspect)
    session.add(msg)
    conversation.updated_at = utcnow()
    session.flush()
    return msg


def list_messages(
    session: Session,
    *,
    conversation_id: str,
    after_id: int = 0,
    roles: tuple[Role, ...] | None = None,
    limit: int = 500,
) -> list[Message]:
    stmt = select(Message).where(Message.conversation_id == conversation_id,
                                 Message.id > after_id)
    if roles:
        stmt = stmt.where(Message.role.in_([r.value for r in roles]))
    return list(session.scalars(stmt.order_by(Message.id).limit(limit)))


def last_bot_context(session: Session, *, conversation_id: str) -> tuple[str | None, str | None]:
    """(procedure id, intent) of the newest bot message that named a procedure."""
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.role == Role.bot.value,
               Message.procedure.is_not(None))
        .order_by(Message.id.desc())
        .limit(1)
    )
    msg = session.scalars(stmt).first()
    return (msg.procedure, msg.intent) if msg else (None, None)


def max_message_id(session: Session, *, conversation_id: str) -> int:
    stmt = select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
    return int(session.scalar(stmt) or 0)


def last_citizen_message_at(session: Session, *, conversation_id: str) -> datetime | None:
    stmt = select(func.max(Message.created_at)).where(
        Message.conversation_id == conversation_id, Message.role == Role.citizen.value)
    return session.scalar(stmt)


def count_sent_since(session: Session, *, conversation_id: str, since: datetime) -> int:
    """Messages to the citizen (bot, agent, system) stored after ``since``."""
    stmt = select(func.count(Message.id)).where(
        Message.conversation_id == conversation_id, Message.created_at > since,
        Message.role.in_([Role.bot.value, Role.agent.value, Role.system.value]))
    return int(session.scalar(stmt) or 0)
