"""Runs one platform delivery in the background: the turn, then its replies through the sender.

The webhook has already verified the signature and answered 200; the turn runs afterwards with
its own database session (the request's session is closed by then).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from fastapi.concurrency import run_in_threadpool

from api.channels.inbound import Inbound
from api.channels.outgoing import Outgoing, from_turn_message
from api.db.models import Role
from api.deps import get_turns
from api.state import AppState

logger = logging.getLogger(__name__)

# one semaphore per event loop (one per app in practice; tests start several)
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


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
    burst does not starve the webhooks' acknowledgements.
    """
    async with _slots(state.settings.channel_max_concurrent_turns):
        try:
            turn = await get_turns(state).take(inbound)
            if turn.rate_limited and not _first_notice(state, inbound):
                return  # one "please wait" a minute is enough (each send may cost OA quota)
            replies = [from_turn_message(m) for m in turn.messages
                       if getattr(m, "role", Role.bot.value) != Role.citizen.value]
            if replies:
                await run_in_threadpool(_deliver, state, inbound, replies)
        except Exception:  # noqa: BLE001 - background job: log and carry on
            logger.exception("%s.process_failed", inbound.channel)


def _first_notice(state: AppState, inbound: Inbound) -> bool:
    user_hash = state.identity.hash_user(inbound.channel, inbound.user_id)
    minute = int(time.time() // 60)
    return state.dedup.first_time(f"{inbound.channel}:rate-notice:{user_hash}:{minute}")


def _deliver(state: AppState, inbound: Inbound, replies: list[Outgoing]) -> None:
    for reply in replies:
        if not state.channels.send(inbound.channel, address=inbound.user_id, text=reply.text,
                                   buttons=reply.buttons):
            logger.error("%s.reply.undelivered", inbound.channel)
            return
