"""The agent console's pages and its sign-in: ``/console``, ``/console/login``,
``/console/logout``, ``/console/session``.

Signing in starts a signed session cookie (``api.agents.auth``); failed sign-ins are counted per
login and per client IP and lock out (``api.agents.lockout``). Every sign-in attempt is in the
agent audit log. Pages are Vietnamese; they load scripts and styles from ``/static/console``
only (the Content-Security-Policy forbids inline scripts and framing).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.agents import store
from api.agents.auth import (
    CSRF_HEADER,
    csrf_matches,
    new_csrf,
    principal_of,
    session_of,
    sign_in,
)
from api.agents.models import AgentRow
from api.deps import StateDep
from api.errors import UnauthorizedError
from api.services import wording

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/console", tags=["console"])

PAGES = Path(__file__).resolve().parents[1] / "static" / "console"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
MAX_FORM_BYTES = 4096


def _page(name: str, status_code: int = 200, **values: str) -> HTMLResponse:
    text = (PAGES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return HTMLResponse(text, status_code=status_code, headers=SECURITY_HEADERS)


def _login_page(request: Request, *, error: str = "", login: str = "",
                status_code: int = 200) -> HTMLResponse:
    session = session_of(request)
    token = session.get("csrf") or new_csrf(session)
    box = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return _page("login.html", status_code, csrf=html.escape(token), error=box,
                 login=html.escape(login))


def _signed_in(request: Request, state: StateDep) -> AgentRow | None:
    agent_id = session_of(request).get("agent_id")
    if not isinstance(agent_id, int):
        return None
    with state.session_factory() as db:
        row = store.get_agent_by_id(db, agent_id=agent_id)
        if row is None or not row.active or row.login != session_of(request).get("login"):
            return None
        db.expunge(row)
        return row


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def console_page(request: Request, state: StateDep) -> Response:
    row = _signed_in(request, state)
    if row is None:
        return RedirectResponse("/console/login", status_code=303)
    if row.role == "office":  # no ticket rights: the same sign-in leads to the office's page
        return RedirectResponse("/office", status_code=303)
    return _page("index.html", csrf=html.escape(session_of(request).get("csrf", "")),
                 login=html.escape(row.login), display_name=html.escape(row.display_name),
                 role=html.escape(row.role))


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, state: StateDep) -> Response:
    if _signed_in(request, state) is not None:
        return RedirectResponse("/console", status_code=303)
    return _login_page(request)


@router.post("/login", include_in_schema=False)
async def login(request: Request, state: StateDep) -> Response:
    form = _form(await request.body())
    login_name = form.get("login", "").strip().lower()[:64]
    if not csrf_matches(session_of(request), form.get("csrf_token")):
        return _login_page(request, error=wording.CONSOLE_FORM_EXPIRED, login=login_name,
                           status_code=403)
    ip = request.client.host if request.client else "unknown"
    attempt = await run_in_threadpool(state.logins.attempt, login=login_name, ip=ip)
    if attempt is None:
        logger.warning("console.login_locked")
        await run_in_threadpool(_audit_login, state, login_name, "locked")
        return _login_page(request, error=wording.CONSOLE_LOCKED, login=login_name,
                           status_code=429)
    row = await run_in_threadpool(_check, state, login_name, form.get("password", ""))
    if row is None:  # the reserved attempt stays: one failure
        logger.info("console.login_failed")
        return _login_page(request, error=wording.CONSOLE_BAD_LOGIN, login=login_name,
                           status_code=401)
    await run_in_threadpool(state.logins.succeeded, attempt)
    sign_in(request, row)
    logger.info("console.login agent=%s", row.login)
    return RedirectResponse("/console", status_code=303)


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, state: StateDep) -> Response:
    session = session_of(request)
    given = request.headers.get(CSRF_HEADER) or _form(await request.body()).get("csrf_token")
    if not csrf_matches(session, given):
        return JSONResponse({"error": {"code": "csrf_failed",
                                       "message": "The CSRF token is missing or wrong."}},
                            status_code=403)
    login_name = session.get("login")
    if login_name:
        await run_in_threadpool(_audit_login, state, str(login_name), "ok", "logout")
    session.clear()
    return RedirectResponse("/console/login", status_code=303)


@router.get("/session", include_in_schema=False)
def session_info(request: Request, state: StateDep) -> JSONResponse:
    """Who is signed in, and the CSRF token the console sends with its posts."""
    row = _signed_in(request, state)
    if row is None:
        raise UnauthorizedError("Sign in to the agent console.")
    agent = principal_of(row, "session")
    return JSONResponse({"login": agent.login, "display_name": agent.display_name,
                         "role": agent.role, "csrf_token": session_of(request).get("csrf")},
                        headers={"Cache-Control": "no-store"})


def _form(body: bytes) -> dict[str, str]:
    """A small urlencoded form; anything else (too big, too many fields) is an empty one."""
    try:
        fields = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"), max_num_fields=8)
    except ValueError:
        return {}
    return {k: v[0] for k, v in fields.items()}


def _check(state: StateDep, login_name: str, password: str) -> AgentRow | None:
    with state.session_factory() as db:
        row = store.check_password(db, login=login_name, password=password) \
            if login_name else None
        store.audit(db, agent=login_name or "-", action="login",
                    outcome="ok" if row is not None else "denied")
        db.commit()
        if row is not None:
            db.expunge(row)
        return row


def _audit_login(state: StateDep, login_name: str, outcome: str, action: str = "login") -> None:
    with state.session_factory() as db:
        store.audit(db, agent=login_name or "-", action=action, outcome=outcome)
        db.commit()
