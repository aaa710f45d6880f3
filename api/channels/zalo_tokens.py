"""Zalo OA access/refresh tokens: refreshed on expiry, the rotated pair kept on disk.

Zalo's refresh token is reported to be single-use (platform-facts §6), so every refresh stores
the new pair in ``zalo_token_file`` (mode 0600). The file is used only while the refresh token
in settings is the one it was derived from: putting a new token in settings overrides it.
Several API processes sharing one OA would race on the refresh; run one, or share the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.resilience import RetryPolicy, send_with_retry

logger = logging.getLogger(__name__)


@dataclass
class TokenPair:
    access_token: str | None
    refresh_token: str | None
    expires_at: float | None = None  # unix time; None when unknown


def _fingerprint(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


class ZaloTokens:
    def __init__(self, *, app_id: str, app_secret: str | None, access_token: str | None,
                 refresh_token: str | None, oauth_base: str, store: Path | None,
                 client: httpx.Client, policy: RetryPolicy) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.oauth_url = oauth_base.rstrip("/") + "/v4/oa/access_token"
        self.store = store
        self.client = client
        self.policy = policy
        self._source = _fingerprint(refresh_token)
        self._lock = threading.Lock()
        self.pair = self._load() or TokenPair(access_token, refresh_token)

    def _load(self) -> TokenPair | None:
        if self.store is None or not self.store.exists():
            return None
        try:
            data = json.loads(self.store.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("zalo.token.store_unreadable: %s", type(exc).__name__)
            return None
        if not isinstance(data, dict) or data.get("source") != self._source:
            return None
        return TokenPair(data.get("access_token"), data.get("refresh_token"),
                         data.get("expires_at"))

    def _save(self) -> None:
        if self.store is None:
            return
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.store.with_suffix(".tmp")
            tmp.write_text(json.dumps({"source": self._source, **self.pair.__dict__}),
                           encoding="utf-8")
            tmp.chmod(0o600)
            tmp.replace(self.store)
        except OSError as exc:
            logger.error("zalo.token.store_failed: %s", type(exc).__name__)

    @property
    def access_token(self) -> str | None:
        return self.pair.access_token

    def expired(self, margin: float = 60.0) -> bool:
        return self.pair.expires_at is not None and time.time() > self.pair.expires_at - margin

    def refresh(self, *, failed_token: str | None) -> bool:
        """Get a new access token. ``failed_token`` is the token the API rejected: if another
        thread already replaced it, nothing is refreshed (True: retry with the new one)."""
        with self._lock:
            if failed_token is not None and self.pair.access_token not in (None, failed_token):
                return True
            if not self.pair.refresh_token or not self.app_secret:
                logger.error("zalo.token.cannot_refresh: refresh token or app secret not set")
                return False
            form = {"refresh_token": self.pair.refresh_token, "app_id": self.app_id,
                    "grant_type": "refresh_token"}
            resp = send_with_retry(
                lambda: self.client.post(self.oauth_url, data=form,
                                         headers={"secret_key": self.app_secret or ""}),
                policy=self.policy, event="zalo.token")
            data = _json(resp)
            if resp is None or resp.status_code != 200 or not data.get("access_token"):
                logger.error("zalo.token.refresh_failed status=%s error=%s",
                             resp.status_code if resp is not None else "network",
                             data.get("error"))
                return False
            expires_in = _seconds(data.get("expires_in"))
            self.pair = TokenPair(
                access_token=str(data["access_token"]),
                refresh_token=str(data.get("refresh_token") or self.pair.refresh_token),
                expires_at=time.time() + expires_in if expires_in else None)
            self._save()
            logger.info("zalo.token.refreshed expires_in=%s", expires_in)
            return True


def _json(resp: httpx.Response | None) -> dict:  # type: ignore[type-arg]
    if resp is None:
        return {}
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _seconds(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
