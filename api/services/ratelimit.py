"""Per-sender rate limit (sliding minute) and delivery de-duplication: Redis or in-process."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from typing import Protocol

logger = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def allow(self, key: str) -> bool: ...


class Deduplicator(Protocol):
    def first_time(self, key: str) -> bool: ...


class MemoryRateLimiter:
    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] >= self.window:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            if len(self._hits) > 100_000:  # forget idle senders
                for k in [k for k, v in self._hits.items() if not v][:50_000]:
                    del self._hits[k]
            return True


class MemoryDeduplicator:
    def __init__(self, ttl: float = 86_400.0, max_keys: int = 200_000) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (len(self._seen) > self.max_keys
                                  or now - next(iter(self._seen.values())) > self.ttl):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class RedisRateLimiter:
    """Fixed one-minute windows in Redis; fails open (logged) if Redis is unreachable."""

    def __init__(self, client, per_minute: int) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.per_minute = per_minute

    def allow(self, key: str) -> bool:
        bucket = f"api:rl:{key}:{int(time.time() // 60)}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(bucket)
            pipe.expire(bucket, 120)
            count, _ = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - availability beats limiting
            logger.warning("ratelimit.redis_failed: %s", type(exc).__name__)
            return True
        return int(count) <= self.per_minute


class RedisDeduplicator:
    def __init__(self, client, ttl_seconds: int = 86_400) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.ttl = ttl_seconds

    def first_time(self, key: str) -> bool:
        try:
            return bool(self.client.set(f"api:dedup:{key}", "1", nx=True, ex=self.ttl))
        except Exception as exc:  # noqa: BLE001
            logger.warning("dedup.redis_failed: %s", type(exc).__name__)
            return True


def build_address_limiter(redis_url: str | None, per_minute: int) -> RateLimiter:
    """The per-address limiter of the widget routes (keys ``addr:<hash>``)."""
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return RedisRateLimiter(client, per_minute)
    return MemoryRateLimiter(per_minute)


def build_limits(redis_url: str | None, per_minute: int) -> tuple[RateLimiter, Deduplicator]:
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return RedisRateLimiter(client, per_minute), RedisDeduplicator(client)
    return MemoryRateLimiter(per_minute), MemoryDeduplicator()
