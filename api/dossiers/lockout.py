"""Guess budgets for the verified lookup, reserved atomically before the factor is checked.

An attempt is counted under several keys at once: the dossier code (whoever asks), the hashed
sender and the hashed client address. A lookup first *reserves* one attempt under every key;
the reservation fails, and nothing is counted, when any key has used its budget within the
window. Only then is the factor checked. A lookup that finds the dossier, or that made no
guess (an invalid code, no factor, the source down), releases its reservation; a wrong factor
or an unknown code keeps it. So concurrent requests can never verify more guesses than the
budget, and rotating sender ids or addresses does not open a code: at most ``limit`` guesses
per code per window.

- ``RedisAttemptGuard`` (``API_REDIS_URL`` set): one Lua script checks and adds over all keys
  atomically, shared by every worker; if Redis fails it falls back to the SQL guard.
- ``SqlAttemptGuard``: rows in ``dossier_attempts``; on PostgreSQL the keys are locked with
  transaction advisory locks (every worker), on SQLite a process lock serialises reservations
  (one process: the newcomer's default).
- ``MemoryAttemptGuard``: one process, for tests.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.dossiers.models import DossierAttempt

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` kept attempts under ``key`` within the guard's window."""

    key: str
    limit: int


@dataclass(frozen=True)
class Reservation:
    token: str
    keys: tuple[str, ...]
    # attempts under each key, this one included
    counts: dict[str, int] = field(default_factory=dict)

    def remaining(self, budgets: Sequence[Budget]) -> int:
        """Attempts left after this one if it is kept (the tightest budget)."""
        return max(min(b.limit - self.counts.get(b.key, 0) for b in budgets), 0)


class AttemptGuard(Protocol):
    window: float

    def reserve(self, budgets: Sequence[Budget]) -> Reservation | None:
        """One attempt under every budget's key, or None (nothing reserved) when a budget is
        used up."""
        ...

    def release(self, reservation: Reservation) -> None:
        """Forget a reservation: the attempt made no guess, or it succeeded."""
        ...


def _token() -> str:
    return uuid.uuid4().hex


class MemoryAttemptGuard:
    def __init__(self, window_seconds: float = 3600.0) -> None:
        self.window = window_seconds
        self._hits: dict[str, deque[tuple[float, str]]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> deque[tuple[float, str]]:
        q = self._hits.setdefault(key, deque())
        while q and now - q[0][0] >= self.window:
            q.popleft()
        return q

    def reserve(self, budgets: Sequence[Budget]) -> Reservation | None:
        now = time.monotonic()
        with self._lock:
            queues = {b.key: self._live(b.key, now) for b in budgets}
            if any(len(queues[b.key]) >= b.limit for b in budgets):
                return None
            token = _token()
            for q in queues.values():
                q.append((now, token))
            return Reservation(token, tuple(queues), {k: len(q) for k, q in queues.items()})

    def release(self, reservation: Reservation) -> None:
        with self._lock:
            for key in reservation.keys:
                q = self._hits.get(key)
                if q:
                    self._hits[key] = deque(h for h in q if h[1] != reservation.token)


class SqlAttemptGuard:
    def __init__(self, session_factory: sessionmaker[Session],
                 window_seconds: float = 3600.0) -> None:
        self._sessions = session_factory
        self.window = window_seconds
        self._process_lock = threading.Lock()

    def reserve(self, budgets: Sequence[Budget]) -> Reservation | None:
        since = datetime.now(timezone.utc) - timedelta(seconds=self.window)
        keys = sorted({b.key for b in budgets})
        with self._process_lock, self._sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                for key in keys:  # sorted: two reservations never wait on each other
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                    {"k": zlib.crc32(key.encode()) - 2**31})
            counts = dict(session.execute(
                select(DossierAttempt.key, func.count(DossierAttempt.id))
                .where(DossierAttempt.key.in_(keys), DossierAttempt.at >= since)
                .group_by(DossierAttempt.key)).all())
            if any(counts.get(b.key, 0) >= b.limit for b in budgets):
                session.rollback()
                return None
            token = _token()
            session.add_all([DossierAttempt(key=k, token=token) for k in keys])
            session.commit()
        return Reservation(token, tuple(keys), {k: counts.get(k, 0) + 1 for k in keys})

    def release(self, reservation: Reservation) -> None:
        with self._sessions() as session:
            session.execute(delete(DossierAttempt).where(
                DossierAttempt.token == reservation.token))
            session.commit()

    def purge(self) -> int:
        """Delete attempts older than the window; returns how many."""
        since = datetime.now(timezone.utc) - timedelta(seconds=self.window)
        with self._sessions() as session:
            n = session.execute(delete(DossierAttempt).where(DossierAttempt.at < since)).rowcount
            session.commit()
        return int(n or 0)


# KEYS: the budget keys; ARGV: now, window, token, then one limit per key.
# Returns the counts (this attempt included), or an empty list when a budget is used up.
_RESERVE_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= tonumber(ARGV[3 + i]) then return {} end
  counts[i] = n + 1
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('EXPIRE', key, math.ceil(window) + 60)
end
return counts
"""


class RedisAttemptGuard:
    """Sorted sets per key (member = reservation token, score = time). If Redis is
    unreachable the guard falls back to ``fallback``, so guesses are never unlimited."""

    def __init__(self, client, fallback: AttemptGuard,  # type: ignore[no-untyped-def]
                 window_seconds: float = 3600.0, prefix: str = "api:dossier-attempts:") -> None:
        self.client = client
        self.fallback = fallback
        self.window = window_seconds
        self.prefix = prefix
        self._script = client.register_script(_RESERVE_LUA)

    def reserve(self, budgets: Sequence[Budget]) -> Reservation | None:
        keys = [self.prefix + b.key for b in budgets]
        token = _token()
        try:
            counts = self._script(keys=keys, args=[time.time(), self.window, token,
                                                   *[b.limit for b in budgets]])
        except Exception as exc:  # noqa: BLE001 - fall back to the SQL guard, logged
            logger.warning("dossiers.attempts.redis_failed: %s", type(exc).__name__)
            return self.fallback.reserve(budgets)
        if not counts:
            return None
        return Reservation(token, tuple(b.key for b in budgets),
                           {b.key: int(c) for b, c in zip(budgets, counts)})

    def release(self, reservation: Reservation) -> None:
        try:
            pipe = self.client.pipeline()
            for key in reservation.keys:
                pipe.zrem(self.prefix + key, reservation.token)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            logger.warning("dossiers.attempts.redis_failed: %s", type(exc).__name__)
        self.fallback.release(reservation)  # a fallback reservation has the same token
