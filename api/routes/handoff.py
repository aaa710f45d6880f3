"""``POST /v1/handoff``: a citizen (through Rasa actions or a channel) asks for a person."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import HandoffDep, ServiceAuth
from api.schemas.handoff import HandoffPublic, HandoffRequest

router = APIRouter(prefix="/v1", tags=["handoff"], dependencies=[ServiceAuth],
                   responses={401: {"description": "Missing or wrong X-Service-Token"}})


@router.post("/handoff", response_model=HandoffPublic,
             responses={404: {"description": "Unknown conversation"}})
def handoff(req: HandoffRequest, desk: HandoffDep) -> HandoffPublic:
    return desk.request(req)
