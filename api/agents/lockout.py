"""Console login lock-out: failed sign-ins counted per login and per client IP in a sliding
window (default 5 per login, 20 per IP, 15 minutes). A Redis sorted set per key when the API
has a ``redis_url`` (shared by workers; falls back to this process's count if Redis fails),
in-process otherwise."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from api.settings import ApiSettings

logger = logging.getLogger(__name__)


class FailureWindow(Protocol):
    def count(self, key: str) -> int: ...

    def add(self, key: str) -> None: ...


class MemoryFailureWindow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _pruned(self, key: str, now: float) -> deque[float]:
        q = self._hits.setdefault(key, deque())
        while q and now - q[0] >= self.seconds:
            q.popleft()
        return q

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._pruned(key, time.monotonic()))

    def add(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._pruned(key, now).append(now)
            if len(self._hits) > 50_000:  # forget quiet keys
                for k in [k for k, v in self._hits.items() if not v]:
                    del self._hits[k]


class RedisFailureWindow:
    def __init__(self, client, seconds: float, fallback: MemoryFailureWindow,  # type: ignore[no-untyped-def]
                 prefix: str = "api:login-fail:") -> None:
        self.client, self.seconds, self.fallback, self.prefix = client, seconds, fallback, prefix

    def count(self, key: str) -> int:
        now = time.time()
        try:
            pipe = self.client.pipeline()
            pipe.zremrangebyscore(self.prefix + key, 0, now - self.seconds)
            pipe.zcard(self.prefix + key)
            return int(pipe.execute()[1])
        except Exception as exc:  # noqa: BLE001 - count in-process instead, logged
            logger.warning("console.lockout.redis_failed: %s", type(exc).__name__)
            return self.fallback.count(key)

    def add(self, key: str) -> None:
        self.fallback.add(key)  # so a Redis outage does not reset the count
        now = time.time()
        try:
            pipe = self.client.pipeline()
            pipe.zadd(self.prefix + key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.expire(self.prefix + key, int(self.seconds) + 60)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            logger.warning("console.lockout.redis_failed: %s", type(exc).__name__)


@dataclass
class LoginLockout:
    window: FailureWindow
    max_per_login: int
    max_per_ip: int

    def locked(self, *, login: str, ip: str) -> bool:
        return (self.window.count(f"login:{login}") >= self.max_per_login
                or self.window.count(f"ip:{ip}") >= self.max_per_ip)

    def failed(self, *, login: str, ip: str) -> None:
        self.window.add(f"login:{login}")
        self.window.add(f"ip:{ip}")


def build_lockout(settings: ApiSettings) -> LoginLockout:
    seconds = float(settings.login_lockout_seconds)
    window: FailureWindow = MemoryFailureWindow(seconds)
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.5,
                                      socket_connect_timeout=0.5)
        window = RedisFailureWindow(client, seconds, MemoryFailureWindow(seconds))
    return LoginLockout(window, settings.login_max_failures, settings.login_ip_max_failures)
