"""Runs one platform delivery in the background: dialogue turn, stored, replies sent.

The webhook has already verified the signature and answered 200; this runs afterwards with its
own database session (the request's session is closed by then).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from functools import partial

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.channels.choices import resolve_choice
from api.channels.inbound import Inbound, InboundKind
from api.channels.outgoing import Outgoing, from_turn_message
from api.db import conversations as convs
from api.db.models import Role
from api.deps import get_composer, get_dialogue
from api.services.dialogue import Turn
from api.state import AppState

logger = logging.getLogger(__name__)

# one semaphore per event loop (one per app in practice; tests start several)
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())

ATTACHMENT_LABEL = {
    "image": "hình ảnh", "sticker": "nhãn dán", "audio": "tin nhắn thoại", "video": "video",
    "file": "tệp", "location": "vị trí", "link": "đường dẫn", "business_card": "danh thiếp",
}


def unsupported_text(attachment: str | None) -> str:
    what = ATTACHMENT_LABEL.get(attachment or "", "nội dung này")
    return (f"Cảm ơn Anh/Chị. Trợ lý ảo hiện chưa đọc được {what}. Anh/Chị vui lòng gõ câu hỏi "
            "bằng chữ, ví dụ: “Làm giấy khai sinh cần giấy tờ gì?”")


def first_delivery(state: AppState, inbound: Inbound) -> bool:
    """False when this platform message id was seen before (a replayed delivery)."""
    if state.dedup.first_time(inbound.dedupe_key):
        return True
    logger.info("%s.webhook.duplicate", inbound.channel)
    return False


def _slots(limit: int) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(limit)
    return slots


async def process(state: AppState, inbound: Inbound) -> None:
    """Background job: never raises (a failure is logged; the platform already has its 200).

    At most ``channel_max_concurrent_turns`` turns run at once; the others wait here, so a
    burst does not starve the webhooks' acknowledgements. Database work and sending run in
    worker threads; waiting for Rasa does not hold one, because Rasa's actions call
    ``/v1/answer`` on this same API and need a free thread.
    """
    async with _slots(state.settings.channel_max_concurrent_turns):
        try:
            with state.session_factory() as session:
                replies = await _turn(state, session, inbound)
            if replies:
                await run_in_threadpool(_deliver, state, inbound, replies)
        except Exception:  # noqa: BLE001 - background job: log and carry on
            logger.exception("%s.process_failed", inbound.channel)


async def _turn(state: AppState, session: Session, inbound: Inbound) -> list[Outgoing]:
    if inbound.kind is InboundKind.unsupported:
        return await run_in_threadpool(_unsupported, state, session, inbound)
    user_hash = state.identity.hash_user(inbound.channel, inbound.user_id)
    text, payload = inbound.text, inbound.payload
    if payload is None:
        choice = await run_in_threadpool(partial(
            resolve_choice, session, channel=inbound.channel, user_hash=user_hash, text=text))
        if choice is not None:
            text, payload = choice
    dialogue = get_dialogue(state, get_composer(state))
    step = await run_in_threadpool(partial(
        dialogue.begin, session, channel=inbound.channel, user_id=inbound.user_id, text=text,
        payload=payload, reply_address=inbound.user_id))
    if isinstance(step, Turn):
        turn = step
    else:
        reply = (await dialogue.rasa.send_async(sender=step.conv.id, message=step.message,
                                                channel=inbound.channel)
                 if dialogue.rasa is not None else None)
        turn = await run_in_threadpool(dialogue.finish, session, step, reply)
    if turn.rate_limited and not _first_notice(state, inbound, user_hash):
        return []  # one "please wait" a minute is enough (each send may cost OA quota)
    return [from_turn_message(m) for m in turn.messages
            if getattr(m, "role", Role.bot.value) != Role.citizen.value]


def _first_notice(state: AppState, inbound: Inbound, user_hash: str) -> bool:
    minute = int(time.time() // 60)
    return state.dedup.first_time(f"{inbound.channel}:rate-notice:{user_hash}:{minute}")


def _unsupported(state: AppState, session: Session, inbound: Inbound) -> list[Outgoing]:
    """Store a placeholder for the attachment and a polite reply (agent states included, so the
    agent sees that something was sent)."""
    user_hash = state.identity.hash_user(inbound.channel, inbound.user_id)
    if not state.limiter.allow(f"{inbound.channel}:{user_hash}"):
        logger.info("chat.rate_limited")
        return []
    conv = convs.get_or_create_conversation(
        session, channel=inbound.channel, user_hash=user_hash,
        reply_address=state.identity.seal(inbound.user_id))
    label = ATTACHMENT_LABEL.get(inbound.attachment or "", inbound.attachment or "tệp đính kèm")
    convs.add_message(session, conversation=conv, role=Role.citizen, text=f"[{label}]",
                      payload={"attachment": inbound.attachment})
    reply = convs.add_message(session, conversation=conv, role=Role.bot,
                              text=unsupported_text(inbound.attachment),
                              payload={"mode": "unsupported_attachment"})
    session.commit()
    return [from_turn_message(reply)]


def _deliver(state: AppState, inbound: Inbound, replies: list[Outgoing]) -> None:
    sender = state.channels.get(inbound.channel)
    if sender is None:
        logger.warning("%s.reply.not_configured count=%d", inbound.channel, len(replies))
        return
    for reply in replies:
        if not sender.send(address=inbound.user_id, text=reply.text, buttons=reply.buttons):
            logger.error("%s.reply.undelivered", inbound.channel)
            return
