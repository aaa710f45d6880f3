"""``/v1/dossiers``: dossier status lookup for channels, Rasa actions and agents.

Citizens (``POST /v1/dossiers/lookup``, called for them by the action server with
``X-Service-Token``) give the code and the verification factor; signed-in
agents (``POST /v1/dossiers/agent-lookup``, console session or agent API token) give only the
code, and the lookup is audited under their login. Failures
are JSON errors with a distinct ``code`` and a ready-to-show Vietnamese ``text``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import AgentDep, ServiceAuth, StateDep
from api.dossiers import wording
from api.dossiers.schemas import (
    AgentDossierLookupRequest,
    DossierErrorPublic,
    DossierLookupPublic,
    DossierLookupRequest,
    DossierPublic,
    ProcedureRef,
)
from api.dossiers.service import DossierLookup, DossierLookupError, LookupOutcome
from api.dossiers.wiring import app_lookup
from api.state import AppState
from indexer.errors import IndexerError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/dossiers", tags=["dossiers"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": DossierErrorPublic, "description": "wrong_factor (remaining_attempts)"},
    404: {"model": DossierErrorPublic, "description": "unknown_code"},
    409: {"model": DossierErrorPublic, "description": "factor_unavailable"},
    422: {"description": "invalid_code, factor_required, or an invalid request body"},
    429: {"model": DossierErrorPublic, "description": "locked_out (retry_after_seconds)"},
    503: {"model": DossierErrorPublic, "description": "upstream_unavailable"},
}


def _lookup(request: Request, state: AppState) -> DossierLookup:
    return app_lookup(request.app.state, state.settings, state.session_factory)


def _procedure(state: AppState, outcome: LookupOutcome) -> ProcedureRef:
    r = outcome.record
    if r.procedure_id and state.searcher is not None:
        try:
            p = state.searcher.procedure(r.procedure_id)
            return ProcedureRef(id=p.id, code=p.code, name=p.name)
        except (KeyError, IndexerError):  # not in the published catalogue: keep the record's
            pass
    return ProcedureRef(id=r.procedure_id, code=r.procedure_code, name=r.procedure_name)


def _public(state: AppState, outcome: LookupOutcome) -> DossierLookupPublic:
    r = outcome.record
    return DossierLookupPublic(
        dossier=DossierPublic(
            code=r.code, procedure=_procedure(state, outcome), applicant=r.applicant_masked,
            status=r.status, status_label=wording.STATUS_LABELS[r.status], reason=r.reason,
            overdue=outcome.overdue, late=outcome.late, received_at=r.received_at,
            due_at=r.due_at, resolved_at=r.resolved_at, agency=r.agency,
            apology_issued=r.apology_issued, new_appointment=r.new_appointment,
            delivery=r.delivery, delivery_label=wording.DELIVERY_LABELS[r.delivery]),
        text=outcome.text, hotline=state.settings.hotline)


def _error(exc: DossierLookupError) -> JSONResponse:
    body = {"code": exc.code, "message": exc.message, "text": exc.text, **exc.extra}
    headers = None
    if "retry_after_seconds" in exc.extra:
        headers = {"Retry-After": str(exc.extra["retry_after_seconds"])}
    return JSONResponse({"error": body}, status_code=exc.status_code, headers=headers)


@router.post("/lookup", response_model=DossierLookupPublic, dependencies=[ServiceAuth],
             responses={**_ERRORS, 401: {"description": "Missing or wrong X-Service-Token"}})
async def lookup(req: DossierLookupRequest, request: Request,
                 state: StateDep) -> DossierLookupPublic | JSONResponse:
    """Verified lookup: the code plus the last 4 digits of the applicant's phone or ID."""
    service = _lookup(request, state)
    actor = state.identity.hash_user(req.channel, req.sender_id)
    try:
        outcome = await run_in_threadpool(service.lookup_as_citizen, code=req.code,
                                          factor=req.factor, actor=actor, channel=req.channel,
                                          address=req.client)
    except DossierLookupError as exc:
        return _error(exc)
    return _public(state, outcome)


@router.post("/agent-lookup", response_model=DossierLookupPublic,
             responses={**_ERRORS, 401: {"description": "Not signed in as an agent"}})
async def agent_lookup(req: AgentDossierLookupRequest, request: Request, state: StateDep,
                       agent: AgentDep) -> DossierLookupPublic | JSONResponse:
    """Agent lookup without the factor; audited with the signed-in agent's login."""
    service = _lookup(request, state)
    try:
        outcome = await run_in_threadpool(service.lookup_as_agent, code=req.code,
                                          agent=agent.login)
    except DossierLookupError as exc:
        return _error(exc)
    return _public(state, outcome)
