"""Builds the app's one ``DossierLookup`` from the API settings (source, counter, policy).

It is built on first use and kept on ``app.state`` so that the upstream client and its circuit
breaker live as long as the app.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from api.dossiers.lockout import DOSSIER_PREFIX, AttemptGuard, RedisAttemptGuard, SqlAttemptGuard
from api.dossiers.privacy import FactorKind
from api.dossiers.service import DossierLookup, LookupPolicy
from api.dossiers.sources import DossierSource
from api.dossiers.sources.http import HttpDossierSource
from api.dossiers.sources.sql import SqlDossierSource
from api.errors import NotConfiguredError
from api.resilience import Breaker
from api.settings import ApiSettings

logger = logging.getLogger(__name__)
_build_lock = threading.Lock()


def build_source(settings: ApiSettings, session_factory: sessionmaker[Session],
                 key: bytes) -> DossierSource:
    if settings.dossier_source == "http":
        if not settings.dossier_upstream_url:
            raise NotConfiguredError(
                "API_DOSSIER_SOURCE=http needs API_DOSSIER_UPSTREAM_URL.")
        token = settings.dossier_upstream_token
        return HttpDossierSource(
            settings.dossier_upstream_url, key=key, timeout=settings.dossier_upstream_timeout,
            retries=settings.dossier_upstream_retries,
            token=token.get_secret_value() if token else None,
            breaker=Breaker("dossiers.upstream", failures=settings.dossier_breaker_failures,
                            cooldown=settings.dossier_breaker_cooldown))
    return SqlDossierSource(session_factory)


def build_guard(settings: ApiSettings,
                session_factory: sessionmaker[Session]) -> AttemptGuard:
    window = float(settings.dossier_lockout_seconds)
    sql = SqlAttemptGuard(session_factory, window)
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.5,
                                      socket_connect_timeout=0.5)
        return RedisAttemptGuard(client, sql, window, prefix=DOSSIER_PREFIX)
    return sql


def build_lookup(settings: ApiSettings, session_factory: sessionmaker[Session],
                 key: bytes) -> DossierLookup:
    policy = LookupPolicy(factor=FactorKind(settings.dossier_verify_factor),
                          max_failures=settings.dossier_max_failures,
                          max_address_failures=settings.dossier_address_max_failures,
                          window_seconds=float(settings.dossier_lockout_seconds),
                          hotline=settings.hotline, utc_offset_hours=settings.utc_offset_hours)
    lookup = DossierLookup(source=build_source(settings, session_factory, key),
                           guard=build_guard(settings, session_factory),
                           session_factory=session_factory, key=key, policy=policy)
    logger.info("dossiers.lookup.ready source=%s factor=%s", lookup.source.name,
                policy.factor.value)
    return lookup


def app_lookup(app_state, settings: ApiSettings,  # type: ignore[no-untyped-def]
               session_factory: sessionmaker[Session]) -> DossierLookup:
    """The lookup kept on ``app.state.dossier_lookup``, built once."""
    lookup = getattr(app_state, "dossier_lookup", None)
    if lookup is None:
        with _build_lock:
            lookup = getattr(app_state, "dossier_lookup", None)
            if lookup is None:
                lookup = build_lookup(settings, session_factory, settings.resolve_salt())
                app_state.dossier_lookup = lookup
    return lookup  # type: ignore[no-any-return]
