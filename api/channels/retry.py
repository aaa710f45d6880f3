"""POST with retries: 5xx, 429 and network errors/timeouts are retried with backoff."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff: float = 0.5  # seconds before the 2nd attempt; doubles each time

    def delay(self, attempt: int) -> float:
        return self.backoff * (2 ** (attempt - 1))


def post_with_retry(
    send: Callable[[], httpx.Response], *, policy: RetryPolicy, event: str,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response | None:
    """Call ``send`` until it returns a response that is not 5xx/429 or attempts run out.

    Returns the last response (possibly an error status) or None when every attempt failed at
    the network level. ``event`` prefixes the log lines (``zalo.send``, ``messenger.send``).
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            resp = send()
        except httpx.HTTPError as exc:
            logger.warning("%s.network_error attempt=%d: %s", event, attempt, type(exc).__name__)
            resp = None
        else:
            if resp.status_code < 500 and resp.status_code != 429:
                return resp
            logger.warning("%s.retryable_status attempt=%d status=%d", event, attempt,
                           resp.status_code)
        if attempt < policy.attempts:
            sleep(policy.delay(attempt))
        elif resp is not None:
            return resp
    return None
