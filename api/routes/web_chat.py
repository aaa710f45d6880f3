"""Web chat for the widget: a turn, the history, and live agent messages (SSE)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from api.db import conversations as convs
from api.db.models import Message, Role
from api.channels.inbound import Inbound, InboundKind
from api.channels.web import CHANNEL
from api.deps import SessionDep, StateDep, TurnsDep
from api.errors import ApiError, NotFoundError
from api.schemas.chat import SESSION_ID, ChatMessagePublic, HistoryPublic, WebChatPublic, WebChatRequest
from api.services.events import ConversationEvent, citizen_topic
from api.services.payloads import BotMessage
from api.services.streams import event_stream, frame

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/chat/web", tags=["web chat"])

SessionIdPath = Annotated[str, Path(pattern=SESSION_ID)]
SHOWN_LIVE = (Role.agent, Role.system)  # the bot's replies come in the POST's response
SHOWN_ROLES = {r.value for r in SHOWN_LIVE}


class AddressRateLimitedError(ApiError):
    status_code = 429
    code = "rate_limited"


def client_address(request: Request, state: StateDep) -> str | None:
    """The caller's address, hashed, once it is within its per-minute limit."""
    if request.client is None:
        return None
    address = state.identity.hash_user("address", request.client.host)
    if state.addresses is not None and not state.addresses.allow(address):
        logger.warning("web.address_rate_limited")
        raise AddressRateLimitedError("Too many requests from this address; retry in a minute.")
    return address


AddressDep = Annotated["str | None", Depends(client_address)]


def to_public(m: Message | BotMessage) -> ChatMessagePublic:
    if isinstance(m, BotMessage):
        return ChatMessagePublic(role="bot", text=m.text, buttons=m.buttons, citation=m.citation)
    payload = m.payload or {}
    return ChatMessagePublic(id=m.id, role=m.role, text=m.text,
                             buttons=payload.get("buttons") or [],
                             citation=payload.get("citation"), created_at=m.created_at)


@router.post("", response_model=WebChatPublic,
             responses={429: {"model": WebChatPublic, "description": "Rate limited"}})
async def chat(req: WebChatRequest, turns: TurnsDep,
               client: AddressDep) -> WebChatPublic | JSONResponse:
    turn = await turns.take(Inbound(channel=CHANNEL, user_id=req.session_id, message_id="",
                                    kind=InboundKind.text, text=req.text, payload=req.payload,
                                    client=client))
    body = WebChatPublic(session_id=req.session_id,
                         state=turn.conversation.state if turn.conversation else "bot",
                         messages=[to_public(m) for m in turn.messages])
    if turn.rate_limited:
        return JSONResponse(body.model_dump(mode="json"), status_code=429,
                            headers={"Retry-After": "60"})
    return body


def _find(state, db, session_id: str):  # type: ignore[no-untyped-def]
    user_hash = state.identity.hash_user(CHANNEL, session_id)
    return convs.find_conversation(db, channel=CHANNEL, user_hash=user_hash)


@router.get("/{session_id}/history", response_model=HistoryPublic)
def history(session_id: SessionIdPath, state: StateDep, db: SessionDep,
            _address: AddressDep) -> HistoryPublic:
    conv = _find(state, db, session_id)
    if conv is None:
        return HistoryPublic(session_id=session_id, state="bot", messages=[])
    msgs = convs.list_messages(db, conversation_id=conv.id)
    return HistoryPublic(session_id=session_id, state=conv.state,
                         messages=[to_public(m) for m in msgs])


@router.get("/{session_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def events(
    session_id: SessionIdPath,
    request: Request,
    state: StateDep,
    address: AddressDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Agent and system messages, and state changes, as Server-Sent Events.

    Resumes after ``Last-Event-ID`` (browser reconnect) or ``?after=<message id>``; without
    either it starts from now. Live events come from the conversation event hub. A session
    without a conversation gets 404 (the widget listens only once it has one), and an address
    may hold ``API_SSE_MAX_PER_ADDRESS`` streams at once (429 beyond).
    """
    start = after if after is not None else None
    if last_event_id and last_event_id.isdigit():
        start = int(last_event_id)
    user_hash = state.identity.hash_user(CHANNEL, session_id)
    seen = {"cursor": start or 0, "state": None}

    def read_backlog() -> list[str]:
        with state.session_factory() as db:
            conv = convs.find_conversation(db, channel=CHANNEL, user_hash=user_hash)
            if conv is None:
                return []
            seen["state"] = conv.state
            frames = [frame("state", {"state": conv.state})]
            if start is None:
                seen["cursor"] = convs.max_message_id(db, conversation_id=conv.id)
                return frames
            for m in convs.list_messages(db, conversation_id=conv.id, after_id=start,
                                         roles=SHOWN_LIVE):
                frames.append(frame("message", to_public(m).model_dump_json(), id=m.id))
                seen["cursor"] = m.id
            return frames

    async def opening() -> list[str]:
        return await run_in_threadpool(read_backlog)

    def render(ev: ConversationEvent) -> str | None:
        if ev.kind == "message" and ev.data.get("role") in SHOWN_ROLES:
            if int(ev.data["id"]) <= int(seen["cursor"] or 0):
                return None  # already sent from the backlog
            seen["cursor"] = ev.data["id"]
            return frame("message", ChatMessagePublic.model_validate(ev.data).model_dump_json(),
                         id=ev.data["id"])
        if ev.kind == "state" and ev.state != seen["state"]:
            seen["state"] = ev.state
            return frame("state", {"state": ev.state})
        return None

    def exists() -> bool:
        with state.session_factory() as db:
            return convs.find_conversation(db, channel=CHANNEL, user_hash=user_hash) is not None

    if not await run_in_threadpool(exists):
        raise NotFoundError("No conversation for this session.")
    limits = state.addresses
    slot = None
    if limits is not None and address is not None:
        if limits.open_streams(address) >= limits.max_streams:
            logger.warning("web.sse_cap_reached")
            raise AddressRateLimitedError("Too many open event streams from this address.")
        slot = partial(limits.stream_slot, address)
    s = state.settings
    return event_stream(request, state.hub, topics=(citizen_topic(CHANNEL, user_hash),),
                        opening=opening, render=render, keepalive=s.sse_keepalive_seconds,
                        max_seconds=s.sse_max_seconds, slot=slot)
