"""Per-address limits of the widget routes: requests per minute whatever session id the
client picks, open event streams per address, and no stream for a session that has no
conversation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.services.address_limits import AddressLimits
from api.services.ratelimit import MemoryRateLimiter
from api_fakes import FakeRasa, FakeSearcher, make_settings


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, address_rate_limit_per_minute=4, sse_max_per_address=1,
                             sse_keepalive_seconds=0.2, sse_max_seconds=1.0)
    app = create_app(settings, searcher_loader=lambda _d: FakeSearcher(),
                     rasa_transport=FakeRasa("echo").transport())
    with TestClient(app) as client:
        yield client


def address_of(client: TestClient) -> str:
    return client.app.state.api.identity.hash_user("address", "testclient")  # type: ignore[attr-defined]


def test_rotating_session_ids_do_not_lift_the_address_limit(limited: TestClient) -> None:
    statuses = [limited.post("/v1/chat/web", json={"session_id": f"session-rotating-{i:06d}",
                                                   "text": "xin chào"}).status_code
                for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    r = limited.get("/v1/chat/web/session-rotating-000000/history")
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"


def test_no_stream_for_a_session_without_a_conversation(limited: TestClient) -> None:
    r = limited.get("/v1/chat/web/never-spoke-session-000001/events")
    assert r.status_code == 404


def test_an_address_holds_at_most_its_streams(limited: TestClient) -> None:
    sid = "session-streams-000001"
    assert limited.post("/v1/chat/web", json={"session_id": sid, "text": "gặp cán bộ"}).status_code == 200
    limits = limited.app.state.api.addresses  # type: ignore[attr-defined]
    with limits.stream_slot(address_of(limited)) as taken:  # one stream already open
        assert taken
        r = limited.get(f"/v1/chat/web/{sid}/events")
        assert r.status_code == 429
    assert limits.open_streams(address_of(limited)) == 0


def test_stream_slots_are_counted_and_given_back() -> None:
    limits = AddressLimits(MemoryRateLimiter(100), max_streams=2)
    with limits.stream_slot("a") as first, limits.stream_slot("a") as second:
        with limits.stream_slot("a") as third, limits.stream_slot("b") as other:
            assert (first, second, third, other) == (True, True, False, True)
            assert limits.open_streams("a") == 2
    assert limits.open_streams("a") == 0 and limits.open_streams("b") == 0


def test_an_open_stream_holds_its_slot_until_it_ends(limited: TestClient) -> None:
    sid = "session-streams-000002"
    limited.post("/v1/chat/web", json={"session_id": sid, "text": "gặp cán bộ"})
    limits = limited.app.state.api.addresses  # type: ignore[attr-defined]
    with limited.stream("GET", f"/v1/chat/web/{sid}/events") as resp:
        assert resp.status_code == 200
        lines = resp.iter_lines()
        assert next(lines).startswith("retry:")
        assert limits.open_streams(address_of(limited)) == 1
        for _ in lines:  # to the end of its lifetime (API_SSE_MAX_SECONDS, here 1 s)
            pass
    assert limits.open_streams(address_of(limited)) == 0
