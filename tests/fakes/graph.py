"""Fake Facebook Graph Send API (``/{version}/me/messages``) enforcing Messenger's limits:
the page token as ``Authorization: Bearer`` (never in the URL), ``messaging_type: RESPONSE``, text ≤ 2,000 characters, at most 13
quick replies with titles ≤ 20 characters and payloads ≤ 1,000."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from dataclasses import dataclass, field
from typing import Any

from fakes.recording_server import Recorded, RecordingServer, Reply


def sign(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class FakeGraph(RecordingServer):
    version: str = "v23.0"
    page_token: str = "page-access-token-for-tests"
    delivered: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def sent(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path == f"/{self.version}/me/messages"]

    @property
    def texts(self) -> list[str]:
        """Texts the fake accepted (failed attempts are in ``sent`` only)."""
        return [b["message"]["text"] for b in self.delivered]

    def respond(self, req: Recorded) -> Reply:
        if req.method != "POST" or req.path != f"/{self.version}/me/messages":
            self.problem(f"unknown endpoint {req.method} {req.path}")
            return Reply(404, {"error": {"message": "Unknown path", "code": 803}})
        if "access_token" in req.query:  # we never put a token in a URL
            self.problem("access_token in the query string")
        if req.headers.get("authorization") != f"Bearer {self.page_token}":
            return Reply(400, {"error": {"message": "Invalid OAuth access token.",
                                         "type": "OAuthException", "code": 190}})
        body = req.json
        for problem in self._check(body):
            self.problem(problem)
        if self.problems:
            return Reply(400, {"error": {"message": "Invalid parameter", "code": 100}})
        with self._lock:
            self.delivered.append(body)
        return Reply(200, {"recipient_id": body["recipient"]["id"],
                           "message_id": f"m_{next(self._ids)}"})

    @staticmethod
    def _check(body: dict[str, Any]) -> list[str]:
        out = []
        kind = body.get("messaging_type")
        if kind == "MESSAGE_TAG":  # outside the 24 h window: a human agent's tag only here
            if body.get("tag") != "HUMAN_AGENT":
                out.append(f"message tag {body.get('tag')!r}")
        elif kind != "RESPONSE":
            out.append(f"messaging_type {kind!r}")
        if not isinstance((body.get("recipient") or {}).get("id"), str):
            out.append("recipient.id missing")
        message = body.get("message") or {}
        text = message.get("text")
        if not isinstance(text, str) or not text or len(text) > 2000:
            out.append(f"text length {len(text or '')}")
        qrs = message.get("quick_replies", [])
        if len(qrs) > 13:
            out.append(f"{len(qrs)} quick replies")
        for q in qrs:
            if q.get("content_type") != "text":
                out.append(f"quick reply content_type {q.get('content_type')!r}")
            if not q.get("title") or len(q["title"]) > 20:
                out.append(f"quick reply title {q.get('title')!r}")
            if not q.get("payload") or len(q["payload"]) > 1000:
                out.append("quick reply payload")
        return out
