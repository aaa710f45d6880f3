"""One citizen turn, the same on every channel (web, Zalo, Messenger).

``TurnService.take`` stores the citizen's message, asks Rasa (or answers in degraded mode) and
stores the replies; the caller shows them: the web route in its response, the platform pipeline
through the channel's sender. Database work runs in worker threads; waiting for Rasa does not
hold one, because Rasa's actions call ``/v1/answer`` on this same API and need a free thread.
"""

from __future__ import annotations

import logging
from functools import partial

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.channels.choices import resolve_choice
from api.channels.inbound import Inbound, InboundKind
from api.db import conversations as convs
from api.db.models import Role
from api.services.dialogue import Dialogue, Turn
from api.services import wording
from api.state import AppState

logger = logging.getLogger(__name__)


class TurnService:
    def __init__(self, state: AppState, dialogue: Dialogue) -> None:
        self.state = state
        self.dialogue = dialogue

    async def take(self, inbound: Inbound) -> Turn:
        """One turn with its own database session (the caller's request may be gone)."""
        with self.state.session_factory() as session:
            if inbound.kind is InboundKind.unsupported:
                return await run_in_threadpool(self._unsupported, session, inbound)
            text, payload = inbound.text, inbound.payload
            if payload is None:
                user_hash = self.state.identity.hash_user(inbound.channel, inbound.user_id)
                choice = await run_in_threadpool(partial(
                    resolve_choice, session, channel=inbound.channel, user_hash=user_hash,
                    text=text))
                if choice is not None:
                    text, payload = choice
            step = await run_in_threadpool(partial(
                self.dialogue.begin, session, channel=inbound.channel, user_id=inbound.user_id,
                text=text, payload=payload, reply_address=inbound.user_id))
            if isinstance(step, Turn):
                return step
            rasa = self.dialogue.rasa
            reply = (await rasa.send_async(sender=step.conv.id, message=step.message,
                                           channel=inbound.channel, client=inbound.client)
                     if rasa is not None else None)
            return await run_in_threadpool(self.dialogue.finish, session, step, reply)

    def _unsupported(self, session: Session, inbound: Inbound) -> Turn:
        """Store a placeholder for the attachment and a polite reply (agent states included,
        so the agent sees that something was sent)."""
        state = self.state
        user_hash = state.identity.hash_user(inbound.channel, inbound.user_id)
        if not state.limiter.allow(f"{inbound.channel}:{user_hash}"):
            logger.info("chat.rate_limited")
            return Turn(conversation=None, rate_limited=True,
                        messages=[self.dialogue.rate_limited_text()])
        conv = convs.get_or_create_conversation(
            session, channel=inbound.channel, user_hash=user_hash,
            reply_address=state.identity.seal(inbound.user_id))
        label = wording.attachment_label(inbound.attachment)
        convs.add_message(session, conversation=conv, role=Role.citizen, text=f"[{label}]",
                          payload={"attachment": inbound.attachment})
        reply = convs.add_message(session, conversation=conv, role=Role.bot,
                                  text=wording.unsupported_attachment(inbound.attachment),
                                  payload={"mode": "unsupported_attachment"})
        session.commit()
        return Turn(conversation=conv, messages=[reply])
