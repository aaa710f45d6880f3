"""Numbered options on text-only channels: "2" means the 2nd option of the last bot reply."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.channels.outgoing import payload_buttons
from api.db import conversations as convs
from api.db.models import Message, Role

_NUMBER = re.compile(r"^\s*(?:số\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def resolve_choice(session: Session, *, channel: str, user_hash: str,
                   text: str) -> tuple[str, str] | None:
    """(title, payload) when ``text`` is just a number that picks an option of the newest bot
    message in the citizen's open conversation; None otherwise."""
    m = _NUMBER.match(text)
    if m is None:
        return None
    conv = convs.find_conversation(session, channel=channel, user_hash=user_hash)
    if conv is None:
        return None
    last = session.scalars(
        select(Message)
        .where(Message.conversation_id == conv.id, Message.role == Role.bot.value)
        .order_by(Message.id.desc()).limit(1)).first()
    if last is None:
        return None
    options = payload_buttons(list((last.payload or {}).get("buttons") or []))
    index = int(m.group(1))
    if not 1 <= index <= len(options):
        return None
    chosen = options[index - 1]
    return str(chosen["title"]), str(chosen["payload"])
