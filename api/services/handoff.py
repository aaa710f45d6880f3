"""The handoff ticket lifecycle: waiting -> claimed (-> transferred) -> closed, back to the bot.

``HandoffService`` is the only place that changes a ticket or the conversation state that goes
with it. It commits its own changes, tells the citizen through the channel's sender, and reads
the time from its clock (tests fix it). Citizen-facing texts are in ``api.services.wording``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from api.db import conversations as convs
from api.db import tickets as queue
from api.db.models import Conversation, ConversationState, HandoffTicket, Message, Role, TicketStatus
from api.errors import ConflictError, NotFoundError
from api.identity import UserIdentity
from api.schemas.handoff import (
    PRIORITY_NAME,
    PRIORITY_VALUE,
    HandoffPublic,
    HandoffRequest,
    MessagePublic,
    ReplyPublic,
    TicketPublic,
    TranscriptPublic,
)
from api.channels import windows
from api.services import events, wording
from api.services.asking_for_a_person import HUMAN_INTENTS, wants_human
from api.services.channels import ChannelRegistry
from api.services.office_hours import OfficeHours

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


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
                        claimed_at=t.claimed_at, closed_at=t.closed_at,
                        resolution=t.resolution, note=t.note,
                        last_question=last_question(t.transcript))


def last_question(transcript: dict[str, Any] | None) -> str | None:
    """The citizen's last words in the handoff transcript (button payloads skipped)."""
    if not transcript:
        return None
    if isinstance(transcript.get("text"), str):
        return transcript["text"][-300:] or None
    for line in reversed(transcript.get("lines") or []):
        text = str(line.get("text") or "").strip()
        if (line.get("role") in {"citizen", "user"} and text and not text.startswith("/")
                and line.get("intent") not in HUMAN_INTENTS and not wants_human(text)):
            return text[:300]
    return None


def _transcript(session: Session, conv: Conversation, given: Any) -> dict[str, Any]:
    if isinstance(given, str):
        return {"text": given}
    if given:
        return {"lines": [line.model_dump() for line in given]}
    msgs = convs.list_messages(session, conversation_id=conv.id)[-50:]
    return {"lines": [{"role": m.role, "text": m.text} for m in msgs]}


