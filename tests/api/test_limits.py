"""Rate limiting and de-duplication, in process and in Redis (local server when reachable)."""

from __future__ import annotations

import os
import uuid

import pytest

from api.services.ratelimit import (
    MemoryDeduplicator,
    MemoryRateLimiter,
    RedisDeduplicator,
    RedisRateLimiter,
)

REDIS_URL = os.environ.get("API_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_memory_rate_limiter_window() -> None:
    lim = MemoryRateLimiter(3, window=60)
    assert [lim.allow("a") for _ in range(4)] == [True, True, True, False]
    assert lim.allow("b")
    short = MemoryRateLimiter(1, window=0.0)
    assert short.allow("a") and short.allow("a")  # window elapsed at once


def test_memory_dedup() -> None:
    d = MemoryDeduplicator(max_keys=2)
    assert d.first_time("m1") and not d.first_time("m1")
    d.first_time("m2"), d.first_time("m3")
    assert d.first_time("m1")  # evicted beyond max_keys


@pytest.fixture
def redis_client():  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis at {REDIS_URL} unreachable under CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable")
    yield client
    client.close()


def test_redis_rate_limit_and_dedup(redis_client) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4().hex
    lim = RedisRateLimiter(redis_client, 2)
    assert [lim.allow(key) for _ in range(3)] == [True, True, False]
    d = RedisDeduplicator(redis_client, ttl_seconds=30)
    assert d.first_time(key) and not d.first_time(key)


def test_redis_down_fails_open() -> None:
    import redis

    dead = redis.Redis.from_url("redis://127.0.0.1:9/0", socket_timeout=0.2,
                                socket_connect_timeout=0.2)
    assert RedisRateLimiter(dead, 1).allow("x") and RedisDeduplicator(dead).first_time("x")
