"""Client for Rasa's REST channel (``/webhooks/rest/webhook``); timeouts become typed results."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.resilience import Breaker, CircuitOpenError

logger = logging.getLogger(__name__)


@dataclass
class RasaReply:
    ok: bool
    messages: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    latency_ms: int = 0


class _NoAnswer(Exception):
    """Rasa failed this turn: a failure of the circuit."""

    def __init__(self, reply: RasaReply) -> None:
        super().__init__(reply.error)
        self.reply = reply


class RasaClient:
    """Sends citizen messages to Rasa. A failure opens the ``rasa`` circuit for ``cooldown``
    seconds (``api.resilience.Breaker``): a slow or dead Rasa then does not make every citizen
    wait for the timeout before the degraded answer."""

    def __init__(self, base_url: str, timeout: float,
                 transport: httpx.BaseTransport | None = None, cooldown: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.breaker = Breaker("rasa", failures=1, cooldown=cooldown)
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout,
                                    transport=transport)  # the readiness probe
        async_transport = transport if isinstance(transport, httpx.AsyncBaseTransport) else None
        self._async = httpx.AsyncClient(base_url=self.base_url, timeout=timeout,
                                        transport=async_transport,
                                        limits=httpx.Limits(max_connections=200))

    def close(self) -> None:
        self._client.close()

    async def aclose(self) -> None:
        await self._async.aclose()

    async def send_async(self, *, sender: str, message: str, channel: str,
                         client: str | None = None) -> RasaReply:
        """``client``: the hashed client address, sent as message metadata (actions pass it
        to the dossier lookup)."""
        try:
            async with self.breaker.aguard():
                reply = await self._post(sender=sender, message=message, channel=channel,
                                         client=client)
                if not reply.ok:
                    raise _NoAnswer(reply)
        except CircuitOpenError:
            return RasaReply(ok=False, error="circuit_open")
        except _NoAnswer as failed:
            return failed.reply
        return reply

    async def _post(self, *, sender: str, message: str, channel: str,
                    client: str | None = None) -> RasaReply:
        started = time.perf_counter()
        metadata = {"channel": channel, **({"client": client} if client else {})}
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            resp: httpx.Response | httpx.HTTPError = await self._async.post(
                "/webhooks/rest/webhook", json=body)
        except httpx.HTTPError as exc:
            resp = exc
        return self._read(resp, started)

    @staticmethod
    def _read(resp: httpx.Response | httpx.HTTPError, started: float) -> RasaReply:
        elapsed = int((time.perf_counter() - started) * 1000)
        if isinstance(resp, httpx.TimeoutException):
            logger.warning("rasa.timeout")
            return RasaReply(ok=False, error="timeout", latency_ms=elapsed)
        if isinstance(resp, httpx.HTTPError):
            logger.warning("rasa.unreachable: %s", type(resp).__name__)
            return RasaReply(ok=False, error=type(resp).__name__, latency_ms=elapsed)
        if resp.status_code != 200:
            logger.warning("rasa.bad_status: %s", resp.status_code)
            return RasaReply(ok=False, error=f"status {resp.status_code}", latency_ms=elapsed)
        try:
            data = resp.json()
        except ValueError as exc:  # not JSON
            logger.warning("rasa.bad_body: %s", type(exc).__name__)
            return RasaReply(ok=False, error="bad body", latency_ms=elapsed)
        if not isinstance(data, list):
            return RasaReply(ok=False, error="not a list", latency_ms=elapsed)
        return RasaReply(ok=True, messages=[m for m in data if isinstance(m, dict)],
                         latency_ms=elapsed)

    def reachable(self, timeout: float = 1.0) -> bool:
        try:
            return self._client.get("/", timeout=timeout).status_code < 500
        except httpx.HTTPError:
            return False
