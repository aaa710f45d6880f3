"""Data access for the handoff queue. Claims are atomic (compare-and-set on ``status``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db.models import HandoffTicket, TicketStatus, utcnow


def open_ticket(
    session: Session,
    *,
    conversation_id: str,
    channel: str,
    reason: str,
    category: str | None,
    priority: int,
    transcript: dict[str, Any] | None,
) -> tuple[HandoffTicket, bool]:
    """A new waiting ticket, and True; or, when the conversation already has one that is not
    closed (two requests at once: a partial unique index lets one insert win), that one and
    False."""
    ticket = HandoffTicket(conversation_id=conversation_id, channel=channel, reason=reason,
                           category=category, priority=priority, transcript=transcript,
                           status=TicketStatus.waiting.value)
    try:
        with session.begin_nested():
            session.add(ticket)
    except IntegrityError:
        winner = open_ticket_for(session, conversation_id=conversation_id)
        if winner is None:
            raise
        return winner, False
    return ticket, True


def open_ticket_for(session: Session, *, conversation_id: str) -> HandoffTicket | None:
    """The conversation's ticket that is still waiting or claimed, if any."""
    stmt = (
        select(HandoffTicket)
        .where(HandoffTicket.conversation_id == conversation_id,
               HandoffTicket.status != TicketStatus.closed.value)
        .order_by(HandoffTicket.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def queue_position(session: Session, *, ticket: HandoffTicket) -> int:
    """1-based place in the waiting queue (higher priority first, then oldest first)."""
    ahead = select(func.count(HandoffTicket.id)).where(
        HandoffTicket.status == TicketStatus.waiting.value,
        HandoffTicket.id != ticket.id,
        (HandoffTicket.priority > ticket.priority)
        | ((HandoffTicket.priority == ticket.priority) & (HandoffTicket.id < ticket.id)),
    )
    return int(session.scalar(ahead) or 0) + 1


def list_tickets(
    session: Session, *, status: TicketStatus | None = TicketStatus.waiting, limit: int = 100
) -> list[HandoffTicket]:
    stmt = select(HandoffTicket)
    if status is not None:
        stmt = stmt.where(HandoffTicket.status == status.value)
    stmt = stmt.order_by(HandoffTicket.priority.desc(), HandoffTicket.id).limit(limit)
    return list(session.scalars(stmt))


def get_ticket(session: Session, *, ticket_id: int) -> HandoffTicket | None:
    return session.get(HandoffTicket, ticket_id)


def claim_ticket(session: Session, *, ticket_id: int, agent: str,
                 now: datetime | None = None) -> bool:
    """Claim one ticket. Only one caller can win: ``UPDATE ... WHERE status='waiting'``."""
    result = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status == TicketStatus.waiting.value)
        .values(status=TicketStatus.claimed.value, agent=agent, claimed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def claim_next(session: Session, *, agent: str, now: datetime | None = None,
               attempts: int = 20) -> HandoffTicket | None:
    """Claim the first waiting ticket in queue order, or None when the queue is empty.

    On PostgreSQL the candidate row is locked with ``FOR UPDATE SKIP LOCKED`` so concurrent
    agents pick different rows; everywhere the final compare-and-set guarantees uniqueness.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    for _ in range(attempts):
        stmt = (
            select(HandoffTicket.id)
            .where(HandoffTicket.status == TicketStatus.waiting.value)
            .order_by(HandoffTicket.priority.desc(), HandoffTicket.id)
            .limit(1)
        )
        if postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        ticket_id = session.scalar(stmt)
        if ticket_id is None:
            return None
        if claim_ticket(session, ticket_id=ticket_id, agent=agent, now=now):
            session.flush()
            ticket = session.get(HandoffTicket, ticket_id, populate_existing=True)
            return ticket
    return None


def transfer_ticket(session: Session, *, ticket_id: int, from_agent: str | None,
                    to_agent: str) -> bool:
    """Give a claimed ticket to another agent; False when it is no longer claimed by
    ``from_agent`` (compare-and-set, like a claim)."""
    result = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status == TicketStatus.claimed.value,
               HandoffTicket.agent == from_agent if from_agent is not None
               else HandoffTicket.agent.is_(None))
        .values(agent=to_agent)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def close_ticket(session: Session, *, ticket: HandoffTicket, now: datetime | None = None,
                 resolution: str | None = None, note: str | None = None) -> bool:
    """Close a ticket that is not closed yet: ``UPDATE ... WHERE status != 'closed'``, so of two
    closes at once only one wins (and only the winner tells the citizen)."""
    result = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket.id, HandoffTicket.status != TicketStatus.closed.value)
        .values(status=TicketStatus.closed.value, closed_at=now or utcnow(),
                resolution=resolution, note=note)
        .execution_options(synchronize_session=False)
    )
    session.refresh(ticket)
    return result.rowcount == 1


def load_by_agent(session: Session) -> dict[str, tuple[int, datetime | None]]:
    """Claimed tickets per agent login: (how many, the oldest claim time)."""
    stmt = (select(HandoffTicket.agent, func.count(HandoffTicket.id),
                   func.min(HandoffTicket.claimed_at))
            .where(HandoffTicket.status == TicketStatus.claimed.value,
                   HandoffTicket.agent.is_not(None))
            .group_by(HandoffTicket.agent))
    return {agent: (int(n), oldest) for agent, n, oldest in session.execute(stmt)}


def waiting_stats(session: Session) -> tuple[int, datetime | None]:
    """(waiting tickets, when the oldest of them was opened)."""
    stmt = select(func.count(HandoffTicket.id), func.min(HandoffTicket.created_at)).where(
        HandoffTicket.status == TicketStatus.waiting.value)
    n, oldest = session.execute(stmt).one()
    return int(n or 0), oldest
