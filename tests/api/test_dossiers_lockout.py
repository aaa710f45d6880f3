"""Guess budgets: reserved before the factor is checked, atomic under concurrency, shared by
workers through Redis or the database, with the database as Redis's fallback."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from api.db.engine import make_engine, make_session_factory, migrate
from api.dossiers.lockout import (
    AttemptGuard,
    Budget,
    MemoryAttemptGuard,
    RedisAttemptGuard,
    SqlAttemptGuard,
)
from api.dossiers.record import DossierIn
from api.dossiers.sources.sql import upsert_dossiers
from api.main import create_app
from api_fakes import SERVICE_HEADERS, FakeSearcher, make_settings
from fakes.fake_upstream_dossiers import code, sample_rows
from test_store_postgres import pg_url  # noqa: F401 - the PostgreSQL database fixture

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
    return TestClient(create_app(settings, searcher_loader=lambda _d: FakeSearcher()), headers=SERVICE_HEADERS)


def seed(client: TestClient) -> None:
    key = client.app.state.api.settings.resolve_salt()  # type: ignore[attr-defined]
    with client.app.state.api.session_factory() as s:  # type: ignore[attr-defined]
        upsert_dossiers(s, records=[DossierIn.model_validate(r).to_record(key)
                                    for r in sample_rows().values()])
        s.commit()


def sql_guard(tmp_path: Path, window: float = 3600.0) -> SqlAttemptGuard:
    url = f"sqlite:///{tmp_path / 'guard.sqlite3'}"
    migrate(url)
    return SqlAttemptGuard(make_session_factory(make_engine(url)), window)


def test_budget_is_shared_by_workers_through_redis(tmp_path: Path, redis_url: str) -> None:
    dossier = code(1)
    client = redis.Redis.from_url(redis_url)
    client.delete(*client.keys("api:dossier-attempts:*") or ["-"])
    with worker(tmp_path, "a", redis_url) as a, worker(tmp_path, "b", redis_url) as b:
        seed(a)
        seed(b)
        for i, w in enumerate((a, b, a, b)):  # a new sender each time
            body = {"code": dossier, "factor": "0000", "sender_id": f"s-{uuid.uuid4().hex}"}
            assert w.post("/v1/dossiers/lookup", json=body).status_code == 403, i
        # the fifth guess, on worker a, spends the code's budget on worker b as well
        last = {"code": dossier, "factor": "0000", "sender_id": "s-last"}
        assert a.post("/v1/dossiers/lookup", json=last).status_code == 429
        ok = b.post("/v1/dossiers/lookup", json={**last, "sender_id": "owner", "factor": "5678"})
        assert ok.status_code == 429 and ok.json()["error"]["code"] == "locked_out"
        assert ok.headers["Retry-After"] == "3600"
    client.delete(*client.keys("api:dossier-attempts:*") or ["-"])


def hammer(guard: AttemptGuard, budgets: list[Budget], n: int) -> list[bool]:
    """``n`` threads reserve at once; which of them got a reservation."""
    barrier = threading.Barrier(n)
    got: list[bool] = [False] * n

    def run(i: int) -> None:
        barrier.wait()
        got[i] = guard.reserve(budgets) is not None

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


def test_concurrent_reservations_never_overrun_the_budget_in_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    guard = RedisAttemptGuard(client, MemoryAttemptGuard(), prefix=f"t:{uuid.uuid4().hex}:")
    assert sum(hammer(guard, [Budget("code:x", 5)], 30)) == 5


def test_concurrent_reservations_never_overrun_the_budget_in_sqlite(tmp_path: Path) -> None:
    assert sum(hammer(sql_guard(tmp_path), [Budget("code:x", 5)], 20)) == 5


@pytest.mark.postgres
def test_concurrent_reservations_never_overrun_the_budget_in_postgres(pg_url: str) -> None:  # noqa: F811
    guard = SqlAttemptGuard(make_session_factory(make_engine(pg_url)))
    key = f"code:{uuid.uuid4().hex}"
    assert sum(hammer(guard, [Budget(key, 5), Budget("addr:shared", 1000)], 20)) == 5


@pytest.mark.parametrize("make", ["memory", "sql"])
def test_a_released_attempt_gives_its_guess_back(tmp_path: Path, make: str) -> None:
    guard: AttemptGuard = MemoryAttemptGuard() if make == "memory" else sql_guard(tmp_path)
    budgets = [Budget("code:x", 2), Budget("sender:y", 2)]
    first = guard.reserve(budgets)
    assert first is not None and first.counts == {"code:x": 1, "sender:y": 1}
    assert first.remaining(budgets) == 1
    guard.release(first)
    second, third = guard.reserve(budgets), guard.reserve(budgets)
    assert second is not None and third is not None and third.remaining(budgets) == 0
    assert guard.reserve(budgets) is None
    # a spent budget under one key blocks, and reserves nothing under the others
    assert guard.reserve([Budget("code:x", 2), Budget("sender:z", 2)]) is None
    assert guard.reserve([Budget("sender:z", 1)]) is not None


def test_unreachable_redis_falls_back_to_the_other_guard() -> None:
    fallback = MemoryAttemptGuard()
    dead = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2)
    guard = RedisAttemptGuard(dead, fallback)
    budgets = [Budget("code:x", 2)]
    assert guard.reserve(budgets) is not None and guard.reserve(budgets) is not None
    assert guard.reserve(budgets) is None
    assert fallback.reserve([Budget("code:other", 1)]) is not None


@pytest.mark.parametrize("make", ["memory", "sql"])
def test_guesses_are_forgotten_after_the_window(tmp_path: Path, make: str) -> None:
    window = 0.3
    guard: AttemptGuard = (MemoryAttemptGuard(window) if make == "memory"
                           else sql_guard(tmp_path, window))
    assert guard.reserve([Budget("code:x", 1)]) is not None
    assert guard.reserve([Budget("code:x", 1)]) is None
    time.sleep(window + 0.1)
    assert guard.reserve([Budget("code:x", 1)]) is not None
    if isinstance(guard, SqlAttemptGuard):
        time.sleep(window + 0.1)
        assert guard.purge() == 2
