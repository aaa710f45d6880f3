"""Fixtures for the API tests: settings on a temporary SQLite file, a fake searcher and Rasa."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from api_fakes import ADMIN_TOKEN, AGENT_TOKEN, FakeRasa, FakeSearcher, make_settings

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
    with TestClient(app) as c:
        yield c


@pytest.fixture
def agent_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {AGENT_TOKEN}"}


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
