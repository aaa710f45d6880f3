"""Conversation events: what SSE streams show, published once per committed change.

A flush listener on the session factory turns new messages and conversation state changes
into ``ConversationEvent``s; the handoff service stages ticket events. They are published
after the commit (dropped on rollback) to a bus: in-process by default, Redis pub/sub when
``API_REDIS_URL`` is set, so every worker's streams see every worker's changes. Each process
has one ``EventHub`` that fans events out to its open streams: no stream polls the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from api.db.models import Conversation, Message

logger = logging.getLogger(__name__)

AGENTS = "agents"  # the topic every agent stream listens to
PENDING = "conversation_events"  # key in Session.info


@dataclass(frozen=True)
class ConversationEvent:
    kind: str  # "message" | "state" | "ticket"
    conversation_id: str
    channel: str
    user_hash: str
    state: str  # the conversation's state when the event happened
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def citizen_topic(self) -> str:
        return citizen_topic(self.channel, self.user_hash)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=_iso)

    @classmethod
    def from_json(cls, raw: str | bytes) -> ConversationEvent:
        return cls(**json.loads(raw))


def citizen_topic(channel: str, user_hash: str) -> str:
    return f"citizen:{channel}:{user_hash}"


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def message_data(msg: Message) -> dict[str, Any]:
    payload = msg.payload or {}
    return {"id": msg.id, "role": msg.role, "text": msg.text,
            "buttons": payload.get("buttons") or [], "citation": payload.get("citation"),
            "intent": msg.intent, "procedure": msg.procedure, "confidence": msg.confidence,
            "created_at": msg.created_at.isoformat() if msg.created_at else None}


# -- fan-out inside one process -----------------------------------------------------------------
class EventHub:
    """Subscribers are asyncio queues by topic; ``deliver`` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, queue_size: int = 256) -> None:
        self.loop = loop
        self.queue_size = queue_size
        self._topics: dict[str, set[asyncio.Queue[ConversationEvent]]] = {}

    @contextlib.asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[asyncio.Queue[ConversationEvent]]:
        queue: asyncio.Queue[ConversationEvent] = asyncio.Queue(self.queue_size)
        for topic in topics:
            self._topics.setdefault(topic, set()).add(queue)
        try:
            yield queue
        finally:
            for topic in topics:
                subs = self._topics.get(topic)
                if subs is not None:
                    subs.discard(queue)
                    if not subs:
                        del self._topics[topic]

    def subscribers(self) -> int:
        return len({id(q) for subs in self._topics.values() for q in subs})

    def deliver(self, event: ConversationEvent) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._fan_out(event)
            return
        try:
            self.loop.call_soon_threadsafe(self._fan_out, event)
        except RuntimeError:  # the app has stopped: nobody is listening any more
            logger.debug("events.hub_closed")

    def _fan_out(self, event: ConversationEvent) -> None:
        targets = self._topics.get(event.citizen_topic, set()) | self._topics.get(AGENTS, set())
        for queue in targets:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a stalled stream: it resumes from the database
                logger.warning("events.subscriber_full topic_kind=%s", event.kind)


# -- buses -------------------------------------------------------------------------------------
class EventBus(Protocol):
    def publish(self, events: list[ConversationEvent]) -> None: ...

    async def run(self) -> None:
        """Background work of the bus for the app's lifetime (the Redis listener)."""
        ...

    async def aclose(self) -> None: ...


