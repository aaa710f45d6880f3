"""Rejects oversized bodies, bodies nested too deeply, and request bodies that are not valid
UTF-8 JSON (clean 4xx, before any route or signature check parses them)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


MAX_JSON_DEPTH = 32  # no payload of ours or of Zalo/Messenger nests deeper than about 8


def nesting_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when brackets outside JSON strings nest deeper than ``limit`` (a linear scan: a
    recursive parser would hit Python's recursion limit first)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x7D, 0x5D):  # } ]
            depth -= 1
    return False


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"code": code, "message": message}}).encode()


class BodyGuardMiddleware:
    """Buffers POST bodies (small by design) and checks size, UTF-8 and JSON before routing."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._reply(send, *_error(413, "payload_too_large",
                                                f"The body exceeds {self.max_bytes} bytes."))
                return
            chunks.append(body)
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").decode("latin-1").lower()
        # whatever the declared type: a webhook route may parse the body as JSON itself
        if raw.lstrip()[:1] in (b"{", b"[") and nesting_exceeds(raw):
            await self._reply(send, *_error(400, "too_deep",
                                            f"The body nests deeper than {MAX_JSON_DEPTH} levels."))
            return
        if raw and "json" in ctype:
            try:
                json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                await self._reply(send, *_error(400, "invalid_encoding",
                                                "The body is not valid UTF-8."))
                return
            except (ValueError, RecursionError):
                await self._reply(send, *_error(400, "invalid_json",
                                                "The body is not valid JSON."))
                return

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _reply(send: Send, status: int, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
