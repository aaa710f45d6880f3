"""Fake Zalo OA open API (``/v3.0/oa/message/cs``) and OAuth token endpoint.

It enforces what platform-facts §6 describes: ``access_token`` header, body
``{"recipient": {"user_id"}, "message": {"text"}}``, refresh with ``secret_key`` header and a
form (``refresh_token``, ``app_id``, ``grant_type=refresh_token``); refresh tokens are
single-use and rotate. A stale access token gets ``{"error": -216}``.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field

from fakes.recording_server import Recorded, RecordingServer, Reply

TEXT_LIMIT = 2000


def sign(*, app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """Zalo's webhook signature (computed independently of api.channels)."""
    return hashlib.sha256(f"{app_id}".encode() + body + timestamp.encode()
                          + secret_key.encode()).hexdigest()


@dataclass
class FakeZalo(RecordingServer):
    app_id: str = "4291763606161179100"
    app_secret: str = "zalo-app-secret-for-tests"
    access_token: str = "zalo-access-token-1"
    refresh_token: str = "zalo-refresh-token-1"
    expires_in: str = "90000"
    refreshes: int = 0
    delivered: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def sent(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v3.0/oa/message/cs"]

    @property
    def texts(self) -> list[str]:
        """Texts the fake accepted (rejected attempts are in ``sent`` only)."""
        return [text for _user, text in self.delivered]

    def expire_access_token(self) -> None:
        self.access_token = self.access_token + "-rotated"

    def respond(self, req: Recorded) -> Reply:
        if req.method == "POST" and req.path == "/v3.0/oa/message/cs":
            return self._send(req)
        if req.method == "POST" and req.path == "/v4/oa/access_token":
            return self._refresh(req)
        self.problem(f"unknown endpoint {req.method} {req.path}")
        return Reply(404, {"error": 404})

    def _send(self, req: Recorded) -> Reply:
        if not req.headers.get("content-type", "").startswith("application/json"):
            self.problem("send: content type is not JSON")
        if req.headers.get("access_token") != self.access_token:
            return Reply(200, {"error": -216, "message": "Access token is invalid"})
        body = req.json
        user = (body.get("recipient") or {}).get("user_id")
        text = (body.get("message") or {}).get("text")
        if set(body) != {"recipient", "message"} or not isinstance(user, str) or not user:
            self.problem(f"send: bad shape {sorted(body)}")
            return Reply(200, {"error": -201, "message": "Parameters invalid"})
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_LIMIT:
            self.problem(f"send: bad text length {len(text or '')}")
            return Reply(200, {"error": -201, "message": "Parameters invalid"})
        with self._lock:
            self.delivered.append((user, text))
        return Reply(200, {"error": 0, "message": "Success",
                           "data": {"message_id": f"zmsg-{next(self._ids)}", "user_id": user}})

    def _refresh(self, req: Recorded) -> Reply:
        form = req.form
        if not req.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            self.problem("refresh: content type is not a form")
        if req.headers.get("secret_key") != self.app_secret:
            self.problem("refresh: wrong secret_key header")
            return Reply(200, {"error": -14002, "message": "Invalid secret key"})
        if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
            self.problem(f"refresh: bad form {sorted(form)}")
            return Reply(200, {"error": -14003, "message": "Invalid parameters"})
        if form.get("refresh_token") != self.refresh_token:
            return Reply(200, {"error": -14014, "message": "Invalid refresh token"})
        self.refreshes += 1
        self.access_token = f"zalo-access-token-{self.refreshes + 1}"
        self.refresh_token = f"zalo-refresh-token-{self.refreshes + 1}"  # single use: rotates
        return Reply(200, {"access_token": self.access_token,
                           "refresh_token": self.refresh_token, "expires_in": self.expires_in})
