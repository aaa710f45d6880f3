"""Failed verifications per sender in a sliding window (default: 5 per hour).

``RedisFailureCounter`` when the API has a ``redis_url`` (shared by all workers);
otherwise ``AuditFailureCounter`` counts the ``wrong_factor`` rows of the audit log, which is
shared by workers too and survives restarts. ``MemoryFailureCounter`` is for one process.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.dossiers.models import DossierLookupAudit

logger = logging.getLogger(__name__)

WRONG_FACTOR = "wrong_factor"


class FailureCounter(Protocol):
    def failures(self, actor: str) -> int:
        """Failures of this actor within the window."""
        ...

    def record_failure(self, actor: str) -> int:
        """Note one failure (already in the audit log); returns the count including it."""
        ...


class MemoryFailureCounter:
    def __init__(self, window_seconds: float = 3600.0) -> None:
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, actor: str, now: float) -> deque[float]:
        q = self._hits.setdefault(actor, deque())
        while q and now - q[0] >= self.window:
            q.popleft()
        return q

    def failures(self, actor: str) -> int:
        with self._lock:
            return len(self._prune(actor, time.monotonic()))

    def record_failure(self, actor: str) -> int:
        now = time.monotonic()
        with self._lock:
            q = self._prune(actor, now)
            q.append(now)
            return len(q)


class AuditFailureCounter:
    """Counts ``wrong_factor`` audit rows; ``record_failure`` relies on the service writing
    the audit row (the count is read after that write)."""

    def __init__(self, session_factory: sessionmaker[Session],
                 window_seconds: float = 3600.0) -> None:
        self._sessions = session_factory
        self.window = window_seconds

    def failures(self, actor: str) -> int:
        since = datetime.now(timezone.utc) - timedelta(seconds=self.window)
        stmt = select(func.count(DossierLookupAudit.id)).where(
            DossierLookupAudit.actor == actor, DossierLookupAudit.outcome == WRONG_FACTOR,
            DossierLookupAudit.at >= since)
        with self._sessions() as session:
            return int(session.scalar(stmt) or 0)

    def record_failure(self, actor: str) -> int:
        return self.failures(actor)


class RedisFailureCounter:
    """A sorted set per actor (member per failure, score = time). If Redis is unreachable the
    count falls back to ``fallback`` (the audit log), so guesses are never unlimited."""

    def __init__(self, client, fallback: FailureCounter,  # type: ignore[no-untyped-def]
                 window_seconds: float = 3600.0, prefix: str = "api:dossier-fail:") -> None:
        self.client = client
        self.fallback = fallback
        self.window = window_seconds
        self.prefix = prefix

    def _key(self, actor: str) -> str:
        return self.prefix + actor

    def failures(self, actor: str) -> int:
        now = time.time()
        try:
            pipe = self.client.pipeline()
            pipe.zremrangebyscore(self._key(actor), 0, now - self.window)
            pipe.zcard(self._key(actor))
            _, count = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - fall back to the audit log, logged
            logger.warning("dossiers.lockout.redis_failed: %s", type(exc).__name__)
            return self.fallback.failures(actor)
        return int(count)

    def record_failure(self, actor: str) -> int:
        now = time.time()
        key = self._key(actor)
        try:
            pipe = self.client.pipeline()
            pipe.zadd(key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.zremrangebyscore(key, 0, now - self.window)
            pipe.zcard(key)
            pipe.expire(key, int(self.window) + 60)
            _, _, count, _ = pipe.execute()
        except Exception as exc:  # noqa: BLE001
            logger.warning("dossiers.lockout.redis_failed: %s", type(exc).__name__)
            return self.fallback.record_failure(actor)
        return int(count)
