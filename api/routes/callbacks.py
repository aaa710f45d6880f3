"""Call-back requests: outside office hours a web citizen waiting for an agent may leave a
phone number; agents see it masked and open it (audited ``phone_reveal``).

Citizen: ``GET|POST /v1/chat/web/{session_id}/callback`` (Vietnamese ``text`` in errors).
Agents: ``GET /v1/agent/tickets/{id}/callback`` (masked), ``POST .../callback/reveal``
(the ticket's holder or a supervisor).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.agents import store
from api.channels.web import CHANNEL
from api.db import callbacks
from api.db import conversations as convs
from api.db import tickets as queue
from api.db.models import Role, TicketStatus
from api.deps import AgentAuth, AgentDep, SessionDep, StateDep
from api.errors import ForbiddenError, NotFoundError
from api.routes.web_chat import AddressDep, SessionIdPath
from api.services import events, wording
from api.services.handoff import message_public, ticket_public
from api.services.office_hours import OfficeHours

citizen = APIRouter(prefix="/v1/chat/web", tags=["web chat"])
agents = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[AgentAuth],
                   responses={401: {"description": "Not signed in"}})
routers = (citizen, agents)

TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class CallbackOfferPublic(BaseModel):
    offered: bool  # waiting for an agent outside office hours, no number left yet
    requested: str | None  # the masked number already left
    text: str | None  # what to show the citizen


class CallbackRequestBody(BaseModel):
    phone: str = Field(min_length=1, max_length=32)


class CallbackSavedPublic(BaseModel):
    masked: str
    message: dict  # the system message stored for the citizen (as in the history)


class CallbackPublic(BaseModel):
    masked: str
    created_at: datetime


class CallbackRevealPublic(BaseModel):
    phone: str


def _error(status: int, code: str, message: str, text: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "text": text}},
                        status_code=status)


def _waiting_ticket(state, db, session_id: str):  # type: ignore[no-untyped-def]
    conv = convs.find_conversation(db, channel=CHANNEL,
                                   user_hash=state.identity.hash_user(CHANNEL, session_id))
    ticket = queue.open_ticket_for(db, conversation_id=conv.id) if conv is not None else None
    return conv, ticket


@citizen.get("/{session_id}/callback", response_model=CallbackOfferPublic)
def offer(session_id: SessionIdPath, state: StateDep, db: SessionDep,
          _address: AddressDep) -> CallbackOfferPublic:
    conv, ticket = _waiting_ticket(state, db, session_id)
    if ticket is None or ticket.status != TicketStatus.waiting.value:
        return CallbackOfferPublic(offered=False, requested=None, text=None)
    left = callbacks.latest(db, ticket_id=ticket.id)
    closed = not OfficeHours(state.settings).is_open(state.clock())
    return CallbackOfferPublic(offered=closed and left is None,
                               requested=left.phone_masked if left else None,
                               text=wording.CALLBACK_OFFER if closed and left is None else None)


@citizen.post("/{session_id}/callback", response_model=CallbackSavedPublic,
              responses={409: {"description": "No ticket waiting"},
                         422: {"description": "Not a Vietnamese phone number"}})
def request_callback(session_id: SessionIdPath, body: CallbackRequestBody, state: StateDep,
                     db: SessionDep, _address: AddressDep) -> CallbackSavedPublic | JSONResponse:
    conv, ticket = _waiting_ticket(state, db, session_id)
    if conv is None or ticket is None or ticket.status != TicketStatus.waiting.value:
        return _error(409, "no_waiting_ticket", "No ticket is waiting for an agent.",
                      wording.CALLBACK_NO_TICKET)
    phone = callbacks.normalise_phone(body.phone)
    if phone is None:
        return _error(422, "invalid_phone", "Not a Vietnamese phone number.",
                      wording.CALLBACK_BAD_PHONE)
    masked = callbacks.mask_phone(phone)
    callbacks.save(db, ticket_id=ticket.id, conversation_id=conv.id,
                   sealed=state.identity.seal(phone), masked=masked)
    msg = convs.add_message(db, conversation=conv, role=Role.system,
                            text=wording.callback_saved(masked))
    events.stage(db, events.ticket_event(conv, "callback",
                                         ticket_public(ticket).model_dump(mode="json")))
    db.commit()
    return CallbackSavedPublic(masked=masked,
                               message=message_public(msg).model_dump(mode="json"))


@agents.get("/tickets/{ticket_id}/callback", response_model=CallbackPublic,
            responses={404: {"description": "No call-back request"}})
def callback(ticket_id: TicketId, db: SessionDep) -> CallbackPublic:
    row = callbacks.latest(db, ticket_id=ticket_id)
    if row is None:
        raise NotFoundError(f"Ticket {ticket_id} has no call-back request.")
    return CallbackPublic(masked=row.phone_masked, created_at=row.created_at)


@agents.post("/tickets/{ticket_id}/callback/reveal", response_model=CallbackRevealPublic,
             responses={403: {"description": "Not your ticket"},
                        404: {"description": "No call-back request"}})
def reveal(ticket_id: TicketId, agent: AgentDep, db: SessionDep,
           state: StateDep) -> CallbackRevealPublic:
    """The number in clear, for the ticket's holder or a supervisor; every opening is audited."""
    ticket = queue.get_ticket(db, ticket_id=ticket_id)
    row = callbacks.latest(db, ticket_id=ticket_id) if ticket is not None else None
    if ticket is None or row is None:
        raise NotFoundError(f"Ticket {ticket_id} has no call-back request.")
    if not (agent.is_supervisor or ticket.agent == agent.login):
        store.audit(db, agent=agent.login, action="phone_reveal", ticket_id=ticket_id,
                    conversation_id=ticket.conversation_id, outcome="denied",
                    at=state.clock())
        db.commit()
        raise ForbiddenError("Only the ticket's agent or a supervisor may open the number.")
    phone = state.identity.open(row.phone_sealed)
    if phone is None:
        raise NotFoundError("The number cannot be opened (the hash salt changed).")
    store.audit(db, agent=agent.login, action="phone_reveal", ticket_id=ticket_id,
                conversation_id=ticket.conversation_id, detail={"via": agent.via},
                at=state.clock())
    db.commit()
    return CallbackRevealPublic(phone=phone)
