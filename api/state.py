"""What the lifespan builds once per app: engine, sessions, searcher, clients, limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.agents.lockout import LoginLockout
from api.agents.presence import Presence
from api.identity import UserIdentity
from api.services.address_limits import AddressLimits
from api.services.channels import ChannelRegistry
from api.services.events import EventBus, EventHub
from api.services.handoff import Clock, system_clock
from api.services.rasa_client import RasaClient
from api.services.ratelimit import Deduplicator, RateLimiter
from api.services.search_port import SearcherLike
from api.settings import ApiSettings


@dataclass
class AppState:
    settings: ApiSettings
    engine: Engine
    session_factory: sessionmaker[Session]
    searcher: SearcherLike | None
    rasa: RasaClient | None
    limiter: RateLimiter
    dedup: Deduplicator
    identity: UserIdentity
    hub: EventHub
    bus: EventBus
    logins: LoginLockout  # console login lock-out
    presence: Presence  # agents with the console open
    channels: ChannelRegistry = field(default_factory=ChannelRegistry)
    clock: Clock = system_clock  # office hours and ticket times read it; tests fix it
    addresses: AddressLimits | None = None  # per-address limits of the widget routes
