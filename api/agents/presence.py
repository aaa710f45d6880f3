"""Which agents have the console open: one mark per open agent event stream.

In-process counts by default; with ``API_REDIS_URL`` a sorted set shared by the workers, one
member per open stream, scored with the time it expires at (a stream lasts at most
``API_SSE_MAX_SECONDS``), so a worker that dies leaves no agent "online" for long.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from api.settings import ApiSettings

logger = logging.getLogger(__name__)


class Presence(Protocol):
    def hold(self, login: str) -> AbstractContextManager[bool]: ...

    def online(self) -> set[str]: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, login: str) -> Iterator[bool]:
        with self._lock:
            self._open[login] += 1
        try:
            yield True
        finally:
            with self._lock:
                self._open[login] -= 1
                if self._open[login] <= 0:
                    del self._open[login]

    def online(self) -> set[str]:
        with self._lock:
            return set(self._open)


class RedisPresence:
    KEY = "api:agents-online"

    def __init__(self, client, ttl_seconds: float, fallback: MemoryPresence) -> None:  # type: ignore[no-untyped-def]
        self.client, self.ttl, self.fallback = client, ttl_seconds, fallback

    @contextmanager
    def hold(self, login: str) -> Iterator[bool]:
        member = f"{login}:{uuid.uuid4().hex[:12]}"
        try:
            self.client.zadd(self.KEY, {member: time.time() + self.ttl})
        except Exception as exc:  # noqa: BLE001 - presence is a hint; the stream goes on
            logger.warning("agents.presence.redis_failed: %s", type(exc).__name__)
        with self.fallback.hold(login):
            try:
                yield True
            finally:
                try:
                    self.client.zrem(self.KEY, member)
                except Exception as exc:  # noqa: BLE001
                    logger.warning("agents.presence.redis_failed: %s", type(exc).__name__)

    def online(self) -> set[str]:
        try:
            self.client.zremrangebyscore(self.KEY, 0, time.time())
            members = self.client.zrange(self.KEY, 0, -1)
        except Exception as exc:  # noqa: BLE001
            logger.warning("agents.presence.redis_failed: %s", type(exc).__name__)
            return self.fallback.online()
        return {(m.decode() if isinstance(m, bytes) else m).rsplit(":", 1)[0] for m in members}


def build_presence(settings: ApiSettings) -> MemoryPresence | RedisPresence:
    memory = MemoryPresence()
    if not settings.redis_url:
        return memory
    import redis

    client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.5,
                                  socket_connect_timeout=0.5)
    return RedisPresence(client, settings.sse_max_seconds + 60, memory)
