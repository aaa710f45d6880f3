"""The API's one retry policy and one circuit breaker, for every outbound call.

Retries are tenacity's (``stop_after_attempt`` and an exponential wait); circuits are
purgatory's (a threshold of consecutive failures opens the circuit for a cool-down, calls then
fail fast; after it the next call is let through, and one failure opens it again). Chat
platforms, Zalo's token refresh and the dossier upstream use ``send_with_retry``; the dossier
upstream and Rasa sit behind a ``Breaker``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from enum import Enum

import httpx
import tenacity
from purgatory import AsyncCircuitBreakerFactory, SyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

logger = logging.getLogger(__name__)


# -- retry -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff: float = 0.5  # seconds before the 2nd attempt; doubles each time


def retryable(resp: httpx.Response | None) -> bool:
    """5xx and 429 are worth another try; anything else is an answer."""
    return resp is not None and (resp.status_code >= 500 or resp.status_code == 429)


def send_with_retry(
    send: Callable[[], httpx.Response], *, policy: RetryPolicy, event: str,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response | None:
    """Call ``send`` until it returns a response that is not 5xx/429 or attempts run out.

    Returns the last response (possibly an error status) or None when every attempt failed at
    the network level. ``event`` prefixes the log lines (``zalo.send``, ``messenger.send``).
    """

    def log_attempt(state: tenacity.RetryCallState) -> None:
        outcome = state.outcome
        if outcome is not None and outcome.failed:
            logger.warning("%s.network_error attempt=%d: %s", event, state.attempt_number,
                           type(outcome.exception()).__name__)
        elif outcome is not None:
            logger.warning("%s.retryable_status attempt=%d status=%d", event,
                           state.attempt_number, outcome.result().status_code)

    def give_up(state: tenacity.RetryCallState) -> httpx.Response | None:
        log_attempt(state)
        outcome = state.outcome
        return None if outcome is None or outcome.failed else outcome.result()

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=tenacity.wait_exponential(multiplier=policy.backoff, exp_base=2, min=0),
        retry=(tenacity.retry_if_exception_type(httpx.HTTPError)
               | tenacity.retry_if_result(retryable)),
        before_sleep=log_attempt, retry_error_callback=give_up, sleep=sleep)
    return retrying(send)  # type: ignore[no-any-return]


# -- circuit breaker ---------------------------------------------------------------------------
class BreakerState(str, Enum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


class CircuitOpenError(Exception):
    """The circuit is open: the call was not made."""


class Breaker:
    """One dependency's circuit, in this process. ``guard()`` (threads) or ``aguard()`` (the
    event loop) wraps the call: an exception leaving the block is a failure."""

    def __init__(self, name: str, *, failures: int, cooldown: float) -> None:
        self.name = name
        self.failures = failures
        self.cooldown = cooldown
        self._sync = SyncCircuitBreakerFactory(default_threshold=failures, default_ttl=cooldown)
        self._async = AsyncCircuitBreakerFactory(default_threshold=failures,
                                                 default_ttl=cooldown)
        self._lock = threading.Lock()  # purgatory's in-memory state is not thread-safe
        self._last = None  # the context last used, for ``state``

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        with self._lock:
            brk = self._sync.get_breaker(self.name)
            self._last = brk.context
            self._enter(brk)
        try:
            yield
        except BaseException as exc:
            with self._lock:
                brk.__exit__(type(exc), exc, exc.__traceback__)
            self._log(brk.context)
            raise
        with self._lock:
            brk.__exit__(None, None, None)

    @contextlib.asynccontextmanager
    async def aguard(self) -> AsyncIterator[None]:
        brk = await self._async.get_breaker(self.name)
        self._last = brk.context
        try:
            await brk.__aenter__()
        except OpenedState:
            raise CircuitOpenError(self.name) from None
        try:
            yield
        except BaseException as exc:
            await brk.__aexit__(type(exc), exc, exc.__traceback__)
            self._log(brk.context)
            raise
        await brk.__aexit__(None, None, None)

    def _enter(self, brk) -> None:  # type: ignore[no-untyped-def]
        try:
            brk.__enter__()
        except OpenedState:
            raise CircuitOpenError(self.name) from None

    def _log(self, context) -> None:  # type: ignore[no-untyped-def]
        if context.state == "opened":
            logger.warning("%s.breaker.open cooldown_s=%s", self.name, self.cooldown)

    @property
    def state(self) -> BreakerState:
        context = self._last
        if context is None or context.state == "closed":
            return BreakerState.closed
        if context.state == "opened" and time.time() <= (context.opened_at or 0) + self.cooldown:
            return BreakerState.open
        return BreakerState.half_open
