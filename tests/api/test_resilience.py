"""The API's one retry policy (tenacity) and one circuit breaker (purgatory)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from api.resilience import Breaker, BreakerState, CircuitOpenError, RetryPolicy, send_with_retry


def responses(*items: int | Exception):
    calls: list[int] = []
    queue = list(items)

    def send() -> httpx.Response:
        calls.append(1)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return httpx.Response(item)

    return send, calls


def test_retries_5xx_and_429_with_a_doubling_wait_then_returns_the_answer() -> None:
    send, calls = responses(503, 429, 200)
    waits: list[float] = []
    resp = send_with_retry(send, policy=RetryPolicy(attempts=3, backoff=0.5), event="t",
                           sleep=waits.append)
    assert resp is not None and resp.status_code == 200
    assert len(calls) == 3 and waits == [0.5, 1.0]


def test_gives_the_last_error_status_or_none_after_network_errors() -> None:
    send, calls = responses(500, 502)
    resp = send_with_retry(send, policy=RetryPolicy(attempts=2, backoff=0), event="t",
                           sleep=lambda _s: None)
    assert resp is not None and resp.status_code == 502 and len(calls) == 2
    boom = httpx.ConnectError("down")
    send, calls = responses(boom, boom, boom)
    assert send_with_retry(send, policy=RetryPolicy(attempts=3, backoff=0), event="t",
                           sleep=lambda _s: None) is None
    assert len(calls) == 3


def test_a_client_error_is_an_answer_not_retried() -> None:
    send, calls = responses(400, 200)
    resp = send_with_retry(send, policy=RetryPolicy(attempts=3), event="t", sleep=lambda _s: None)
    assert resp is not None and resp.status_code == 400 and len(calls) == 1


def fail(breaker: Breaker) -> None:
    with pytest.raises(ValueError), breaker.guard():
        raise ValueError("upstream down")


def test_the_breaker_opens_fails_fast_and_recovers_after_its_cooldown() -> None:
    breaker = Breaker("test.sync", failures=2, cooldown=0.2)
    fail(breaker)
    assert breaker.state is BreakerState.closed
    fail(breaker)
    assert breaker.state is BreakerState.open
    ran = []
    with pytest.raises(CircuitOpenError), breaker.guard():
        ran.append(1)
    assert ran == []
    time.sleep(0.25)
    assert breaker.state is BreakerState.half_open
    fail(breaker)  # the trial failed: open again at once, not after two more failures
    assert breaker.state is BreakerState.open
    time.sleep(0.25)
    with breaker.guard():
        ran.append(1)
    assert ran == [1] and breaker.state is BreakerState.closed


def test_the_breaker_guards_coroutines_too() -> None:
    breaker = Breaker("test.async", failures=1, cooldown=30)

    async def scenario() -> list[str]:
        seen = []
        with pytest.raises(RuntimeError):
            async with breaker.aguard():
                raise RuntimeError("rasa down")
        try:
            async with breaker.aguard():
                seen.append("called")
        except CircuitOpenError:
            seen.append("fast")
        return seen

    assert asyncio.run(scenario()) == ["fast"]
    assert breaker.state is BreakerState.open
