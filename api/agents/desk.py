"""What a signed-in agent may do with a ticket, and the audit row of every attempt.

Rules: anyone on the desk may list and read tickets; an agent claims a waiting ticket, and
replies to, transfers or closes only a ticket it holds (403 otherwise); a supervisor may take
over, transfer (reassign) or close any open ticket. The lifecycle itself is
``api.services.handoff.HandoffService``; this layer checks the rule, writes
``agent_audit`` (who, what, which ticket, when, outcome) and calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.agents import store
from api.agents.auth import Principal
from api.db.models import HandoffTicket, TicketStatus
from api.errors import ApiError, ConflictError, ForbiddenError, NotFoundError
from api.schemas.handoff import ReplyPublic, TicketPublic, TranscriptPublic
from api.services.handoff import HandoffService


@dataclass
class AgentDesk:
    handoff: HandoffService
    agent: Principal

    # -- reading -----------------------------------------------------------------------------
    def transcript(self, *, ticket_id: int) -> TranscriptPublic:
        result = self.handoff.transcript(ticket_id=ticket_id)
        self._record("view", ticket_id=ticket_id, conversation_id=result.ticket.conversation_id)
        self.handoff.session.commit()
        return result

    # -- acting ------------------------------------------------------------------------------
    def claim_next(self) -> TicketPublic | None:
        ticket = self.handoff.claim_next(agent=self.agent.login)
        if ticket is None:
            self._record("claim_next", outcome="empty")
        else:
            self._record("claim", ticket_id=ticket.id, conversation_id=ticket.conversation_id,
                         detail={"next": True})
        self.handoff.session.commit()
        return ticket

    def claim(self, *, ticket_id: int) -> TicketPublic:
        ticket = self._ticket(ticket_id)
        return self._attempt("claim", ticket, lambda: self.handoff.claim(
            ticket_id=ticket_id, agent=self.agent.login))

    def reply(self, *, ticket_id: int, text: str) -> ReplyPublic:
        ticket = self._ticket(ticket_id)
        if ticket.status == TicketStatus.claimed.value and ticket.agent != self.agent.login:
            self._deny("reply", ticket, "Ticket {id} is held by another agent"
                       + (" (take it over first)." if self.agent.is_supervisor else "."))
        return self._attempt("reply", ticket, lambda: self.handoff.reply(
            ticket_id=ticket_id, agent=self.agent.login, text=text),
            detail={"chars": len(text)})

    def transfer(self, *, ticket_id: int, to_login: str) -> TicketPublic:
        ticket = self._ticket(ticket_id)
        self._own_or_supervise("transfer", ticket)
        target = store.get_agent(self.handoff.session, login=to_login)
        if target is None or not target.active or target.role not in {"agent", "supervisor"}:
            self._record("transfer", ticket=ticket, outcome="refused", detail={"to": to_login})
            self.handoff.session.commit()
            raise NotFoundError(f"No active agent has the login {to_login!r}.")
        holder = None if self.agent.is_supervisor else self.agent.login
        return self._attempt("transfer", ticket, lambda: self.handoff.transfer(
            ticket_id=ticket_id, to_agent=target.login, holder=holder),
            detail={"from": ticket.agent, "to": target.login})

    def takeover(self, *, ticket_id: int) -> TicketPublic:
        """A supervisor takes a claimed ticket (or claims a waiting one) for themself."""
        ticket = self._ticket(ticket_id)
        if not self.agent.is_supervisor:
            self._deny("takeover", ticket, "Only a supervisor can take over a ticket.")
        if ticket.status == TicketStatus.waiting.value:
            return self._attempt("takeover", ticket, lambda: self.handoff.claim(
                ticket_id=ticket_id, agent=self.agent.login))
        return self._attempt("takeover", ticket, lambda: self.handoff.transfer(
            ticket_id=ticket_id, to_agent=self.agent.login), detail={"from": ticket.agent})

    def close(self, *, ticket_id: int, resolution: str, note: str | None) -> TicketPublic:
        ticket = self._ticket(ticket_id)
        self._own_or_supervise("close", ticket)
        return self._attempt("close", ticket, lambda: self.handoff.close(
            ticket_id=ticket_id, resolution=resolution, note=note),
            detail={"resolution": resolution})

    # -- steps -------------------------------------------------------------------------------
    def _ticket(self, ticket_id: int) -> HandoffTicket:
        ticket = self.handoff.session.get(HandoffTicket, ticket_id)
        if ticket is None:
            raise NotFoundError(f"Ticket {ticket_id} does not exist.")
        return ticket

    def _own_or_supervise(self, action: str, ticket: HandoffTicket) -> None:
        if self.agent.is_supervisor or ticket.agent == self.agent.login:
            return
        if ticket.status == TicketStatus.waiting.value:
            self._record(action, ticket=ticket, outcome="conflict")
            self.handoff.session.commit()
            raise ConflictError(f"Ticket {ticket.id} is waiting, not claimed; claim it first.")
        self._deny(action, ticket, "Ticket {id} is held by another agent.")

    def _attempt(self, action: str, ticket: HandoffTicket, run: Any,
                 detail: dict[str, Any] | None = None) -> Any:
        ref = (ticket.id, ticket.conversation_id)
        self._record(action, ticket=ticket, detail=detail)  # committed with the change
        try:
            return run()
        except ApiError as exc:
            session = self.handoff.session
            session.rollback()
            outcome = "conflict" if isinstance(exc, ConflictError) else "failed"
            self._record(action, ticket_id=ref[0], conversation_id=ref[1], outcome=outcome,
                         detail=detail)
            session.commit()
            raise

    def _deny(self, action: str, ticket: HandoffTicket, message: str) -> None:
        self._record(action, ticket=ticket, outcome="denied", detail={"holder": ticket.agent})
        self.handoff.session.commit()
        raise ForbiddenError(message.format(id=ticket.id))

    def _record(self, action: str, *, ticket: HandoffTicket | None = None,
                ticket_id: int | None = None, conversation_id: str | None = None,
                outcome: str = "ok", detail: dict[str, Any] | None = None) -> None:
        if ticket is not None:
            ticket_id, conversation_id = ticket.id, ticket.conversation_id
        store.audit(self.handoff.session, agent=self.agent.login, action=action,
                    ticket_id=ticket_id, conversation_id=conversation_id, outcome=outcome,
                    detail={**(detail or {}), "via": self.agent.via},
                    at=self.handoff.clock())