class LocalBus:
    """One process: publishing is handing the events to this process's hub."""

    def __init__(self, hub: EventHub) -> None:
        self.hub = hub

    def publish(self, events: list[ConversationEvent]) -> None:
        for ev in events:
            self.hub.deliver(ev)

    async def run(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class RedisBus:
    """Several processes: events go to one Redis pub/sub channel; every process listens once
    and hands what it hears to its own hub (its own events included)."""

    def __init__(self, url: str, hub: EventHub, *, channel: str) -> None:
        import redis
        import redis.asyncio as aioredis

        self.url = url
        self.hub = hub
        self.channel = channel
        # a commit publishes inline: a dead Redis must cost it half a second, not hang it
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._aio = aioredis.Redis.from_url(url, socket_connect_timeout=2.0)
        self.listening = asyncio.Event()

    def publish(self, events: list[ConversationEvent]) -> None:
        for ev in events:
            try:
                self._client.publish(self.channel, ev.to_json())
            except Exception as exc:  # noqa: BLE001 - the change is committed; streams resume
                logger.warning("events.publish_failed: %s", type(exc).__name__)

    async def run(self) -> None:
        while True:
            try:
                async with self._aio.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.listening.set()
                    async for msg in pubsub.listen():
                        if msg.get("type") == "message":
                            self._hand_over(msg["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis restarts: listen again
                self.listening.clear()
                logger.warning("events.listen_failed: %s", type(exc).__name__)
                await asyncio.sleep(1.0)

    def _hand_over(self, raw: bytes) -> None:
        try:
            self.hub.deliver(ConversationEvent.from_json(raw))
        except (ValueError, TypeError) as exc:
            logger.warning("events.bad_message: %s", type(exc).__name__)

    async def aclose(self) -> None:
        self._client.close()
        await self._aio.aclose()


def build_bus(hub: EventHub, *, redis_url: str | None, channel: str) -> EventBus:
    if redis_url:
        return RedisBus(redis_url, hub, channel=channel)
    return LocalBus(hub)


# -- from the session to the bus ---------------------------------------------------------------
def stage(session: Session, event: ConversationEvent) -> None:
    """Publish ``event`` when the session's transaction commits (services use this)."""
    session.info.setdefault(PENDING, []).append(event)


def ticket_event(conv: Conversation, change: str, ticket: dict[str, Any]) -> ConversationEvent:
    """``ticket`` is the ticket's public form (``TicketPublic`` as JSON)."""
    return ConversationEvent(kind="ticket", conversation_id=conv.id, channel=conv.channel,
                             user_hash=conv.user_hash, state=conv.state,
                             data={"change": change, "ticket": ticket})


def _conversation_of(session: Session, conversation_id: str) -> Conversation | None:
    key = session.identity_key(Conversation, conversation_id)
    found = session.identity_map.get(key)
    return found if isinstance(found, Conversation) else None


def _after_flush(session: Session, _context: object) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Conversation):
            history = inspect(obj).attrs.state.history
            if obj in session.new or history.has_changes():
                stage(session, ConversationEvent(
                    kind="state", conversation_id=obj.id, channel=obj.channel,
                    user_hash=obj.user_hash, state=obj.state, data={"state": obj.state}))
    for obj in session.new:
        if isinstance(obj, Message):
            conv = _conversation_of(session, obj.conversation_id)
            if conv is None:  # not loaded in this session: nobody to address it to
                logger.warning("events.message_without_conversation")
                continue
            stage(session, ConversationEvent(
                kind="message", conversation_id=conv.id, channel=conv.channel,
                user_hash=conv.user_hash, state=conv.state, data=message_data(obj)))


def install(factory: sessionmaker[Session], bus: EventBus) -> None:
    """Every session of ``factory`` publishes its committed changes on ``bus``."""

    def after_commit(session: Session) -> None:
        events = session.info.pop(PENDING, [])
        if not events:
            return
        try:
            bus.publish(events)
        except Exception:  # noqa: BLE001 - the change is committed; never fail its caller
            logger.exception("events.publish_failed")

    def after_rollback(session: Session) -> None:
        session.info.pop(PENDING, None)

    sa_event.listen(factory, "after_flush", _after_flush)
    sa_event.listen(factory, "after_commit", after_commit)
    sa_event.listen(factory, "after_soft_rollback", lambda s, _t: after_rollback(s))
