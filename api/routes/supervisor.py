"""The supervisor's view of the desk: who is on the console, their load, the queue's wait.

``GET /v1/agent/desk`` (supervisors only; reassigning is ``POST tickets/{id}/transfer`` and
``takeover`` in ``api/routes/agent.py``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter
from pydantic import BaseModel

from api.agents import store
from api.db import tickets as queue
from api.deps import AgentAuth, AgentDep, SessionDep, StateDep
from api.errors import ForbiddenError

router = APIRouter(prefix="/v1/agent", tags=["agent"], dependencies=[AgentAuth],
                   responses={401: {"description": "Not signed in"},
                              403: {"description": "Not a supervisor"}})


class DeskAgentPublic(BaseModel):
    login: str
    display_name: str
    role: str
    online: bool  # has the console open (an agent event stream)
    load: int  # tickets it holds
    oldest_claimed_at: datetime | None


class DeskPublic(BaseModel):
    agents: list[DeskAgentPublic]
    waiting: int
    oldest_waiting_since: datetime | None
    longest_wait_seconds: int | None
    at: datetime


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value and value.tzinfo is None else value


@router.get("/desk", response_model=DeskPublic)
def desk(agent: AgentDep, db: SessionDep, state: StateDep) -> DeskPublic:
    if not agent.is_supervisor:
        raise ForbiddenError("Only a supervisor sees the desk.")
    online = state.presence.online()
    load = queue.load_by_agent(db)
    waiting, oldest = queue.waiting_stats(db)
    now = state.clock()
    oldest = _aware(oldest)
    people = [DeskAgentPublic(login=a.login, display_name=a.display_name, role=a.role,
                              online=a.login in online, load=load.get(a.login, (0, None))[0],
                              oldest_claimed_at=_aware(load.get(a.login, (0, None))[1]))
              for a in store.list_agents(db, active_only=True) if a.role != "office"]
    people.sort(key=lambda p: (not p.online, -p.load, p.login))
    return DeskPublic(agents=people, waiting=waiting, oldest_waiting_since=oldest,
                      longest_wait_seconds=int((now - oldest).total_seconds()) if oldest
                      else None, at=now)
