"""Handoff tickets and the agent API (SQLite); PostgreSQL runs are in test_store_postgres.py."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi.testclient import TestClient

from api.services import wording
from api.services.office_hours import OfficeHours
from api_fakes import SERVICE_HEADERS, FakeRasa, add_agent, make_settings

SID = "session-citizen-handoff-000001"


def start_conversation(client: TestClient, fake_rasa: FakeRasa, sid: str = SID) -> str:
    client.post("/v1/chat/web", json={"session_id": sid, "text": "tôi muốn gặp cán bộ"})
    return fake_rasa.requests[-1]["sender"]


def test_handoff_opens_ticket_and_reports_queue(client: TestClient, fake_rasa: FakeRasa) -> None:
    conv = start_conversation(client, fake_rasa)
    r = client.post("/v1/handoff", json={"conversation_id": conv, "channel": "web",
                                         "reason": "asked_for_human", "category": "hộ tịch",
                                         "priority": "high"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "waiting" and body["position"] == 1
    assert isinstance(body["within_office_hours"], bool)
    assert "Thứ Hai đến Thứ Sáu: 07:30–11:30 và 13:30–17:00" == body["office_hours"]
    if body["within_office_hours"]:
        assert body["expected_wait_minutes"] == 5
    else:
        assert body["expected_wait_minutes"] is None and "ngoài giờ" in body["message"]
    again = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "again"})
    assert again.json()["ticket_id"] == body["ticket_id"]  # idempotent


def test_second_ticket_waits_behind_first(client: TestClient, fake_rasa: FakeRasa) -> None:
    a = start_conversation(client, fake_rasa, "session-citizen-handoff-aaaa01")
    b = start_conversation(client, fake_rasa, "session-citizen-handoff-bbbb01")
    client.post("/v1/handoff", json={"conversation_id": a, "reason": "x"})
    r = client.post("/v1/handoff", json={"conversation_id": b, "reason": "y"})
    assert r.json()["position"] == 2


def test_handoff_needs_a_conversation(client: TestClient) -> None:
    assert client.post("/v1/handoff", json={"reason": "x"}).status_code == 422
    r = client.post("/v1/handoff", json={"conversation_id": "0" * 32, "reason": "x"})
    assert r.status_code == 404


def test_agent_api_requires_token(client: TestClient) -> None:
    assert client.get("/v1/agent/tickets").status_code == 401
    r = client.get("/v1/agent/tickets", headers={"Authorization": "Bearer wrong-token-xx"})
    assert r.status_code == 401


def test_admin_api_not_configured_is_503(tmp_path, searcher) -> None:
    from api.main import create_app

    app = create_app(make_settings(tmp_path, admin_token=None),
                     searcher_loader=lambda _d: searcher)
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        r = c.post("/v1/admin/reload", headers={"Authorization": "Bearer anything-at-all"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "not_configured"
        # agents are accounts, not a configured token: an unknown token is simply 401
        r = c.get("/v1/agent/tickets", headers={"Authorization": "Bearer anything-at-all"})
        assert r.status_code == 401


def test_full_agent_flow_over_web(client: TestClient, fake_rasa: FakeRasa,
                                  agent_headers: dict[str, str]) -> None:
    conv = start_conversation(client, fake_rasa)
    ticket = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "x"}).json()
    listed = client.get("/v1/agent/tickets", headers=agent_headers).json()
    assert [t["id"] for t in listed] == [ticket["ticket_id"]]

    claimed = client.post("/v1/agent/tickets/claim", json={"agent": "an"}, headers=agent_headers)
    assert claimed.json()["id"] == ticket["ticket_id"] and claimed.json()["agent"] == "an"
    again = client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/claim", json={"agent": "bo"},
                        headers=agent_headers)
    assert again.status_code == 409
    empty = client.post("/v1/agent/tickets/claim", json={"agent": "bo"}, headers=agent_headers)
    assert empty.status_code == 200 and empty.json() is None

    tr = client.get(f"/v1/agent/tickets/{ticket['ticket_id']}/transcript",
                    headers=agent_headers).json()
    assert tr["conversation_state"] == "agent"
    assert tr["messages"][0]["text"] == "tôi muốn gặp cán bộ"
    assert tr["handoff_transcript"]["lines"][0]["role"] == "citizen"

    rep = client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/reply",
                      json={"agent": "an", "text": "Chào Anh/Chị, tôi có thể giúp gì?"},
                      headers=agent_headers)
    assert rep.json()["delivered"] is True and rep.json()["channel"] == "web"
    hist = client.get(f"/v1/chat/web/{SID}/history").json()
    assert hist["state"] == "agent"
    assert hist["messages"][-1]["role"] == "agent"

    n = len(fake_rasa.requests)
    client.post("/v1/chat/web", json={"session_id": SID, "text": "cảm ơn"})
    assert len(fake_rasa.requests) == n  # the agent has it, not Rasa

    closed = client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/close", headers=agent_headers)
    assert closed.json()["status"] == "closed"
    client.post("/v1/chat/web", json={"session_id": SID, "text": "khai sinh"})
    assert len(fake_rasa.requests) == n + 1  # back to the bot
    assert client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/reply", json={"text": "x"},
                       headers=agent_headers).status_code == 409


def test_reply_on_other_channel_uses_registered_sender(client: TestClient,
                                                       agent_headers: dict[str, str]) -> None:
    sent: list[tuple[str, str]] = []

    class Recorder:
        def send(self, *, address: str, text: str, buttons: list) -> bool:
            sent.append((address, text))
            return True

    state = client.app.state.api
    state.channels.register("zalo", Recorder())
    with state.session_factory() as db:
        from api.db import conversations as convs

        conv = convs.get_or_create_conversation(
            db, channel="zalo", user_hash=state.identity.hash_user("zalo", "84901234567"),
            reply_address=state.identity.seal("84901234567"))
        db.commit()
        assert conv.reply_address and "84901234567" not in conv.reply_address
        conv_id = conv.id
    t = client.post("/v1/handoff", json={"conversation_id": conv_id, "reason": "x"}).json()
    r = client.post(f"/v1/agent/tickets/{t['ticket_id']}/reply", json={"text": "Xin chào"},
                    headers=agent_headers)
    assert r.json() == {**r.json(), "delivered": True, "channel": "zalo"}
    # the reply claimed the waiting ticket, so the citizen hears that first
    assert sent == [("84901234567", wording.TICKET_CLAIMED), ("84901234567", "Xin chào")]
    t_id = t["ticket_id"]
    binh = add_agent(client.app, "binh")
    moved = client.post(f"/v1/agent/tickets/{t_id}/transfer", json={"agent": "binh"},
                        headers=agent_headers)
    assert moved.status_code == 200 and moved.json()["agent"] == "binh"
    assert client.post(f"/v1/agent/tickets/{t_id}/close",
                       headers=agent_headers).status_code == 403  # binh's now
    client.post(f"/v1/agent/tickets/{t_id}/close", headers=binh)
    assert [text for _, text in sent[2:]] == [wording.TICKET_TRANSFERRED, wording.TICKET_CLOSED]


def test_a_sender_that_fails_leaves_the_reply_stored_and_undelivered(
        client: TestClient, fake_rasa: FakeRasa, agent_headers: dict[str, str]) -> None:
    class Broken:
        def send(self, *, address: str, text: str, buttons: list) -> bool:
            raise RuntimeError("platform client bug")

    client.app.state.api.channels.register("web", Broken())
    conv = start_conversation(client, fake_rasa)
    t = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "x"}).json()
    r = client.post(f"/v1/agent/tickets/{t['ticket_id']}/reply", json={"text": "Xin chào"},
                    headers=agent_headers)
    assert r.status_code == 200 and r.json()["delivered"] is False
    hist = client.get(f"/v1/chat/web/{SID}/history").json()
    assert hist["messages"][-1] == {**hist["messages"][-1], "role": "agent", "text": "Xin chào"}


def test_transfer_needs_a_claimed_ticket(client: TestClient, fake_rasa: FakeRasa,
                                         agent_headers: dict[str, str]) -> None:
    conv = start_conversation(client, fake_rasa)
    t = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "x"}).json()
    r = client.post(f"/v1/agent/tickets/{t['ticket_id']}/transfer", json={"agent": "binh"},
                    headers=agent_headers)
    assert r.status_code == 409
    assert client.post("/v1/agent/tickets/999/transfer", json={"agent": "binh"},
                       headers=agent_headers).status_code == 404


def vn_time(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
    return datetime(y, m, d, hh - 7, mm, tzinfo=timezone.utc)


def test_the_handoff_desk_reads_its_clock(client: TestClient, fake_rasa: FakeRasa,
                                          agent_headers: dict[str, str]) -> None:
    state = client.app.state.api
    state.clock = lambda: vn_time(2026, 11, 23, 8, 0)  # Monday 08:00
    conv = start_conversation(client, fake_rasa)
    body = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "x"}).json()
    assert body["within_office_hours"] is True and body["expected_wait_minutes"] == 5
    assert body["message"] == wording.handoff_waiting(1, 5)
    claimed = client.post("/v1/agent/tickets/claim", json={"agent": "an"},
                          headers=agent_headers).json()
    assert claimed["claimed_at"].startswith("2026-11-23T01:00:00")

    state.clock = lambda: vn_time(2026, 11, 28, 9, 0)  # Saturday
    other = start_conversation(client, fake_rasa, "session-citizen-handoff-sat001")
    late = client.post("/v1/handoff", json={"conversation_id": other, "reason": "x"}).json()
    assert late["within_office_hours"] is False and late["expected_wait_minutes"] is None
    assert late["message"].startswith("Hiện đã ngoài giờ làm việc (Thứ Hai đến Thứ Sáu")
    assert "tổng đài 1022" in late["message"]


def test_office_hours(tmp_path) -> None:
    hours = OfficeHours(make_settings(tmp_path))
    vn = lambda y, m, d, hh, mm: datetime(y, m, d, hh - 7, mm, tzinfo=timezone.utc)  # noqa: E731
    assert hours.is_open(vn(2026, 11, 23, 8, 0))  # Monday 08:00
    assert not hours.is_open(vn(2026, 11, 23, 12, 0))  # lunch
    assert hours.is_open(vn(2026, 11, 23, 16, 59))
    assert not hours.is_open(vn(2026, 11, 23, 17, 0))
    assert not hours.is_open(vn(2026, 11, 28, 8, 0))  # Saturday
    sat = OfficeHours(make_settings(tmp_path, saturday_morning=True))
    assert sat.is_open(vn(2026, 11, 28, 8, 0)) and not sat.is_open(vn(2026, 11, 28, 14, 0))
    assert "sáng Thứ Bảy" in sat.describe()


def test_admin_reload_and_info(client: TestClient, admin_headers: dict[str, str],
                               searcher) -> None:
    r = client.post("/v1/admin/reload", headers=admin_headers)
    assert r.status_code == 200 and r.json()["reloaded"] is False
    assert searcher.reloads == 1
    info = client.get("/v1/admin/info", headers=admin_headers).json()
    assert info["index_loaded"] is True and info["manifest"]["kind"] == "fake"
    assert info["channels"] == ["web"] and info["events_backend"] == "memory"


def test_health_and_ready(client: TestClient, fake_rasa: FakeRasa) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["ready"] is True
    fake_rasa.mode = "down"
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["not_ready"] == ["rasa"]


def test_office_hours_without_office_days_never_open(tmp_path) -> None:
    hours = OfficeHours(make_settings(tmp_path, office_days=[]))
    assert not hours.is_open(vn_time(2026, 11, 23, 8, 0))
    assert hours.describe() == "hiện không có lịch làm việc cố định"  # was an IndexError (500)
