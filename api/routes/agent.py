"""Agent API (bearer token ``API_AGENT_TOKEN``): queue, claim, transcript, reply, transfer,
close. The ticket lifecycle itself is ``api.services.handoff.HandoffService``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from api.db.models import ConversationState, TicketStatus
from api.deps import AgentAuth, HandoffDep, StateDep
from api.schemas.handoff import (
    AgentReplyRequest,
    ClaimRequest,
    ReplyPublic,
    TicketPublic,
    TranscriptPublic,
    TransferRequest,
)
from api.services.events import AGENTS, ConversationEvent
from api.services.streams import event_stream, frame

router = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[AgentAuth],
                   responses={401: {"description": "Missing or wrong token"},
                              503: {"description": "Agent API not configured"}})

TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND = {404: {"description": "No such ticket"}}
AGENT_STATES = {ConversationState.waiting_agent.value, ConversationState.agent.value}


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def events(request: Request, state: StateDep) -> StreamingResponse:
    """Live queue and conversations for agents, as Server-Sent Events: ``event: ticket``
    (``{change: opened|claimed|transferred|closed, ticket}``), ``event: message``
    (``{conversation_id, message}``) for conversations that wait for or talk to an agent, and
    ``event: state`` (``{conversation_id, state}``). Starts from now; the queue itself is
    ``GET tickets``."""

    async def opening() -> list[str]:
        return []

    def render(ev: ConversationEvent) -> str | None:
        if ev.kind == "ticket":
            return frame("ticket", ev.data)
        if ev.kind == "message" and ev.state in AGENT_STATES:
            return frame("message", {"conversation_id": ev.conversation_id,
                                     "message": ev.data}, id=ev.data.get("id"))
        if ev.kind == "state":
            return frame("state", {"conversation_id": ev.conversation_id, "state": ev.state})
        return None

    s = state.settings
    return event_stream(request, state.hub, topics=(AGENTS,), opening=opening, render=render,
                        keepalive=s.sse_keepalive_seconds, max_seconds=s.sse_max_seconds)


@router.get("/tickets", response_model=list[TicketPublic])
def list_tickets(desk: HandoffDep,
                 status: Annotated[TicketStatus | None, Query()] = TicketStatus.waiting,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[TicketPublic]:
    return desk.list(status=status, limit=limit)


@router.post("/tickets/claim", response_model=TicketPublic | None)
def claim_next(req: ClaimRequest, desk: HandoffDep) -> TicketPublic | None:
    """Claim the next waiting ticket (priority, then age); null when the queue is empty."""
    return desk.claim_next(agent=req.agent)


@router.post("/tickets/{ticket_id}/claim", response_model=TicketPublic,
             responses={**NOT_FOUND, 409: {"description": "Already claimed or closed"}})
def claim(ticket_id: TicketId, req: ClaimRequest, desk: HandoffDep) -> TicketPublic:
    return desk.claim(ticket_id=ticket_id, agent=req.agent)


@router.get("/tickets/{ticket_id}/transcript", response_model=TranscriptPublic,
            responses=NOT_FOUND)
def transcript(ticket_id: TicketId, desk: HandoffDep) -> TranscriptPublic:
    return desk.transcript(ticket_id=ticket_id)


@router.post("/tickets/{ticket_id}/reply", response_model=ReplyPublic,
             responses={**NOT_FOUND, 409: {"description": "Ticket closed"}})
def reply(ticket_id: TicketId, req: AgentReplyRequest, desk: HandoffDep) -> ReplyPublic:
    """Store and send the message (a waiting ticket is claimed by it); ``delivered`` is
    false when the channel's sender could not send it."""
    return desk.reply(ticket_id=ticket_id, agent=req.agent, text=req.text)


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketPublic,
             responses={**NOT_FOUND, 409: {"description": "Ticket not claimed"}})
def transfer(ticket_id: TicketId, req: TransferRequest, desk: HandoffDep) -> TicketPublic:
    return desk.transfer(ticket_id=ticket_id, to_agent=req.agent)


@router.post("/tickets/{ticket_id}/close", response_model=TicketPublic, responses=NOT_FOUND)
def close(ticket_id: TicketId, desk: HandoffDep) -> TicketPublic:
    """Close the ticket: the conversation goes back to the bot."""
    return desk.close(ticket_id=ticket_id)
