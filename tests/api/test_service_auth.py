"""Internal routes are for the action server and integrations (X-Service-Token), never for
citizens: without the token 401, with a wrong one 401, unconfigured 503; the citizen's channel
routes need no token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, make_settings

INTERNAL = [
    ("POST", "/v1/answer", {"text": "lệ phí khai sinh"}),
    ("GET", "/v1/search?q=khai+sinh", None),
    ("POST", "/v1/handoff", {"sender_id": "session-citizen-victim-0000001", "channel": "zalo",
                             "reason": "citizen_request", "priority": "high"}),
    ("POST", "/v1/dossiers/lookup", {"code": "000.00.19.H12-250101-0001", "factor": "1234",
                                     "sender_id": "someone"}),
]


def app_client(tmp_path: Path, **overrides: object) -> TestClient:
    settings = make_settings(tmp_path, **overrides)
    return TestClient(create_app(settings, searcher_loader=lambda _d: FakeSearcher(),
                                 rasa_transport=FakeRasa("echo").transport()))


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[TestClient]:
    """A client that sends no service token (a citizen, or anyone on the internet)."""
    with app_client(tmp_path) as client:
        yield client


def call(client: TestClient, method: str, url: str, body: object,
         headers: dict[str, str] | None = None):
    return client.request(method, url, json=body, headers=headers or {})


@pytest.mark.parametrize("method,url,body", INTERNAL)
def test_internal_routes_refuse_callers_without_the_service_token(
        bare: TestClient, method: str, url: str, body: object) -> None:
    for headers in ({}, {"X-Service-Token": "guessed-token-0123456789"},
                    {"Authorization": f"Bearer {SERVICE_HEADERS['X-Service-Token']}"}):
        r = call(bare, method, url, body, headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["error"]["code"] == "unauthorized"


def test_a_forged_handoff_does_not_move_anyones_conversation(bare: TestClient) -> None:
    r = call(bare, *INTERNAL[2])
    assert r.status_code == 401
    queue = bare.get("/v1/agent/tickets")
    assert queue.status_code == 401  # and nobody learns anything from the queue either


@pytest.mark.parametrize("method,url,body", INTERNAL)
def test_with_the_token_the_internal_routes_answer(bare: TestClient, method: str, url: str,
                                                   body: object) -> None:
    r = call(bare, method, url, body, SERVICE_HEADERS)
    assert r.status_code != 401 and r.status_code < 500, r.text
    if url.startswith("/v1/dossiers"):  # let in, then the dossier's own check answers
        assert r.json()["error"]["code"] == "not_verified"
    else:
        assert r.status_code == 200, r.text


def test_without_a_configured_token_the_internal_routes_are_closed(tmp_path: Path) -> None:
    with app_client(tmp_path, service_token=None) as client:
        r = call(client, *INTERNAL[0], headers=SERVICE_HEADERS)
        assert r.status_code == 503 and "API_SERVICE_TOKEN" in r.json()["error"]["message"]


def test_the_citizen_channel_needs_no_token(bare: TestClient) -> None:
    r = bare.post("/v1/chat/web", json={"session_id": "session-citizen-citizen-0000001", "text": "xin chào"})
    assert r.status_code == 200
