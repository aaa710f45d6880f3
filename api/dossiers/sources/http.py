"""An upstream one-stop system's JSON API as a ``DossierSource``.

Contract expected from the upstream: ``GET {base}/dossiers/{code}`` answers 200 with one
dossier object (fields of ``api.dossiers.record.DossierIn``), 404 when the code is unknown.
Each call has a timeout; timeouts, connection errors and 5xx are retried with a short backoff,
then reported as ``SourceUnavailableError``; a circuit breaker stops calling a dead upstream.
The applicant's numbers in the answer are turned into digests at once and never logged.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from api.dossiers.record import DossierIn, DossierRecord
from api.dossiers.sources import SourceUnavailableError
from api.resilience import Breaker, CircuitOpenError, RetryPolicy, retryable, send_with_retry

logger = logging.getLogger(__name__)


class HttpDossierSource:
    name = "http"

    def __init__(self, base_url: str, *, key: bytes, timeout: float = 3.0, retries: int = 2,
                 backoff: float = 0.1, breaker: Breaker | None = None,
                 token: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                                    headers=headers, transport=transport)
        self._key = key
        self.policy = RetryPolicy(attempts=retries + 1, backoff=backoff)
        self.breaker = breaker or Breaker("dossiers.upstream", failures=5, cooldown=30.0)

    def close(self) -> None:
        self._client.close()

    def get(self, code: str) -> DossierRecord | None:
        try:
            with self.breaker.guard():
                response = self._fetch(code)
        except CircuitOpenError:
            raise SourceUnavailableError("circuit open") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:  # the upstream answered; the request was wrong
            logger.warning("dossiers.upstream.unexpected_status status=%s",
                           response.status_code)
            raise SourceUnavailableError(f"upstream answered {response.status_code}")
        return self._parse(response, code)

    def _fetch(self, code: str) -> httpx.Response:
        """The upstream's answer; a failure of the circuit when it gave none after the
        retries (network errors, timeouts, 5xx, 429)."""
        path = f"/dossiers/{quote(code, safe='')}"
        response = send_with_retry(lambda: self._client.get(path), policy=self.policy,
                                   event="dossiers.upstream")
        if response is None or retryable(response):
            error = "network" if response is None else f"http_{response.status_code}"
            logger.warning("dossiers.upstream.unavailable error=%s attempts=%s", error,
                           self.policy.attempts)
            raise SourceUnavailableError(error)
        return response

    def _parse(self, response: httpx.Response, code: str) -> DossierRecord:
        try:
            row = DossierIn.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            # Only the error kinds are logged: the values may hold the applicant's numbers.
            kinds = ([e["type"] for e in exc.errors()] if isinstance(exc, ValidationError)
                     else [type(exc).__name__])
            logger.warning("dossiers.upstream.bad_payload errors=%s", kinds)
            raise SourceUnavailableError("upstream payload not valid") from None
        if row.code != code:
            logger.warning("dossiers.upstream.code_mismatch")
            raise SourceUnavailableError("upstream answered for another code")
        return row.to_record(self._key)
