"""Data access for agent accounts, API tokens and the audit log (keyword-only functions)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.agents.models import AgentAuditRow, AgentRole, AgentRow, AgentTokenRow
from api.agents.passwords import hash_password, needs_rehash, verify_password
from api.db.models import utcnow

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "tthc_"


class AgentStoreError(ValueError):
    """A refused account change; the message is for the operator (English)."""


def normalise_login(login: str) -> str:
    value = login.strip().lower()
    if not LOGIN_PATTERN.fullmatch(value):
        raise AgentStoreError("A login is 2-64 characters: a-z, 0-9, '.', '_' or '-', "
                              "starting with a letter or digit.")
    return value


def token_digest(token: str) -> str:
    """API tokens are 256-bit random secrets, so a plain SHA-256 digest is enough to store."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_agent(session: Session, *, login: str, display_name: str, role: AgentRole,
                 password: str) -> AgentRow:
    row = AgentRow(login=normalise_login(login), display_name=display_name.strip() or login,
                   role=role.value, password_hash=hash_password(password), active=True)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise AgentStoreError(f"An agent with the login {row.login!r} already exists.") from exc
    return row


def get_agent(session: Session, *, login: str) -> AgentRow | None:
    return session.scalars(select(AgentRow).where(AgentRow.login == login.strip().lower())).first()


def get_agent_by_id(session: Session, *, agent_id: int) -> AgentRow | None:
    return session.get(AgentRow, agent_id)


def list_agents(session: Session, *, active_only: bool = False) -> list[AgentRow]:
    stmt = select(AgentRow).order_by(AgentRow.login)
    if active_only:
        stmt = stmt.where(AgentRow.active.is_(True))
    return list(session.scalars(stmt))


def set_active(session: Session, *, login: str, active: bool) -> AgentRow:
    row = get_agent(session, login=login)
    if row is None:
        raise AgentStoreError(f"No agent has the login {login!r}.")
    row.active = active
    session.flush()
    return row


def set_password(session: Session, *, login: str, password: str) -> AgentRow:
    row = get_agent(session, login=login)
    if row is None:
        raise AgentStoreError(f"No agent has the login {login!r}.")
    row.password_hash = hash_password(password)
    session.flush()
    return row


def check_password(session: Session, *, login: str, password: str) -> AgentRow | None:
    """The active agent whose password this is, else None (unknown, wrong or disabled)."""
    row = get_agent(session, login=login)
    ok = verify_password(row.password_hash if row else None, password)
    if row is None or not ok or not row.active:
        return None
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
        session.flush()
    return row


def issue_token(session: Session, *, agent: AgentRow, label: str) -> tuple[AgentTokenRow, str]:
    """A new API token for ``agent``; the secret is returned once and stored only hashed."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = AgentTokenRow(agent_id=agent.id, label=label.strip()[:64] or "api",
                        token_hash=token_digest(secret), prefix=secret[:len(TOKEN_PREFIX) + 4])
    session.add(row)
    session.flush()
    return row, secret


def list_tokens(session: Session, *, agent: AgentRow) -> list[AgentTokenRow]:
    return list(session.scalars(select(AgentTokenRow).where(AgentTokenRow.agent_id == agent.id)
                                .order_by(AgentTokenRow.id)))


def revoke_token(session: Session, *, agent: AgentRow, token_id: int) -> AgentTokenRow:
    row = session.get(AgentTokenRow, token_id)
    if row is None or row.agent_id != agent.id:
        raise AgentStoreError(f"Agent {agent.login!r} has no token {token_id}.")
    row.revoked_at = row.revoked_at or utcnow()
    session.flush()
    return row


def agent_for_token(session: Session, *, token: str,
                    now: datetime | None = None) -> AgentRow | None:
    """The active agent holding this unrevoked token, else None."""
    stmt = (select(AgentTokenRow, AgentRow).join(AgentRow, AgentRow.id == AgentTokenRow.agent_id)
            .where(AgentTokenRow.token_hash == token_digest(token),
                   AgentTokenRow.revoked_at.is_(None), AgentRow.active.is_(True)))
    found = session.execute(stmt).first()
    if found is None:
        return None
    tok, agent = found
    tok.last_used_at = now or utcnow()
    return agent  # type: ignore[no-any-return]


def audit(session: Session, *, agent: str, action: str, ticket_id: int | None = None,
          conversation_id: str | None = None, outcome: str = "ok",
          detail: dict[str, Any] | None = None, at: datetime | None = None) -> AgentAuditRow:
    """Add one audit row to the session; the caller's commit writes it with the change."""
    row = AgentAuditRow(agent=agent, action=action, ticket_id=ticket_id,
                        conversation_id=conversation_id, outcome=outcome, detail=detail,
                        at=at or utcnow())
    session.add(row)
    return row


def audit_log(session: Session, *, agent: str | None = None, ticket_id: int | None = None,
              limit: int = 200) -> list[AgentAuditRow]:
    stmt = select(AgentAuditRow)
    if agent is not None:
        stmt = stmt.where(AgentAuditRow.agent == agent)
    if ticket_id is not None:
        stmt = stmt.where(AgentAuditRow.ticket_id == ticket_id)
    return list(session.scalars(stmt.order_by(AgentAuditRow.id.desc()).limit(limit)))
