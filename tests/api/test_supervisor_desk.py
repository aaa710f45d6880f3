"""The supervisor's desk: who has the console open, each agent's load, the queue's wait."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.agents.presence import MemoryPresence, RedisPresence
from api.settings import ApiSettings
from api_fakes import FakeRasa, add_agent, make_settings
from sse_client import read_events


@pytest.fixture
def settings(tmp_path: Path) -> ApiSettings:
    return make_settings(tmp_path, sse_keepalive_seconds=0.2)  # streams notice the deadline


def open_ticket(client: TestClient, fake_rasa: FakeRasa, sid: str) -> int:
    client.post("/v1/chat/web", json={"session_id": sid, "text": "tôi muốn gặp cán bộ"})
    conv = fake_rasa.requests[-1]["sender"]
    return client.post("/v1/handoff", json={"conversation_id": conv,  # type: ignore[no-any-return]
                                            "reason": "asked"}).json()["ticket_id"]


def test_only_a_supervisor_sees_the_desk(client: TestClient) -> None:
    an = add_agent(client.app, "an")
    assert client.get("/v1/agent/desk", headers=an).status_code == 403
    assert client.get("/v1/agent/desk").status_code == 401


def test_load_waiting_time_and_reassigning(client: TestClient, fake_rasa: FakeRasa) -> None:
    an, _ = add_agent(client.app, "an"), add_agent(client.app, "binh")
    chi = add_agent(client.app, "chi", role="supervisor")
    add_agent(client.app, "motcua", role="office")
    t1 = open_ticket(client, fake_rasa, "session-citizen-desk-000001")
    open_ticket(client, fake_rasa, "session-citizen-desk-000002")
    client.post(f"/v1/agent/tickets/{t1}/claim", headers=an)
    state = client.app.state.api
    state.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=12)
    desk = client.get("/v1/agent/desk", headers=chi).json()
    people = {a["login"]: a for a in desk["agents"]}
    assert set(people) == {"an", "binh", "chi"}  # office accounts do not work tickets
    assert (people["an"]["load"], people["binh"]["load"]) == (1, 0)
    assert people["an"]["oldest_claimed_at"] is not None
    assert desk["waiting"] == 1 and 12 * 60 - 5 <= desk["longest_wait_seconds"] <= 12 * 60 + 60
    moved = client.post(f"/v1/agent/tickets/{t1}/transfer", json={"agent": "binh"}, headers=chi)
    assert moved.json()["agent"] == "binh"
    people = {a["login"]: a for a in client.get("/v1/agent/desk", headers=chi).json()["agents"]}
    assert (people["an"]["load"], people["binh"]["load"]) == (0, 1)


def test_an_open_console_stream_is_online_and_a_closed_one_is_not(client: TestClient) -> None:
    an = add_agent(client.app, "an")
    chi = add_agent(client.app, "chi", role="supervisor")
    seen: list[bool] = []

    def supervisor_looks() -> None:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any(seen):
            people = client.get("/v1/agent/desk", headers=chi).json()["agents"]
            seen.append(next(a for a in people if a["login"] == "an")["online"])
            time.sleep(0.1)

    worker = threading.Thread(target=supervisor_looks)
    worker.start()
    read_events(client, "/v1/agent/events", want=1, kind="ticket", headers=an, timeout=1.5)
    worker.join()
    assert seen and seen[-1] is True
    people = client.get("/v1/agent/desk", headers=chi).json()["agents"]
    assert next(a for a in people if a["login"] == "an")["online"] is False


def test_presence_counts_each_open_stream() -> None:
    presence = MemoryPresence()
    with presence.hold("an"):
        with presence.hold("an"):
            assert presence.online() == {"an"}
        assert presence.online() == {"an"}
    assert presence.online() == set()


def test_presence_in_redis_is_shared_and_expires(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(RedisPresence.KEY)
    a = RedisPresence(client, 60, MemoryPresence())
    b = RedisPresence(client, 60, MemoryPresence())  # another worker
    with a.hold("an"):
        assert b.online() == {"an"}
    assert b.online() == set()
    client.zadd(RedisPresence.KEY, {"ghost:dead-worker": time.time() - 1})  # expired
    assert b.online() == set()
