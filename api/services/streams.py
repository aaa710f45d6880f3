"""Server-Sent Events over the event hub: frames, keep-alives, a bounded lifetime.

A stream subscribes to its topics first, then sends what the caller read from the database
once (state, a resumed backlog), then only what the hub hands it: no stream polls the
database.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import AbstractContextManager, nullcontext
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from api.services.events import ConversationEvent, EventHub

Render = Callable[[ConversationEvent], "str | None"]
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def frame(event: str, data: Any, *, id: int | str | None = None) -> str:
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"id: {id}\n" if id is not None else ""
    return f"{head}event: {event}\ndata: {body}\n\n"


def event_stream(request: Request, hub: EventHub, *, topics: tuple[str, ...],
                 opening: Callable[[], Awaitable[list[str]]], render: Render,
                 keepalive: float, max_seconds: float,
                 slot: Callable[[], AbstractContextManager[bool]] | None = None,
                 ) -> StreamingResponse:
    """``opening`` runs after the subscription (so nothing falls between the two) and gives
    the first frames; ``render`` turns a hub event into a frame, or None to skip it.
    ``slot``, if given, is held while the stream is open; a stream that gets none ends at
    once (a cap on open streams)."""

    async def stream() -> AsyncIterator[str]:
        with (slot or nullcontext)() as taken:
            if taken is False:
                return
            async for text in _stream():
                yield text

    async def _stream() -> AsyncIterator[str]:
        async with hub.subscribe(*topics) as queue:
            yield "retry: 3000\n\n"
            for text in await opening():
                yield text
            deadline = time.monotonic() + max_seconds
            while not await request.is_disconnected():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    ev = await asyncio.wait_for(queue.get(), timeout=min(keepalive, left))
                except asyncio.TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                text = render(ev)
                if text is not None:
                    yield text

    return StreamingResponse(stream(), media_type="text/event-stream", headers=HEADERS)
