"""Per-address limits on the web widget's routes: requests per minute, and open event streams.

The per-sender limit (``Dialogue``) is keyed on the session id, which the client picks; these
are keyed on the client's address (hashed), which it cannot. Requests per minute use the API's
rate limiter (Redis when ``API_REDIS_URL`` is set, so every worker shares the count). Open
streams are counted in this process: a stream lives on one worker, and the cap is per worker.
Behind a reverse proxy, run uvicorn with ``--proxy-headers`` so the address is the citizen's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from api.services.ratelimit import RateLimiter


class AddressLimits:
    def __init__(self, limiter: RateLimiter, max_streams: int) -> None:
        self.limiter = limiter
        self.max_streams = max_streams
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        """One more request from this address within its minute."""
        return self.limiter.allow(f"addr:{address}")

    def open_streams(self, address: str) -> int:
        with self._lock:
            return self._open.get(address, 0)

    @contextmanager
    def stream_slot(self, address: str) -> Iterator[bool]:
        """Yields whether a stream may open (and holds its slot until the block ends)."""
        with self._lock:
            taken = self._open.get(address, 0) < self.max_streams
            if taken:
                self._open[address] = self._open.get(address, 0) + 1
        try:
            yield taken
        finally:
            if taken:
                with self._lock:
                    left = self._open[address] - 1
                    if left:
                        self._open[address] = left
                    else:
                        del self._open[address]
