"""Dossier lookup through the HTTP adapter against a fake upstream on loopback: success,
unknown code, slow, errors, garbage, down, and the circuit breaker opening and recovering."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.dossiers.models import DossierLookupAudit
from api.resilience import BreakerState
from api.main import create_app
from api_fakes import SERVICE_HEADERS, FakeSearcher, make_settings
from fakes.fake_upstream_dossiers import FakeUpstreamDossiers, code, sample_rows

TIMEOUT = 0.3
RETRIES = 1
BREAKER_FAILURES = 2
COOLDOWN = 0.6


@pytest.fixture
def upstream() -> Iterator[FakeUpstreamDossiers]:
    with FakeUpstreamDossiers(sample_rows()) as fake:
        yield fake


@pytest.fixture
def client(tmp_path: Path, upstream: FakeUpstreamDossiers) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path, rasa_enabled=False, dossier_source="http", dossier_upstream_url=upstream.url,
        dossier_upstream_timeout=TIMEOUT, dossier_upstream_retries=RETRIES,
        dossier_breaker_failures=BREAKER_FAILURES, dossier_breaker_cooldown=COOLDOWN)
    with TestClient(create_app(settings, searcher_loader=lambda _d: FakeSearcher()), headers=SERVICE_HEADERS) as c:
        yield c


def ask(client: TestClient, n: int, factor: str = "5678") -> tuple[int, dict]:
    r = client.post("/v1/dossiers/lookup",
                    json={"code": code(n), "factor": factor, "sender_id": "u1", "channel": "zalo"})
    return r.status_code, r.json()


def assert_outage(status: int, body: dict) -> None:
    assert status == 503 and body["error"]["code"] == "upstream_unavailable"
    assert "hệ thống tra cứu đang gián đoạn" in body["error"]["text"]
    assert "tổng đài 1022" in body["error"]["text"]


def test_found_through_the_adapter(client: TestClient, upstream: FakeUpstreamDossiers) -> None:
    status, body = ask(client, 6)
    assert status == 200 and body["dossier"]["status"] == "resolved_late"
    assert body["dossier"]["applicant"] == "Nguyễn V*** A***"
    assert "thư xin lỗi" in body["text"]
    with client.app.state.api.session_factory() as s:  # type: ignore[attr-defined]
        audit = s.scalars(select(DossierLookupAudit)).one()
    assert (audit.source, audit.outcome, audit.channel) == ("http", "found", "zalo")


def test_unknown_and_wrong_factor_through_the_adapter(client: TestClient) -> None:
    status, body = ask(client, 99)
    assert status == 403 and body["error"]["code"] == "not_verified"
    assert body["error"]["remaining_attempts"] == 4
    status, body = ask(client, 1, factor="0000")
    assert status == 403 and body["error"]["code"] == "not_verified"
    assert body["error"]["remaining_attempts"] == 3  # the same sender: one budget


def test_slow_upstream_times_out(client: TestClient, upstream: FakeUpstreamDossiers) -> None:
    upstream.mode, upstream.delay = "slow", 2.0
    started = time.monotonic()
    status, body = ask(client, 1)
    elapsed = time.monotonic() - started
    assert_outage(status, body)
    assert elapsed < upstream.delay, elapsed  # the timeout cut the wait short
    assert upstream.hits == RETRIES + 1


def test_server_error_is_retried_then_reported(client: TestClient,
                                               upstream: FakeUpstreamDossiers) -> None:
    upstream.mode = "error"
    assert_outage(*ask(client, 1))
    assert upstream.hits == RETRIES + 1


def test_invalid_payload_is_an_outage_not_a_crash(client: TestClient,
                                                  upstream: FakeUpstreamDossiers) -> None:
    upstream.mode = "garbage"
    assert_outage(*ask(client, 1))


def test_down_then_breaker_opens_then_recovers(client: TestClient,
                                               upstream: FakeUpstreamDossiers) -> None:
    upstream.stop()
    for _ in range(BREAKER_FAILURES):
        assert_outage(*ask(client, 1))
    breaker = client.app.state.dossier_lookup.source.breaker  # type: ignore[attr-defined]
    assert breaker.state is BreakerState.open
    # open: fails fast without calling the upstream (which is back up but not asked)
    upstream.start()
    hits = upstream.hits
    assert_outage(*ask(client, 1))
    assert upstream.hits == hits
    # after the cool-down one trial goes out, succeeds, and the circuit closes
    time.sleep(COOLDOWN + 0.1)
    status, body = ask(client, 1)
    assert status == 200 and body["dossier"]["code"] == code(1)
    assert breaker.state is BreakerState.closed and upstream.hits == hits + 1


def test_an_outage_does_not_spend_the_guess_budget(client: TestClient,
                                                   upstream: FakeUpstreamDossiers) -> None:
    upstream.mode = "garbage"
    for _ in range(7):  # more than the budget of 5
        assert_outage(*ask(client, 1, factor="0000"))
    upstream.mode = "ok"
    status, body = ask(client, 1)
    assert status == 200 and body["dossier"]["code"] == code(1)
