"""Settings of the API process (env prefix ``API_``), read once per app."""

from __future__ import annotations

import secrets
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[1]
VAR = REPO / "var"

PLACEHOLDER_SECRETS = {
    "", "changeme", "change-me", "change_me", "secret", "password", "token", "admin", "test",
    "xxx", "todo", "placeholder", "your-token-here", "none", "null",
}


def _reject_placeholder(value: SecretStr | None) -> SecretStr | None:
    if value is None:
        return None
    raw = value.get_secret_value().strip()
    if raw.lower() in PLACEHOLDER_SECRETS or len(raw) < 12:
        raise ValueError("placeholder or too short (use at least 12 random characters)")
    return value


class ApiSettings(BaseSettings):
    """Everything the API reads from the environment.

    Secrets (``admin_token``, ``hash_salt``, ``session_secret``) have no default. Without
    ``admin_token`` the admin endpoints answer 503 "not configured". Agents sign in with their
    own accounts (``python -m api agents add``). Without ``hash_salt`` or ``session_secret`` a
    development value is generated once and kept under ``var/`` (see ``resolve_salt``).
    """

    model_config = SettingsConfigDict(env_prefix="API_", env_file=None, extra="ignore")

    # "production" refuses to start without the secrets that development generates under var/
    # (hash salt, session secret): generated per host, they would differ between hosts.
    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str = f"sqlite:///{VAR / 'api.sqlite3'}"
    migrate_on_startup: bool = True
    index_dir: Path = VAR / "index"
    warm_up_searcher: bool = True  # load the embedding model at startup, not on first question
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = Field(default=8.0, gt=0)
    rasa_enabled: bool = True
    rasa_cooldown: float = Field(default=10.0, ge=0)  # skip Rasa this long after a failure

    admin_token: SecretStr | None = None
    # The credential of the action server and other integrations on the internal routes
    # (/v1/answer, /v1/search, /v1/handoff, /v1/dossiers/lookup), sent as X-Service-Token.
    # No default: without it those routes answer 503. `make run` generates one per run.
    service_token: SecretStr | None = None
    hash_salt: SecretStr | None = None
    salt_file: Path = VAR / "api-hash-salt"

    # Agent console (api/agents): signed session cookie, CSRF token, login lock-out.
    session_secret: SecretStr | None = None  # signs console cookies; dev: var/api-session-secret
    session_secret_file: Path = VAR / "api-session-secret"
    console_session_hours: int = Field(default=10, ge=1, le=24 * 14)
    console_cookie_secure: bool | None = None  # None: Secure when the request came over HTTPS
    login_max_failures: int = Field(default=5, ge=1)  # per login within the window
    login_ip_max_failures: int = Field(default=20, ge=1)  # per client IP within the window
    login_lockout_seconds: int = Field(default=900, ge=30)

    hotline: str = "1022"
    office_days: list[int] = Field(default=[0, 1, 2, 3, 4])  # Monday = 0
    morning_open: time = time(7, 30)
    morning_close: time = time(11, 30)
    afternoon_open: time = time(13, 30)
    afternoon_close: time = time(17, 0)
    saturday_morning: bool = False
    utc_offset_hours: int = 7  # Asia/Ho_Chi_Minh, no daylight saving
    minutes_per_ticket: int = Field(default=5, ge=1)

    rate_limit_per_minute: int = Field(default=20, ge=1)  # per citizen (sender)
    address_rate_limit_per_minute: int = Field(default=60, ge=1)  # widget routes, per address
    sse_max_per_address: int = Field(default=5, ge=1)  # open widget streams per address
    max_message_chars: int = Field(default=2000, ge=50)
    max_body_bytes: int = Field(default=64_000, ge=1_000)
    redis_url: str | None = None
    # Origins of the pages that embed the web widget from another host (e.g. the province's
    # portal: ["https://dichvucong.langson.gov.vn"]). The widget served by this API itself is
    # same-origin and needs none; "*" is refused in production.
    cors_origins: list[str] = Field(default=[])
    events_channel: str = Field(default="tthc:conversation-events", min_length=1)  # Redis
    sse_keepalive_seconds: float = Field(default=15.0, gt=0)
    sse_max_seconds: float = Field(default=600.0, gt=0)  # then the browser reconnects
    shutdown_grace_seconds: int = Field(default=5, ge=0)  # `python -m api serve`

    # Zalo OA and Facebook Messenger (api/channels). Without the secrets the webhook answers 503.
    zalo_app_id: str | None = None
    zalo_oa_secret_key: SecretStr | None = None  # signs webhooks (X-ZEvent-Signature)
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_app_secret: SecretStr | None = None  # header secret_key of the token refresh
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_token_file: Path = VAR / "zalo-tokens.json"  # rotated tokens survive a restart
    # A signed event whose timestamp is further than this from now (either way) is refused:
    # a captured delivery cannot be replayed later.
    zalo_max_event_age_seconds: int = Field(default=300, ge=10)
    messenger_app_secret: SecretStr | None = None
    messenger_verify_token: SecretStr | None = None
    messenger_page_token: SecretStr | None = None
    graph_api_base: str = "https://graph.facebook.com"
    graph_api_version: str = "v23.0"
    channel_send_timeout: float = Field(default=10.0, gt=0)
    channel_send_attempts: int = Field(default=3, ge=1, le=10)
    channel_retry_backoff: float = Field(default=0.5, ge=0)
    channel_max_concurrent_turns: int = Field(default=8, ge=1)  # webhook turns in flight

    search_top_k: int = Field(default=5, ge=2)
    clarify_margin: float = Field(default=0.1, ge=0)  # top two closer than this: ask which
    switch_confidence: float = Field(default=0.5, ge=0, le=1)

    # Dossier status lookup (api/dossiers): local table or an upstream one-stop system.
    dossier_source: Literal["sql", "http"] = "sql"
    dossier_upstream_url: str | None = None
    dossier_upstream_token: SecretStr | None = None
    dossier_upstream_timeout: float = Field(default=2.0, gt=0)
    dossier_upstream_retries: int = Field(default=1, ge=0, le=5)
    dossier_breaker_failures: int = Field(default=5, ge=1)
    dossier_breaker_cooldown: float = Field(default=30.0, gt=0)
    dossier_verify_factor: Literal["phone", "id"] = "phone"
    dossier_max_failures: int = Field(default=5, ge=1)  # guesses per code and per sender
    dossier_address_max_failures: int = Field(default=20, ge=1)  # guesses per client address
    dossier_lockout_seconds: int = Field(default=3600, ge=60)

    # The provincial office (issue 14): catalogue drafts from unanswered questions are written
    # under office_drafts_dir and validated against office_knowledge_dir; `python -m api
    # retention` removes conversations, feedback and PAKN contacts older than retention_days.
    office_knowledge_dir: Path = REPO / "knowledge"
    office_drafts_dir: Path = VAR / "catalog-drafts"
    retention_days: int = Field(default=180, ge=1)
    # cosine to join a group; 0.85 separates unrelated short questions with the bundled model
    unanswered_similarity: float = Field(default=0.85, gt=0, le=1)

    @field_validator("admin_token", "service_token", "hash_salt", "session_secret", "zalo_oa_secret_key",
                     "zalo_access_token", "zalo_refresh_token", "zalo_app_secret",
                     "messenger_app_secret", "messenger_verify_token", "messenger_page_token")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return _reject_placeholder(value)

    @model_validator(mode="after")
    def _production_needs_its_secrets(self) -> "ApiSettings":
        if self.environment != "production":
            return self
        missing = [name for name in ("hash_salt", "session_secret", "service_token")
                   if getattr(self, name) is None]
        if missing:
            raise ValueError("API_ENVIRONMENT=production needs "
                             + ", ".join(f"API_{m.upper()}" for m in missing)
                             + " (the same value on every host)")
        if "*" in self.cors_origins:
            raise ValueError("API_CORS_ORIGINS must list the portal's origins in production, "
                             "not '*'")
        return self

    def resolve_salt(self) -> bytes:
        """The salt for hashing channel user ids: from settings, else a dev salt under var/."""
        return _resolve_secret(self.hash_salt, self.salt_file)

    def resolve_session_secret(self) -> str:
        """The key that signs console session cookies: from settings, else a dev key under
        var/ (every worker of one checkout reads the same file)."""
        return _resolve_secret(self.session_secret, self.session_secret_file).decode()


def _resolve_secret(value: SecretStr | None, path: Path) -> bytes:
    if value is not None:
        return value.get_secret_value().encode()
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32)
    path.write_text(fresh + "\n", encoding="utf-8")
    path.chmod(0o600)
    return fresh.encode()


def get_settings() -> ApiSettings:
    return ApiSettings()
