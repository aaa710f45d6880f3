"""FastAPI dependencies as typed aliases (``SessionDep``, ``ComposerDep``, ...)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.agents.auth import Principal, authenticate, require_ticket_rights
from api.agents.desk import AgentDesk
from api.errors import ForbiddenError, NotConfiguredError, UnauthorizedError
from api.services.channels import ChannelRegistry
from api.services.composer import AnswerComposer, ComposerSettings
from api.services.dialogue import Dialogue
from api.services.handoff import HandoffService
from api.services.office_hours import OfficeHours
from api.services.search_port import SearcherLike
from api.services.turns import TurnService
from api.settings import ApiSettings
from api.state import AppState


def get_state(request: Request) -> AppState:
    return request.app.state.api  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> ApiSettings:
    return state.settings


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


def get_db(state: StateDep) -> Iterator[Session]:
    with state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


def get_searcher(state: StateDep) -> SearcherLike | None:
    return state.searcher


SearcherDep = Annotated["SearcherLike | None", Depends(get_searcher)]


def get_composer(state: StateDep) -> AnswerComposer:
    s = state.settings
    return AnswerComposer(state.searcher, ComposerSettings(
        hotline=s.hotline, top_k=s.search_top_k, clarify_margin=s.clarify_margin,
        switch_confidence=s.switch_confidence))


ComposerDep = Annotated[AnswerComposer, Depends(get_composer)]


def handoff_service(state: AppState, session: Session) -> HandoffService:
    s = state.settings
    return HandoffService(session, hours=OfficeHours(s), channels=state.channels,
                          identity=state.identity, minutes_per_ticket=s.minutes_per_ticket,
                          hotline=s.hotline, clock=state.clock)


def get_handoff(state: StateDep, db: SessionDep) -> HandoffService:
    return handoff_service(state, db)


HandoffDep = Annotated[HandoffService, Depends(get_handoff)]


def get_dialogue(state: StateDep, composer: ComposerDep) -> Dialogue:
    s = state.settings
    return Dialogue(composer=composer, rasa=state.rasa, limiter=state.limiter,
                    identity=state.identity, hotline=s.hotline, max_chars=s.max_message_chars,
                    handoff=partial(handoff_service, state))


DialogueDep = Annotated[Dialogue, Depends(get_dialogue)]


def get_turns(state: StateDep) -> TurnService:
    """The one turn service of every channel (also called outside a request)."""
    return TurnService(state, get_dialogue(state, get_composer(state)))


TurnsDep = Annotated[TurnService, Depends(get_turns)]


def get_channels(state: StateDep) -> ChannelRegistry:
    return state.channels


ChannelsDep = Annotated[ChannelRegistry, Depends(get_channels)]

_bearer = HTTPBearer(auto_error=False)
BearerDep = Annotated["HTTPAuthorizationCredentials | None", Depends(_bearer)]


def _check_token(expected, given: HTTPAuthorizationCredentials | None, what: str) -> None:  # type: ignore[no-untyped-def]
    if expected is None:
        raise NotConfiguredError(f"The {what} API is not configured (set API_{what.upper()}_TOKEN).")
    if given is None or not hmac.compare_digest(given.credentials.encode(),
                                                expected.get_secret_value().encode()):
        raise UnauthorizedError(f"A valid {what} bearer token is required.")


def require_admin(settings: SettingsDep, creds: BearerDep) -> None:
    _check_token(settings.admin_token, creds, "admin")


AdminAuth = Depends(require_admin)

SERVICE_HEADER = "X-Service-Token"
_service_key = APIKeyHeader(name=SERVICE_HEADER, auto_error=False,
                            description="API_SERVICE_TOKEN: the action server and integrations")


def require_service(settings: SettingsDep,
                    given: Annotated["str | None", Depends(_service_key)]) -> None:
    """The internal routes (composed answers, search, handoff, citizen dossier lookup) are for
    the action server and integrations only: citizens reach the channel routes."""
    expected = settings.service_token
    if expected is None:
        raise NotConfiguredError("The internal API is not configured (set API_SERVICE_TOKEN).")
    if given is None or not hmac.compare_digest(given.encode(),
                                                expected.get_secret_value().encode()):
        raise UnauthorizedError(f"A valid {SERVICE_HEADER} header is required.")


ServiceAuth = Depends(require_service)


def get_agent(request: Request, state: StateDep) -> Principal:
    """The signed-in agent: console session (+ CSRF token on posts) or per-agent API token.
    Its own short session, so a long SSE stream holds no database connection."""
    with state.session_factory() as db:
        return require_ticket_rights(authenticate(request, db))


AgentDep = Annotated[Principal, Depends(get_agent)]
AgentAuth = Depends(get_agent)


def get_desk(handoff: HandoffDep, agent: AgentDep) -> AgentDesk:
    return AgentDesk(handoff, agent)


DeskDep = Annotated[AgentDesk, Depends(get_desk)]


OFFICE_ROLES = frozenset({"office", "supervisor"})


def get_office_user(request: Request, state: StateDep) -> Principal:
    """The office dashboard's caller: a console session (the agent console's sign-in, + CSRF
    on posts) or an API token of a user with role ``office`` or ``supervisor``."""
    with state.session_factory() as db:
        principal = authenticate(request, db)
    if principal.role not in OFFICE_ROLES:
        raise ForbiddenError(f"Role {principal.role!r} cannot open the office dashboard "
                             "(office or supervisor only).")
    return principal


OfficeDep = Annotated[Principal, Depends(get_office_user)]
OfficeAuth = Depends(get_office_user)
