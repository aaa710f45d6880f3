"""The office dashboard's numbers over a date range, per channel and per field (lĩnh vực).

Every figure is one grouped SQL query over an indexed time column (migration 0008 adds the
covering indexes; ``benchmarks/bench_office.py`` measures them over a million messages). The
field of a message is its procedure's field in the loaded catalogue: the SQL groups by
procedure id and the fields are folded here, so no catalogue table is needed in the database.
Percentiles run in PostgreSQL (``percentile_cont``) and, on SQLite, over the fetched waits.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from api.db.models import Conversation, HandoffTicket, Message, Role
from api.db.office import AnswerFeedback, CsatRating, Outcome, PaknCase, PaknStatus

OUTCOMES = [o.value for o in Outcome]
RATED = [Outcome.answered.value, Outcome.clarified.value, Outcome.abstained.value,
         Outcome.handed_off.value]
OPEN_PAKN = [PaknStatus.received.value, PaknStatus.forwarded.value]
TOP_N = 10


@dataclass(frozen=True)
class Range:
    """``start`` and ``end`` are UTC days, both inclusive."""

    start: date
    end: date
    channel: str | None = None
    field: str | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.utc)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.utc)


def procedure_fields(procedures: Mapping[str, Any]) -> dict[str, str]:
    """procedure id -> its field (lĩnh vực), from the loaded catalogue."""
    return {pid: p.field for pid, p in procedures.items()}


class Dashboard:
    """The dashboard's queries for one range; ``fields`` maps procedure ids to fields and
    ``names`` to their names (both from the catalogue)."""

    def __init__(self, db: Session, rng: Range, *, fields: Mapping[str, str],
                 names: Mapping[str, str] | None = None, now: datetime | None = None) -> None:
        self.db = db
        self.rng = rng
        self.fields = fields
        self.names = names or {}
        self.now = now or datetime.now(timezone.utc)
        self.field_ids = ([pid for pid, f in fields.items() if f == rng.field]
                          if rng.field else None)

    # -- filters ----------------------------------------------------------------------------
    def _in_range(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.rng.since, column < self.rng.until)

    def _messages(self, *columns: Any, role: Role | None = None) -> Select[Any]:
        stmt = select(*columns).select_from(Message).where(self._in_range(Message.created_at))
        if role is not None:
            stmt = stmt.where(Message.role == role.value)
        if self.rng.channel:
            stmt = stmt.join(Conversation, Conversation.id == Message.conversation_id).where(
                Conversation.channel == self.rng.channel)
        if self.field_ids is not None:
            stmt = stmt.where(Message.procedure.in_(self.field_ids))
        return stmt

    def _channel(self, stmt: Select[Any], column: Any) -> Select[Any]:
        return stmt.where(column == self.rng.channel) if self.rng.channel else stmt

    def _field(self, stmt: Select[Any], column: Any) -> Select[Any]:
        return stmt.where(column.in_(self.field_ids)) if self.field_ids is not None else stmt

    # -- figures ----------------------------------------------------------------------------
    def volume(self) -> dict[str, Any]:
        """Conversations started and messages sent, in all and per channel."""
        conv = select(Conversation.channel, func.count()).where(
            self._in_range(Conversation.created_at)).group_by(Conversation.channel)
        conv = self._channel(conv, Conversation.channel)
        if self.field_ids is not None:  # conversations that touched a procedure of the field
            touched = select(Message.conversation_id).where(
                self._in_range(Message.created_at), Message.role == Role.bot.value,
                Message.procedure.in_(self.field_ids))
            conv = conv.where(Conversation.id.in_(touched))
        conversations = {ch: int(n) for ch, n in self.db.execute(conv)}
        msg = (select(Conversation.channel, Message.role, func.count())
               .select_from(Message)
               .join(Conversation, Conversation.id == Message.conversation_id)
               .where(self._in_range(Message.created_at))
               .group_by(Conversation.channel, Message.role))
        msg = self._field(self._channel(msg, Conversation.channel), Message.procedure)
        messages: dict[str, dict[str, int]] = defaultdict(dict)
        for ch, role, n in self.db.execute(msg):
            messages[ch][role] = int(n)
        channels = sorted(set(conversations) | set(messages))
        return {
            "conversations": sum(conversations.values()),
            "messages": sum(sum(r.values()) for r in messages.values()),
            "by_channel": [{"channel": ch, "conversations": conversations.get(ch, 0),
                            "messages": sum(messages.get(ch, {}).values()),
                            "citizen_messages": messages.get(ch, {}).get(Role.citizen.value, 0)}
                           for ch in channels],
        }

    def outcomes(self) -> dict[str, Any]:
        """Bot turns by outcome; the rates are over turns that answered, clarified, abstained
        or handed off (greetings and forms are ``other``)."""
        rows = self.db.execute(self._messages(Message.outcome, func.count(), role=Role.bot)
                               .where(Message.outcome.is_not(None))
                               .group_by(Message.outcome)).all()
        counts = {o: 0 for o in OUTCOMES} | {str(o): int(n) for o, n in rows}
        rated = sum(counts[o] for o in RATED)
        return {"counts": counts, "rated_turns": rated,
                "rates": {o: (counts[o] / rated if rated else None) for o in RATED}}

    def procedures(self) -> dict[str, Any]:
        """Top procedures, top aspects and the turns per field."""
        rows = self.db.execute(self._messages(Message.procedure, func.count(), role=Role.bot)
                               .where(Message.procedure.is_not(None))
                               .group_by(Message.procedure)).all()
        per_procedure = Counter({str(p): int(n) for p, n in rows})
        per_field: Counter[str] = Counter()
        for pid, n in per_procedure.items():
            per_field[self.fields.get(pid, "(not in the catalogue)")] += n
        aspects = self.db.execute(self._messages(Message.aspect, func.count(), role=Role.bot)
                                  .where(Message.aspect.is_not(None))
                                  .group_by(Message.aspect)).all()
        return {
            "top_procedures": [{"procedure": pid, "name": self.names.get(pid, pid),
                                "field": self.fields.get(pid), "turns": n}
                               for pid, n in per_procedure.most_common(TOP_N)],
            "top_aspects": [{"aspect": str(a), "turns": int(n)}
                            for a, n in sorted(aspects, key=lambda r: (-r[1], str(r[0])))][:TOP_N],
            "by_field": [{"field": f, "turns": n} for f, n in per_field.most_common()],
        }

    def helpful(self) -> list[dict[str, Any]]:
        """Helpful-answer rate per procedure (answer feedback)."""
        yes = func.sum(case((AnswerFeedback.helpful.is_(True), 1), else_=0))
        stmt = (select(AnswerFeedback.procedure, func.count(), yes)
                .where(self._in_range(AnswerFeedback.created_at))
                .group_by(AnswerFeedback.procedure))
        stmt = self._field(self._channel(stmt, AnswerFeedback.channel), AnswerFeedback.procedure)
        out = [{"procedure": p, "name": self.names.get(p, p) if p else None,
                "votes": int(n), "helpful": int(y or 0), "not_helpful": int(n) - int(y or 0),
                "rate": (int(y or 0) / int(n)) if n else None}
               for p, n, y in self.db.execute(stmt)]
        return sorted(out, key=lambda r: (-r["votes"], str(r["procedure"])))

    def csat(self) -> dict[str, Any]:
        stmt = (select(CsatRating.score, func.count())
                .where(self._in_range(CsatRating.asked_at)).group_by(CsatRating.score))
        stmt = self._channel(stmt, CsatRating.channel)
        dist = {s: 0 for s in range(1, 6)}
        asked = 0
        for score, n in self.db.execute(stmt):
            asked += int(n)
            if score is not None:
                dist[int(score)] = int(n)
        answered = sum(dist.values())
        mean = sum(s * n for s, n in dist.items()) / answered if answered else None
        return {"asked": asked, "answered": answered, "mean": mean,
                "distribution": [{"score": s, "count": n} for s, n in dist.items()]}

    def waiting(self) -> dict[str, Any]:
        """Seconds from a ticket's creation to its claim, for tickets created in the range."""
        where = [self._in_range(HandoffTicket.created_at), HandoffTicket.claimed_at.is_not(None)]
        if self.rng.channel:
            where.append(HandoffTicket.channel == self.rng.channel)
        if self.db.get_bind().dialect.name == "postgresql":
            wait = func.extract("epoch", HandoffTicket.claimed_at - HandoffTicket.created_at)
            row = self.db.execute(select(
                func.count(),
                func.percentile_cont(0.5).within_group(wait),
                func.percentile_cont(0.9).within_group(wait)).where(*where)).one()
            n, p50, p90 = int(row[0]), row[1], row[2]
        else:
            waits = sorted(
                (_aware(c) - _aware(s)).total_seconds() for s, c in self.db.execute(
                    select(HandoffTicket.created_at, HandoffTicket.claimed_at).where(*where)))
            n, p50, p90 = len(waits), _percentile(waits, 0.5), _percentile(waits, 0.9)
        return {"claimed": n, "p50_seconds": _round(p50), "p90_seconds": _round(p90)}

    def tickets(self) -> list[dict[str, Any]]:
        stmt = (select(HandoffTicket.category, func.count())
                .where(self._in_range(HandoffTicket.created_at))
                .group_by(HandoffTicket.category))
        stmt = self._channel(stmt, HandoffTicket.channel)
        return sorted(({"category": c or "(none)", "tickets": int(n)}
                       for c, n in self.db.execute(stmt)), key=lambda r: -r["tickets"])

    def pakn(self) -> dict[str, Any]:
        overdue = func.sum(case((and_(PaknCase.status.in_(OPEN_PAKN),
                                      PaknCase.due_at < self.now), 1), else_=0))
        stmt = (select(PaknCase.status, func.count(), overdue)
                .where(self._in_range(PaknCase.created_at)).group_by(PaknCase.status))
        stmt = self._field(self._channel(stmt, PaknCase.channel), PaknCase.procedure)
        by_status = {s.value: 0 for s in PaknStatus}
        late = 0
        for status, n, o in self.db.execute(stmt):
            by_status[str(status)] = int(n)
            late += int(o or 0)
        return {"total": sum(by_status.values()), "overdue": late,
                "by_status": [{"status": s, "cases": n} for s, n in by_status.items()]}

    def all(self) -> dict[str, Any]:
        return {"range": {"start": self.rng.start.isoformat(), "end": self.rng.end.isoformat(),
                          "channel": self.rng.channel, "field": self.rng.field,
                          # CSAT, waits and tickets carry no procedure: a field does not filter them
                          "field_applies_to": ["volume", "outcomes", "procedures", "helpful",
                                               "pakn"]},
                "volume": self.volume(), "outcomes": self.outcomes(),
                "procedures": self.procedures(), "helpful": self.helpful(),
                "csat": self.csat(), "waiting": self.waiting(), "tickets": self.tickets(),
                "pakn": self.pakn(), "generated_at": self.now.isoformat()}


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's ``percentile_cont``)."""
    if not values:
        return None
    pos = (len(values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
