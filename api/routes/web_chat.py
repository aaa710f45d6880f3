"""Web chat for the widget: a turn, the history, and live agent messages (SSE)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from api.db import conversations as convs
from api.db.models import Message, Role
from api.channels.inbound import Inbound, InboundKind
from api.channels.web import CHANNEL
from api.deps import SessionDep, StateDep, TurnsDep
from api.schemas.chat import SESSION_ID, ChatMessagePublic, HistoryPublic, WebChatPublic, WebChatRequest
from api.services.payloads import BotMessage

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/chat/web", tags=["web chat"])

SessionIdPath = Annotated[str, Path(pattern=SESSION_ID)]


def to_public(m: Message | BotMessage) -> ChatMessagePublic:
    if isinstance(m, BotMessage):
        return ChatMessagePublic(role="bot", text=m.text, buttons=m.buttons, citation=m.citation)
    payload = m.payload or {}
    return ChatMessagePublic(id=m.id, role=m.role, text=m.text,
                             buttons=payload.get("buttons") or [],
                             citation=payload.get("citation"), created_at=m.created_at)


@router.post("", response_model=WebChatPublic,
             responses={429: {"model": WebChatPublic, "description": "Rate limited"}})
async def chat(req: WebChatRequest, turns: TurnsDep) -> WebChatPublic | JSONResponse:
    turn = await turns.take(Inbound(channel=CHANNEL, user_id=req.session_id, message_id="",
                                    kind=InboundKind.text, text=req.text, payload=req.payload))
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
def history(session_id: SessionIdPath, state: StateDep, db: SessionDep) -> HistoryPublic:
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
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Agent and system messages, and state changes, as Server-Sent Events.

    Resumes after ``Last-Event-ID`` (browser reconnect) or ``?after=<message id>``; without
    either it starts from now.
    """
    start = after if after is not None else None
    if last_event_id and last_event_id.isdigit():
        start = int(last_event_id)

    def poll(cursor: int | None) -> tuple[int, str | None, list[Message]]:
        with state.session_factory() as db:
            conv = _find(state, db, session_id)
            if conv is None:
                return cursor or 0, None, []
            if cursor is None:
                return convs.max_message_id(db, conversation_id=conv.id), conv.state, []
            msgs = convs.list_messages(db, conversation_id=conv.id, after_id=cursor,
                                       roles=(Role.agent, Role.system))
            return (msgs[-1].id if msgs else cursor), conv.state, msgs

    async def stream() -> AsyncIterator[str]:
        cursor, conv_state, backlog = await run_in_threadpool(poll, start)
        yield "retry: 3000\n\n"
        if conv_state:
            yield f"event: state\ndata: {json.dumps({'state': conv_state})}\n\n"
        for m in backlog:
            yield f"id: {m.id}\nevent: message\ndata: {to_public(m).model_dump_json()}\n\n"
        idle = 0.0
        s = state.settings
        deadline = time.monotonic() + s.sse_max_seconds
        while time.monotonic() < deadline and not await request.is_disconnected():
            await asyncio.sleep(s.sse_poll_seconds)
            cursor, new_state, msgs = await run_in_threadpool(poll, cursor)
            for m in msgs:
                data = to_public(m).model_dump_json()
                yield f"id: {m.id}\nevent: message\ndata: {data}\n\n"
            if new_state and new_state != conv_state:
                conv_state = new_state
                yield f"event: state\ndata: {json.dumps({'state': conv_state})}\n\n"
            idle = 0.0 if msgs else idle + s.sse_poll_seconds
            if idle >= s.sse_keepalive_seconds:
                idle = 0.0
                yield ": keepalive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
