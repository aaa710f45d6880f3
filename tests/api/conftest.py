"""Fixtures for the API tests: settings on a temporary SQLite file, a fake searcher and Rasa."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from api_fakes import ADMIN_TOKEN, SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings

@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa("echo")


@pytest.fixture
def searcher() -> FakeSearcher:
    return FakeSearcher()


@pytest.fixture
def settings(tmp_path: Path) -> ApiSettings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: ApiSettings, searcher: FakeSearcher, fake_rasa: FakeRasa) -> Iterator[TestClient]:
    app = create_app(settings, searcher_loader=lambda _dir: searcher,
                     rasa_transport=fake_rasa.transport())
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        yield c


@pytest.fixture
def agent_headers(client: TestClient) -> dict[str, str]:
    """The API token of agent ``an`` (created in the client's database)."""
    return add_agent(client.app, "an")


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def redis_url() -> str:
    """The real Redis on 127.0.0.1:6379 (db 15). Skipped when absent outside CI; under CI a
    skip fails the run (tests/conftest.py)."""
    url = "redis://127.0.0.1:6379/15"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url
