"""Builds the FastAPI app. ``uvicorn api.main:app`` serves it; tests call ``create_app``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.agents.auth import ConsoleSessions
from api.agents.lockout import build_lockout
from api.agents.presence import build_presence
from api.channels.senders import build_senders
from api.channels.web import CHANNEL as WEB
from api.channels.web import WebSender
from api.db.engine import make_engine, make_session_factory, migrate
from api.errors import install_error_handlers
from api.identity import UserIdentity
from api.middleware import BodyGuardMiddleware
from api.pii import install_pii_filter
from api.router import api_router
from api.services.address_limits import AddressLimits
from api.services.events import EventHub, RedisBus, build_bus
from api.services.events import install as install_events
from api.services.rasa_client import RasaClient
from api.services.ratelimit import build_address_limiter, build_limits
from api.services.search_port import SearcherLike, load_searcher
from api.settings import ApiSettings
from api.state import AppState

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
SearcherLoader = Callable[[Path], "SearcherLike | None"]


def create_app(
    settings: ApiSettings | None = None,
    *,
    searcher_loader: SearcherLoader = load_searcher,
    rasa_transport: httpx.BaseTransport | None = None,
) -> FastAPI:
    settings = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_pii_filter()
        if settings.migrate_on_startup:
            migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        limiter, dedup = build_limits(settings.redis_url, settings.rate_limit_per_minute)
        rasa = (RasaClient(settings.rasa_url, settings.rasa_timeout, transport=rasa_transport,
                           cooldown=settings.rasa_cooldown)
                if settings.rasa_enabled else None)
        searcher = await run_in_threadpool(searcher_loader, settings.index_dir)
        if searcher is not None and settings.warm_up_searcher:
            try:
                await run_in_threadpool(searcher.warm_up)
            except Exception as exc:  # noqa: BLE001 - serve without warm-up, log why
                logger.warning("search.warm_up_failed: %s: %s", type(exc).__name__, exc)
        factory = make_session_factory(engine)
        hub = EventHub(asyncio.get_running_loop())
        bus = build_bus(hub, redis_url=settings.redis_url, channel=settings.events_channel)
        install_events(factory, bus)
        listener = asyncio.create_task(bus.run(), name="events.listener")
        if isinstance(bus, RedisBus):
            await _until_listening(bus, listener)
        app.state.api = AppState(
            settings=settings, engine=engine, session_factory=factory,
            searcher=searcher, rasa=rasa, limiter=limiter,
            dedup=dedup, identity=UserIdentity(settings.resolve_salt()), hub=hub, bus=bus,
            logins=build_lockout(settings), presence=build_presence(settings),
            addresses=AddressLimits(
                build_address_limiter(settings.redis_url, settings.address_rate_limit_per_minute),
                settings.sse_max_per_address))
        senders = {WEB: WebSender(), **build_senders(settings)}  # Zalo/Messenger if set
        for channel, sender in senders.items():
            app.state.api.channels.register(channel, sender)
        logger.info("api.started index_loaded=%s", app.state.api.searcher is not None)
        try:
            yield
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await bus.aclose()
            if rasa is not None:
                rasa.close()
                await rasa.aclose()
            for sender in senders.values():
                sender.close()
            engine.dispose()
            logger.info("api.stopped")

    app = FastAPI(
        title="TTHC assistant API",
        version="0.1.0",
        description="Front door of the Vietnamese public-administration assistant: web chat, "
                    "composed answers from the procedure catalogue, handoff queue, agent and "
                    "admin APIs.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodyGuardMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ConsoleSessions, secret_key=settings.resolve_session_secret(),
                       max_age=settings.console_session_hours * 3600,
                       secure=settings.console_cookie_secure)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Content-Type", "Authorization", "Last-Event-ID"])
    app.include_router(api_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


async def _until_listening(bus: RedisBus, listener: asyncio.Task[None],
                           timeout: float = 5.0) -> None:
    """Serve only once this process hears the Redis channel (else early events are lost)."""
    heard = asyncio.ensure_future(bus.listening.wait())
    await asyncio.wait({listener, heard}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    heard.cancel()
    if not bus.listening.is_set():
        logger.warning("events.redis_not_listening: streams fill once Redis answers")


def __getattr__(name: str) -> FastAPI:
    """``api.main:app`` is built on first access, so importing this module has no effects."""
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
