"""``POST /v1/handoff``: a citizen (through Rasa actions or a channel) asks for a person."""

from __future__ import annotations

from fastapi import APIRouter

from api.db import conversations as convs
from api.db.models import Conversation
from api.deps import HandoffDep, SessionDep, StateDep
from api.errors import NotFoundError
from api.schemas.handoff import HandoffPublic, HandoffRequest

router = APIRouter(prefix="/v1", tags=["handoff"])


def _resolve(db, state, req: HandoffRequest) -> Conversation:  # type: ignore[no-untyped-def]
    if req.conversation_id:
        conv = convs.get_conversation(db, conversation_id=req.conversation_id)
        if conv is None:
            raise NotFoundError("Unknown conversation_id.")
        return conv
    assert req.sender_id is not None
    # Rasa's sender is our conversation id; other callers may pass the channel's user id.
    conv = convs.get_conversation(db, conversation_id=req.sender_id)
    if conv is not None:
        return conv
    user_hash = state.identity.hash_user(req.channel, req.sender_id)
    return convs.get_or_create_conversation(db, channel=req.channel, user_hash=user_hash)


@router.post("/handoff", response_model=HandoffPublic,
             responses={404: {"description": "Unknown conversation"}})
def handoff(req: HandoffRequest, db: SessionDep, state: StateDep,
            desk: HandoffDep) -> HandoffPublic:
    return desk.request(conv=_resolve(db, state, req), req=req)