@dataclass
class HandoffService:
    """The desk for one database session (a request's, or a turn's)."""

    session: Session
    hours: OfficeHours = field(kw_only=True)
    channels: ChannelRegistry = field(kw_only=True)
    identity: UserIdentity = field(kw_only=True)
    minutes_per_ticket: int = field(kw_only=True)
    hotline: str = field(kw_only=True)
    clock: Clock = field(default=system_clock, kw_only=True)

    # -- the citizen's side ------------------------------------------------------------------
    def request(self, req: HandoffRequest, *, conv: Conversation | None = None) -> HandoffPublic:
        """Open (or return the already open) ticket; the conversation waits for an agent.
        Without ``conv`` it is ``req``'s (404 when ``conversation_id`` is unknown)."""
        db = self.session
        conv = conv or self._requester(req)
        ticket = queue.open_ticket_for(db, conversation_id=conv.id)
        created = False
        if ticket is None:
            ticket, created = queue.open_ticket(
                db, conversation_id=conv.id, channel=conv.channel, reason=req.reason,
                category=req.category, priority=PRIORITY_VALUE[req.priority],
                transcript=_transcript(db, conv, req.transcript))
        if created:
            if conv.state != ConversationState.agent.value:
                convs.set_state(db, conversation=conv, state=ConversationState.waiting_agent)
            self._announce(ticket, conv, "opened")
            logger.info("handoff.opened ticket=%s channel=%s", ticket.id, conv.channel)
        open_now = self.hours.is_open(self.clock())
        waiting = ticket.status == TicketStatus.waiting.value
        position = queue.queue_position(db, ticket=ticket) if waiting else None
        wait = position * self.minutes_per_ticket if position is not None else None
        if not waiting:
            message = wording.HANDOFF_ALREADY_CLAIMED
        elif open_now:
            message = wording.handoff_waiting(position or 1, wait or 0)
        else:
            message = wording.handoff_after_hours(self.hours.describe(), self.hotline)
        db.commit()
        return HandoffPublic(ticket_id=ticket.id, status=ticket.status, position=position,
                             expected_wait_minutes=wait if open_now else None,
                             within_office_hours=open_now, office_hours=self.hours.describe(),
                             message=message)

    # -- the agent's side --------------------------------------------------------------------
    def list(self, *, status: TicketStatus | None, limit: int) -> list[TicketPublic]:
        return [ticket_public(t) for t in queue.list_tickets(self.session, status=status,
                                                              limit=limit)]

    def claim_next(self, *, agent: str) -> TicketPublic | None:
        """Claim the next waiting ticket (priority, then age); None when the queue is empty."""
        ticket = queue.claim_next(self.session, agent=agent, now=self.clock())
        if ticket is None:
            self.session.rollback()
            return None
        return self._claimed(ticket)

    def claim(self, *, ticket_id: int, agent: str) -> TicketPublic:
        self._ticket(ticket_id)
        if not queue.claim_ticket(self.session, ticket_id=ticket_id, agent=agent,
                                  now=self.clock()):
            self.session.rollback()
            raise ConflictError(f"Ticket {ticket_id} is not waiting (already claimed or closed).")
        return self._claimed(self._ticket(ticket_id, fresh=True))

    def transfer(self, *, ticket_id: int, to_agent: str,
                 holder: str | None = None) -> TicketPublic:
        """Give a claimed ticket to another agent; the citizen is told. With ``holder`` the
        ticket must still be that agent's when it moves (compare-and-set)."""
        ticket = self._ticket(ticket_id)
        holder = holder if holder is not None else ticket.agent
        if ticket.status != TicketStatus.claimed.value or not queue.transfer_ticket(
                self.session, ticket_id=ticket_id, from_agent=holder, to_agent=to_agent):
            self.session.rollback()
            raise ConflictError(f"Ticket {ticket_id} is not claimed, so it cannot be transferred.")
        ticket = self._ticket(ticket_id, fresh=True)
        self._announce(ticket, self._conversation(ticket), "transferred")
        self._tell(ticket, wording.TICKET_TRANSFERRED)
        logger.info("handoff.transferred ticket=%s", ticket_id)
        return ticket_public(ticket)

    def reply(self, *, ticket_id: int, agent: str | None, text: str) -> ReplyPublic:
        """Store and send an agent's message. A waiting ticket is claimed by the reply."""
        ticket = self._ticket(ticket_id)
        if ticket.status == TicketStatus.closed.value:
            raise ConflictError(f"Ticket {ticket_id} is closed.")
        if ticket.status == TicketStatus.waiting.value:
            self.claim(ticket_id=ticket_id, agent=agent or "agent")
        conv = self._conversation(ticket)
        text = text.strip()
        msg = convs.add_message(self.session, conversation=conv, role=Role.agent, text=text,
                                payload={"agent": agent} if agent else None)
        self.session.commit()
        delivered, window = self._deliver(conv, text)
        return ReplyPublic(message_id=msg.id, delivered=delivered, channel=conv.channel,
                           window=window)

    def close(self, *, ticket_id: int, resolution: str | None = None,
              note: str | None = None) -> TicketPublic:
        """Close the ticket; the conversation goes back to the bot (idempotent)."""
        ticket = self._ticket(ticket_id)
        if ticket.status != TicketStatus.closed.value and queue.close_ticket(
                self.session, ticket=ticket, now=self.clock(), resolution=resolution, note=note):
            conv = self._conversation(ticket)
            convs.set_state(self.session, conversation=conv, state=ConversationState.bot)
            self._announce(ticket, conv, "closed")
            self._tell(ticket, wording.TICKET_CLOSED)
            logger.info("handoff.closed ticket=%s", ticket_id)
        return ticket_public(ticket)

    def transcript(self, *, ticket_id: int) -> TranscriptPublic:
        ticket = self._ticket(ticket_id)
        conv = self._conversation(ticket)
        msgs = convs.list_messages(self.session, conversation_id=conv.id, limit=1000)
        return TranscriptPublic(ticket=ticket_public(ticket), conversation_state=conv.state,
                                handoff_transcript=ticket.transcript,
                                messages=[message_public(m) for m in msgs])

    # -- steps -------------------------------------------------------------------------------
    def _requester(self, req: HandoffRequest) -> Conversation:
        if req.conversation_id:
            conv = convs.get_conversation(self.session, conversation_id=req.conversation_id)
            if conv is None:
                raise NotFoundError("Unknown conversation_id.")
            return conv
        assert req.sender_id is not None  # the schema requires one of the two
        # Rasa's sender is our conversation id; other callers may pass the channel's user id.
        conv = convs.get_conversation(self.session, conversation_id=req.sender_id)
        if conv is not None:
            return conv
        user_hash = self.identity.hash_user(req.channel, req.sender_id)
        return convs.get_or_create_conversation(self.session, channel=req.channel,
                                                user_hash=user_hash)

    def _claimed(self, ticket: HandoffTicket) -> TicketPublic:
        conv = self._conversation(ticket)
        convs.set_state(self.session, conversation=conv, state=ConversationState.agent)
        self._announce(ticket, conv, "claimed")
        self._tell(ticket, wording.TICKET_CLAIMED)
        logger.info("handoff.claimed ticket=%s", ticket.id)
        return ticket_public(ticket)

    def _announce(self, ticket: HandoffTicket, conv: Conversation, change: str) -> None:
        """Agent streams hear of it once the change is committed."""
        self.session.flush()  # ids and times are set
        events.stage(self.session, events.ticket_event(
            conv, change, ticket_public(ticket).model_dump(mode="json")))

    def _tell(self, ticket: HandoffTicket, text: str) -> None:
        """Store a system message for the citizen, commit, and send it."""
        conv = self._conversation(ticket)
        convs.add_message(self.session, conversation=conv, role=Role.system, text=text)
        self.session.commit()
        self._send(conv, text)

    def _send(self, conv: Conversation, text: str) -> bool:
        return self._deliver(conv, text)[0]

    def _deliver(self, conv: Conversation, text: str) -> tuple[bool, str]:
        """Send within the platform's window (Messenger's HUMAN_AGENT tag after 24 h; Zalo's
        free-reply limits, unconfirmed past them); (delivered, window)."""
        last = convs.last_citizen_message_at(self.session, conversation_id=conv.id)
        sent = (convs.count_sent_since(self.session, conversation_id=conv.id, since=last) - 1
                if last is not None else 0)  # minus the message being sent, already stored
        how = windows.delivery(conv.channel, last_citizen_at=last, now=self.clock(),
                               sent_since=max(sent, 0), human=True)
        if how.window != "open":
            logger.info("%s.reply.window window=%s", conv.channel, how.window)
        if not how.send:
            return False, how.window
        address = self.identity.open(conv.reply_address) if conv.reply_address else None
        return self.channels.send(conv.channel, address=address, text=text,
                                  tag=how.tag), how.window

    def _ticket(self, ticket_id: int, *, fresh: bool = False) -> HandoffTicket:
        ticket = queue.get_ticket(self.session, ticket_id=ticket_id)
        if ticket is None:
            raise NotFoundError(f"Ticket {ticket_id} does not exist.")
        if fresh:
            self.session.refresh(ticket)
        return ticket

    def _conversation(self, ticket: HandoffTicket) -> Conversation:
        conv = convs.get_conversation(self.session, conversation_id=ticket.conversation_id)
        assert conv is not None  # the foreign key cascades
        return conv
