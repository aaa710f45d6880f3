"""Guess budgets for the verified lookup, reserved atomically before the factor is checked.

An attempt is counted under the dossier code (whoever asks), the hashed sender and the hashed
client address (``api.services.attempts``: reserve before the check, release when the lookup
found the dossier or made no guess). So concurrent requests can never verify more guesses
than the budget, and rotating sender ids or addresses does not open a code: at most ``limit``
guesses per code per window.

- ``RedisAttemptGuard`` (``API_REDIS_URL`` set), falling back to the SQL guard.
- ``SqlAttemptGuard``: rows in ``dossier_attempts``; on PostgreSQL the keys are locked with
  transaction advisory locks (every worker), on SQLite a process lock serialises reservations
  (one process: the newcomer's default).
"""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.dossiers.models import DossierAttempt
from api.services.attempts import (
    AttemptGuard,
    Budget,
    MemoryAttemptGuard,
    RedisAttemptGuard,
    Reservation,
)

__all__ = ["AttemptGuard", "Budget", "MemoryAttemptGuard", "RedisAttemptGuard", "Reservation",
           "SqlAttemptGuard", "DOSSIER_PREFIX"]

DOSSIER_PREFIX = "api:dossier-attempts:"


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
            token = uuid.uuid4().hex
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
