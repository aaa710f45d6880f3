"""Lock-out counters: shared through Redis between workers, with the audit log as fallback."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from api.dossiers.lockout import MemoryFailureCounter, RedisFailureCounter
from api.dossiers.record import DossierIn
from api.dossiers.sources.sql import upsert_dossiers
from api.main import create_app
from api_fakes import FakeSearcher, make_settings
from fakes.fake_upstream_dossiers import code, sample_rows

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return REDIS_URL


def worker(tmp_path: Path, name: str, redis_url: str) -> TestClient:
    settings = make_settings(tmp_path / name, rasa_enabled=False, redis_url=redis_url)
    return TestClient(create_app(settings, searcher_loader=lambda _d: FakeSearcher()))


def seed(client: TestClient) -> None:
    key = client.app.state.api.settings.resolve_salt()  # type: ignore[attr-defined]
    with client.app.state.api.session_factory() as s:  # type: ignore[attr-defined]
        upsert_dossiers(s, records=[DossierIn.model_validate(r).to_record(key)
                                    for r in sample_rows().values()])
        s.commit()


def test_lockout_is_shared_by_workers_through_redis(tmp_path: Path, redis_url: str) -> None:
    sender = f"lockout-{uuid.uuid4().hex}"
    body = {"code": code(1), "factor": "0000", "sender_id": sender, "channel": "web"}
    with worker(tmp_path, "a", redis_url) as a, worker(tmp_path, "b", redis_url) as b:
        seed(a)
        seed(b)
        for client in (a, b, a, b):
            assert client.post("/v1/dossiers/lookup", json=body).status_code == 403
        # the fifth failure, on worker a, locks the sender on worker b as well
        assert a.post("/v1/dossiers/lookup", json=body).status_code == 429
        ok = b.post("/v1/dossiers/lookup", json={**body, "factor": "5678"})
        assert ok.status_code == 429 and ok.json()["error"]["code"] == "locked_out"
        assert ok.headers["Retry-After"] == "3600"
    client = redis.Redis.from_url(redis_url)
    client.delete(*client.keys("api:dossier-fail:*"))


def test_unreachable_redis_falls_back_to_the_other_counter() -> None:
    fallback = MemoryFailureCounter()
    dead = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2)
    counter = RedisFailureCounter(dead, fallback)
    assert counter.record_failure("x") == 1
    assert counter.record_failure("x") == 2
    assert counter.failures("x") == 2 and fallback.failures("y") == 0


def test_memory_counter_forgets_after_the_window() -> None:
    counter = MemoryFailureCounter(window_seconds=0.05)
    counter.record_failure("x")
    assert counter.failures("x") == 1
    time.sleep(0.06)
    assert counter.failures("x") == 0
