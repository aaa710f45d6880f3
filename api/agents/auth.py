"""Who is calling: a console session (signed cookie + CSRF token) or a per-agent API token.

The session cookie is Starlette's ``SessionMiddleware`` (itsdangerous-signed, HttpOnly,
SameSite=Strict, Secure over HTTPS). A state-changing request that rides on the cookie must
carry the session's CSRF token in ``X-CSRF-Token`` (synchronizer token; compared with
``hmac.compare_digest``). Bearer-token calls carry no cookie, so they need no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.agents import store
from api.agents.models import AgentRole, AgentRow
from api.errors import CsrfError, ForbiddenError, UnauthorizedError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
COOKIE = "tthc_console"


@dataclass(frozen=True)
class Principal:
    """The signed-in agent of one request."""

    id: int
    login: str
    display_name: str
    role: str
    via: Literal["session", "token"]

    @property
    def is_supervisor(self) -> bool:
        return self.role == AgentRole.supervisor.value

    @property
    def works_tickets(self) -> bool:
        return self.role in {AgentRole.agent.value, AgentRole.supervisor.value}


def principal_of(row: AgentRow, via: Literal["session", "token"]) -> Principal:
    return Principal(id=row.id, login=row.login, display_name=row.display_name, role=row.role,
                     via=via)


def session_of(request: Request) -> dict[str, Any]:
    return request.session if "session" in request.scope else {}


def new_csrf(session: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(32)
    session["csrf"] = token
    return token


def csrf_matches(session: dict[str, Any], given: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and given) and hmac.compare_digest(str(expected).encode(),
                                                            str(given).encode())


def sign_in(request: Request, row: AgentRow) -> str:
    """Start a fresh session for ``row``; returns its CSRF token."""
    session = request.session
    session.clear()
    session["agent_id"] = row.id
    session["login"] = row.login
    return new_csrf(session)


def authenticate(request: Request, db: Session) -> Principal:
    """The caller, from the bearer token or the session cookie (401 otherwise, 403 on a
    cookie-borne state-changing request without the right CSRF token)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if header:
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("An agent API token (Authorization: Bearer) is required.")
        row = store.agent_for_token(db, token=token.strip())
        if row is None:
            db.rollback()
            raise UnauthorizedError("The agent API token is unknown, revoked or its agent "
                                    "is disabled.")
        db.commit()  # last_used_at
        return principal_of(row, "token")
    session = session_of(request)
    agent_id = session.get("agent_id")
    row = store.get_agent_by_id(db, agent_id=agent_id) if isinstance(agent_id, int) else None
    if row is None or not row.active or row.login != session.get("login"):
        raise UnauthorizedError("Sign in to the agent console (or send an agent API token).")
    if request.method not in SAFE_METHODS and not csrf_matches(
            session, request.headers.get(CSRF_HEADER)):
        raise CsrfError("The CSRF token is missing or wrong; reload the console.")
    return principal_of(row, "session")


def require_ticket_rights(principal: Principal) -> Principal:
    if not principal.works_tickets:
        raise ForbiddenError(f"Role {principal.role!r} cannot work hotline tickets.")
    return principal


class ConsoleSessions:
    """``SessionMiddleware`` whose Secure flag follows the request's scheme when
    ``secure`` is None (uvicorn ``--proxy-headers`` makes it https behind a TLS proxy)."""

    def __init__(self, app: ASGIApp, *, secret_key: str, max_age: int,
                 secure: bool | None) -> None:
        common: dict[str, Any] = {"secret_key": secret_key, "session_cookie": COOKIE,
                                  "max_age": max_age, "same_site": "strict"}
        self.secure_flag = secure
        self.plain = SessionMiddleware(app, https_only=False, **common)
        self.secure = SessionMiddleware(app, https_only=True, **common)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") in {"https", "wss"}
        use_secure = self.secure_flag if self.secure_flag is not None else https
        await (self.secure if use_secure else self.plain)(scope, receive, send)
