"""Agent API: queue, claim, transcript, reply, transfer, take over, close, audit, tokens.

Every call is made by a signed-in agent: the console's session cookie (posts also carry the
``X-CSRF-Token`` header) or that agent's own API token (``Authorization: Bearer tthc_...``,
``python -m api agents token``). Ticket rules and the audit log are ``api.agents.desk``; the
lifecycle is ``api.services.handoff.HandoffService``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.agents import store
from api.db.models import ConversationState, TicketStatus
from api.deps import AgentAuth, AgentDep, DeskDep, HandoffDep, SessionDep, StateDep
from api.errors import ForbiddenError, NotFoundError
from api.schemas.handoff import (
    AgentPublic,
    AgentReplyRequest,
    AuditPublic,
    CloseRequest,
    ReplyPublic,
    TicketPublic,
    TranscriptPublic,
    TransferRequest,
)
from api.services.events import AGENTS, ConversationEvent
from api.services.streams import event_stream, frame

router = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[AgentAuth],
                   responses={401: {"description": "Not signed in (no session or API token)"},
                              403: {"description": "Not allowed, or the CSRF token is wrong"}})

TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND = {404: {"description": "No such ticket"}}
AGENT_STATES = {ConversationState.waiting_agent.value, ConversationState.agent.value}


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def events(request: Request, state: StateDep, agent: AgentDep) -> StreamingResponse:
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
                        keepalive=s.sse_keepalive_seconds, max_seconds=s.sse_max_seconds,
                        slot=lambda: state.presence.hold(agent.login))  # "online" while open


@router.get("/tickets", response_model=list[TicketPublic])
def list_tickets(desk: HandoffDep,
                 status: Annotated[TicketStatus | None, Query()] = TicketStatus.waiting,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[TicketPublic]:
    return desk.list(status=status, limit=limit)


@router.post("/tickets/claim", response_model=TicketPublic | None)
def claim_next(desk: DeskDep) -> TicketPublic | None:
    """Claim the next waiting ticket (priority, then age); null when the queue is empty."""
    return desk.claim_next()


@router.post("/tickets/{ticket_id}/claim", response_model=TicketPublic,
             responses={**NOT_FOUND, 409: {"description": "Already claimed or closed"}})
def claim(ticket_id: TicketId, desk: DeskDep) -> TicketPublic:
    return desk.claim(ticket_id=ticket_id)


@router.get("/tickets/{ticket_id}/transcript", response_model=TranscriptPublic,
            responses=NOT_FOUND)
def transcript(ticket_id: TicketId, desk: DeskDep) -> TranscriptPublic:
    """The conversation of a ticket (any agent may read it; the view is audited)."""
    return desk.transcript(ticket_id=ticket_id)


@router.post("/tickets/{ticket_id}/reply", response_model=ReplyPublic,
             responses={**NOT_FOUND, 409: {"description": "Ticket closed"}})
def reply(ticket_id: TicketId, req: AgentReplyRequest, desk: DeskDep) -> ReplyPublic:
    """Store and send the message as the signed-in agent (a waiting ticket is claimed by it;
    another agent's ticket is 403); ``delivered`` is false when the channel could not send."""
    return desk.reply(ticket_id=ticket_id, text=req.text)


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketPublic,
             responses={**NOT_FOUND, 409: {"description": "Ticket not claimed"}})
def transfer(ticket_id: TicketId, req: TransferRequest, desk: DeskDep) -> TicketPublic:
    """Give your ticket to another active agent (a supervisor: any claimed ticket)."""
    return desk.transfer(ticket_id=ticket_id, to_login=req.agent)


@router.post("/tickets/{ticket_id}/takeover", response_model=TicketPublic,
             responses={**NOT_FOUND, 409: {"description": "Ticket closed"}})
def takeover(ticket_id: TicketId, desk: DeskDep) -> TicketPublic:
    """Supervisors only: take an open ticket for yourself."""
    return desk.takeover(ticket_id=ticket_id)


@router.post("/tickets/{ticket_id}/close", response_model=TicketPublic, responses=NOT_FOUND)
def close(ticket_id: TicketId, desk: DeskDep, req: CloseRequest | None = None) -> TicketPublic:
    """Close your ticket with a resolution and a note: the conversation goes back to the bot
    (``handed_back`` says the bot can carry on)."""
    req = req or CloseRequest()
    return desk.close(ticket_id=ticket_id, resolution=req.resolution, note=req.note)


# -- who is on the desk ----------------------------------------------------------------------
@router.get("/me", response_model=AgentPublic)
def me(agent: AgentDep) -> AgentPublic:
    return AgentPublic(login=agent.login, display_name=agent.display_name, role=agent.role)


@router.get("/agents", response_model=list[AgentPublic])
def agents(db: SessionDep) -> list[AgentPublic]:
    """Active agents and supervisors (transfer targets)."""
    return [AgentPublic(login=a.login, display_name=a.display_name, role=a.role)
            for a in store.list_agents(db, active_only=True) if a.role != "office"]


@router.get("/audit", response_model=list[AuditPublic])
def audit(agent: AgentDep, db: SessionDep,
          ticket_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditPublic]:
    """The audit log: a supervisor sees everyone's, an agent their own."""
    rows = store.audit_log(db, agent=None if agent.is_supervisor else agent.login,
                           ticket_id=ticket_id, limit=limit)
    return [AuditPublic.model_validate(r, from_attributes=True) for r in rows]


# -- the agent's own API tokens --------------------------------------------------------------
class TokenCreate(BaseModel):
    label: str = Field(default="api", min_length=1, max_length=64)


class TokenPublic(BaseModel):
    id: int
    label: str
    prefix: str
    revoked: bool
    token: str | None = None  # only in the answer that created it


@router.get("/tokens", response_model=list[TokenPublic])
def tokens(agent: AgentDep, db: SessionDep) -> list[TokenPublic]:
    row = _account(db, agent.login)
    return [TokenPublic(id=t.id, label=t.label, prefix=t.prefix, revoked=t.revoked_at is not None)
            for t in store.list_tokens(db, agent=row)]


@router.post("/tokens", response_model=TokenPublic, status_code=201)
def create_token(req: TokenCreate, agent: AgentDep, db: SessionDep) -> TokenPublic:
    """A new API token for yourself (integrations); the secret is shown once."""
    if agent.via != "session":
        raise ForbiddenError("API tokens are created from a console session or the CLI.")
    row, secret = store.issue_token(db, agent=_account(db, agent.login), label=req.label)
    store.audit(db, agent=agent.login, action="token_create", detail={"token_id": row.id})
    db.commit()
    return TokenPublic(id=row.id, label=row.label, prefix=row.prefix, revoked=False, token=secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenPublic, responses=NOT_FOUND)
def revoke_token(token_id: TicketId, agent: AgentDep, db: SessionDep) -> TokenPublic:
    try:
        row = store.revoke_token(db, agent=_account(db, agent.login), token_id=token_id)
    except store.AgentStoreError as exc:
        raise NotFoundError(str(exc)) from exc
    store.audit(db, agent=agent.login, action="token_revoke", detail={"token_id": row.id})
    db.commit()
    return TokenPublic(id=row.id, label=row.label, prefix=row.prefix, revoked=True)


def _account(db: SessionDep, login: str):  # type: ignore[no-untyped-def]
    row = store.get_agent(db, login=login)
    assert row is not None  # the credential was just checked
    return row
