"""Agent assist for the console: suggested answers and the composer's quick templates.

``GET /v1/agent/tickets/{id}/suggestions`` (for the citizen's last question),
``GET /v1/agent/suggestions?q=`` (the console's catalogue search box),
``GET /v1/agent/templates``. Signed-in agents only, like the rest of ``/v1/agent``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.db import conversations as convs
from api.db import tickets as queue
from api.deps import AgentAuth, ComposerDep, SessionDep, StateDep
from api.errors import NotFoundError
from api.services import wording
from api.services.assist import AgentAssist, SuggestionsPublic

router = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[AgentAuth],
                   responses={401: {"description": "Not signed in (no session or API token)"}})


class TemplatePublic(BaseModel):
    title: str
    text: str


@router.get("/templates", response_model=list[TemplatePublic])
def templates(state: StateDep) -> list[TemplatePublic]:
    return [TemplatePublic(title=t, text=x)
            for t, x in wording.agent_templates(state.settings.hotline)]


@router.get("/suggestions", response_model=SuggestionsPublic)
async def suggestions(q: Annotated[str, Query(min_length=1, max_length=500)],
                      composer: ComposerDep, state: StateDep) -> SuggestionsPublic:
    """Up to three composed answers for a question typed by the agent."""
    return await run_in_threadpool(AgentAssist(composer, state.searcher).for_text, q)


@router.get("/tickets/{ticket_id}/suggestions", response_model=SuggestionsPublic,
            responses={404: {"description": "No such ticket"}})
async def ticket_suggestions(ticket_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                             db: SessionDep, composer: ComposerDep,
                             state: StateDep) -> SuggestionsPublic:
    """Up to three composed answers for the citizen's last question in this ticket."""
    ticket = queue.get_ticket(db, ticket_id=ticket_id)
    if ticket is None:
        raise NotFoundError(f"Ticket {ticket_id} does not exist.")
    messages = convs.list_messages(db, conversation_id=ticket.conversation_id, limit=1000)
    db.rollback()  # nothing to write; frees the connection while composing
    return await run_in_threadpool(AgentAssist(composer, state.searcher).for_conversation,
                                   messages)
