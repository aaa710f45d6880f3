"""Agent API (bearer token ``API_AGENT_TOKEN``): queue, claim, transcript, reply, close."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.db import conversations as convs
from api.db import tickets as queue
from api.db.models import ConversationState, HandoffTicket, Role, TicketStatus
from api.deps import AgentAuth, ChannelsDep, SessionDep, StateDep
from api.errors import ConflictError, NotFoundError
from api.schemas.handoff import (
    AgentReplyRequest,
    ClaimRequest,
    ReplyPublic,
    TicketPublic,
    TranscriptPublic,
)
from api.services.handoff import message_public, on_claimed, on_closed, ticket_public

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[AgentAuth],
                   responses={401: {"description": "Missing or wrong token"},
                              503: {"description": "Agent API not configured"}})

TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _ticket(db, ticket_id: int) -> HandoffTicket:  # type: ignore[no-untyped-def]
    ticket = queue.get_ticket(db, ticket_id=ticket_id)
    if ticket is None:
        raise NotFoundError(f"Ticket {ticket_id} does not exist.")
    return ticket


@router.get("/tickets", response_model=list[TicketPublic])
def list_tickets(db: SessionDep,
                 status: Annotated[TicketStatus | None, Query()] = TicketStatus.waiting,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[TicketPublic]:
    return [ticket_public(t) for t in queue.list_tickets(db, status=status, limit=limit)]


@router.post("/tickets/claim", response_model=TicketPublic | None)
def claim_next(req: ClaimRequest, db: SessionDep) -> TicketPublic | None:
    """Claim the next waiting ticket (priority, then age); null when the queue is empty."""
    ticket = queue.claim_next(db, agent=req.agent)
    if ticket is None:
        db.rollback()
        return None
    on_claimed(db, ticket=ticket)
    db.commit()
    logger.info("agent.claimed ticket=%s", ticket.id)
    return ticket_public(ticket)


@router.post("/tickets/{ticket_id}/claim", response_model=TicketPublic,
             responses={404: {"description": "No such ticket"},
                        409: {"description": "Already claimed or closed"}})
def claim(ticket_id: TicketId, req: ClaimRequest, db: SessionDep) -> TicketPublic:
    _ticket(db, ticket_id)
    if not queue.claim_ticket(db, ticket_id=ticket_id, agent=req.agent):
        db.rollback()
        raise ConflictError(f"Ticket {ticket_id} is not waiting (already claimed or closed).")
    ticket = _ticket(db, ticket_id)
    db.refresh(ticket)
    on_claimed(db, ticket=ticket)
    db.commit()
    logger.info("agent.claimed ticket=%s", ticket_id)
    return ticket_public(ticket)


@router.get("/tickets/{ticket_id}/transcript", response_model=TranscriptPublic,
            responses={404: {"description": "No such ticket"}})
def transcript(ticket_id: TicketId, db: SessionDep) -> TranscriptPublic:
    ticket = _ticket(db, ticket_id)
    conv = convs.get_conversation(db, conversation_id=ticket.conversation_id)
    assert conv is not None
    msgs = convs.list_messages(db, conversation_id=conv.id, limit=1000)
    return TranscriptPublic(ticket=ticket_public(ticket), conversation_state=conv.state,
                            handoff_transcript=ticket.transcript,
                            messages=[message_public(m) for m in msgs])


@router.post("/tickets/{ticket_id}/reply", response_model=ReplyPublic,
             responses={404: {"description": "No such ticket"},
                        409: {"description": "Ticket closed"}})
def reply(ticket_id: TicketId, req: AgentReplyRequest, db: SessionDep, state: StateDep,
          channels: ChannelsDep) -> ReplyPublic:
    ticket = _ticket(db, ticket_id)
    if ticket.status == TicketStatus.closed.value:
        raise ConflictError(f"Ticket {ticket_id} is closed.")
    conv = convs.get_conversation(db, conversation_id=ticket.conversation_id)
    assert conv is not None
    if ticket.status == TicketStatus.waiting.value:  # replying implies taking the ticket
        if queue.claim_ticket(db, ticket_id=ticket_id, agent=req.agent or "agent"):
            db.refresh(ticket)
            on_claimed(db, ticket=ticket)
    if conv.state != ConversationState.agent.value:
        convs.set_state(db, conversation=conv, state=ConversationState.agent)
    msg = convs.add_message(db, conversation=conv, role=Role.agent, text=req.text.strip(),
                            payload={"agent": req.agent} if req.agent else None)
    db.commit()
    delivered = False
    sender = channels.get(conv.channel)
    address = state.identity.open(conv.reply_address) if conv.reply_address else None
    if sender is None or address is None:
        logger.warning("agent.reply_undeliverable channel=%s", conv.channel)
    else:
        try:
            delivered = sender.send(address=address, text=req.text.strip(), buttons=[])
        except Exception as exc:  # noqa: BLE001 - stored anyway; the agent sees delivered=false
            logger.warning("agent.reply_send_failed: %s", type(exc).__name__)
    return ReplyPublic(message_id=msg.id, delivered=delivered, channel=conv.channel)


@router.post("/tickets/{ticket_id}/close", response_model=TicketPublic,
             responses={404: {"description": "No such ticket"}})
def close(ticket_id: TicketId, db: SessionDep, state: StateDep,
          channels: ChannelsDep) -> TicketPublic:
    ticket = _ticket(db, ticket_id)
    if ticket.status != TicketStatus.closed.value:
        msg = on_closed(db, ticket=ticket)
        db.commit()
        conv = convs.get_conversation(db, conversation_id=ticket.conversation_id)
        sender = channels.get(ticket.channel)
        if conv is not None and sender is not None and conv.reply_address:
            address = state.identity.open(conv.reply_address)
            if address:
                try:
                    sender.send(address=address, text=msg.text, buttons=[])
                except Exception as exc:  # noqa: BLE001
                    logger.warning("agent.close_notice_failed: %s", type(exc).__name__)
        logger.info("agent.closed ticket=%s", ticket_id)
    return ticket_public(ticket)
