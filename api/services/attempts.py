"""Attempt budgets, reserved atomically before the thing they guard is checked.

An attempt is counted under several keys at once (a dossier code and a sender, a login and an
address…). ``reserve`` takes one attempt under every key, or nothing at all when any key has
used its budget within the window; the caller then checks (a factor, a password) and
``release``s the reservation when the attempt should not count (it succeeded, or made no
guess). Concurrent requests can therefore never check more attempts than the budget.

- ``RedisAttemptGuard``: one Lua script checks and adds over all keys atomically, shared by
  every worker; if Redis fails it falls back to another guard, so attempts are never
  unlimited.
- ``MemoryAttemptGuard``: one process.

Used by the dossier lookup (``api.dossiers.lockout``, which adds a database guard) and the
console sign-in (``api.agents.lockout``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

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
            if len(self._hits) > 50_000:  # forget quiet keys
                for k in [k for k, v in self._hits.items() if not v]:
                    del self._hits[k]
            return Reservation(token, tuple(queues), {k: len(q) for k, q in queues.items()})

    def release(self, reservation: Reservation) -> None:
        with self._lock:
            for key in reservation.keys:
                q = self._hits.get(key)
                if q:
                    self._hits[key] = deque(h for h in q if h[1] != reservation.token)


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
    """Sorted sets per key (member = reservation token, score = time), under ``prefix``.
    If Redis is unreachable the guard falls back to ``fallback``."""

    def __init__(self, client, fallback: AttemptGuard,  # type: ignore[no-untyped-def]
                 window_seconds: float = 3600.0, prefix: str = "api:attempts:") -> None:
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
            logger.warning("attempts.redis_failed: %s", type(exc).__name__)
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
            logger.warning("attempts.redis_failed: %s", type(exc).__name__)
        self.fallback.release(reservation)  # a fallback reservation has the same token
