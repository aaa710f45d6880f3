"""Call-back requests outside office hours: offered, validated, sealed at rest, masked for
agents, opened only by the holder or a supervisor, and every opening audited."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.agents import store
from api.services import wording
from api_fakes import FakeRasa, add_agent

SID = "session-citizen-callback-0001"
SATURDAY = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)  # 09:00 in Hà Nội
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def waiting(client: TestClient, fake_rasa: FakeRasa) -> int:
    client.post("/v1/chat/web", json={"session_id": SID, "text": "tôi muốn gặp cán bộ"})
    conv = fake_rasa.requests[-1]["sender"]
    return client.post("/v1/handoff", json={"conversation_id": conv,  # type: ignore[no-any-return]
                                            "reason": "asked"}).json()["ticket_id"]


def test_offered_outside_office_hours_only(client: TestClient, fake_rasa: FakeRasa) -> None:
    url = f"/v1/chat/web/{SID}/callback"
    assert client.get(url).json() == {"offered": False, "requested": None, "text": None}
    waiting(client, fake_rasa)
    client.app.state.api.clock = lambda: MONDAY
    assert client.get(url).json()["offered"] is False
    client.app.state.api.clock = lambda: SATURDAY
    assert client.get(url).json() == {"offered": True, "requested": None,
                                      "text": wording.CALLBACK_OFFER}


def test_a_number_is_validated_sealed_masked_and_opened_with_an_audit(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    url = f"/v1/chat/web/{SID}/callback"
    assert client.post(url, json={"phone": "0912345678"}).status_code == 409  # no ticket
    ticket = waiting(client, fake_rasa)
    client.app.state.api.clock = lambda: SATURDAY
    bad = client.post(url, json={"phone": "12345"})
    assert bad.status_code == 422 and bad.json()["error"]["text"] == wording.CALLBACK_BAD_PHONE
    ok = client.post(url, json={"phone": "+84 912.345.678"}).json()
    assert ok["masked"] == "*******678"
    assert ok["message"]["text"] == wording.callback_saved("*******678")
    assert client.get(url).json() == {"offered": False, "requested": "*******678", "text": None}
    with client.app.state.api.engine.connect() as conn:  # nothing in clear at rest
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM callback_requests"))
                        for v in row)
    assert "912345678" not in dump and "0912" not in dump

    an, binh = add_agent(client.app, "an"), add_agent(client.app, "binh")
    chi = add_agent(client.app, "chi", role="supervisor")
    shown = client.get(f"/v1/agent/tickets/{ticket}/callback", headers=binh).json()
    assert shown["masked"] == "*******678"
    client.post(f"/v1/agent/tickets/{ticket}/claim", headers=an)
    reveal = f"/v1/agent/tickets/{ticket}/callback/reveal"
    assert client.post(reveal, headers=binh).status_code == 403
    assert client.post(reveal, headers=an).json() == {"phone": "0912345678"}
    assert client.post(reveal, headers=chi).json() == {"phone": "0912345678"}
    with client.app.state.api.session_factory() as db:
        rows = [(r.agent, r.outcome) for r in store.audit_log(db, ticket_id=ticket)
                if r.action == "phone_reveal"]
    assert sorted(rows) == [("an", "ok"), ("binh", "denied"), ("chi", "ok")]
    assert client.get("/v1/agent/tickets/999/callback", headers=an).status_code == 404


def test_numbers(client: TestClient) -> None:
    from api.db.callbacks import mask_phone, normalise_phone

    assert normalise_phone("0912 345 678") == "0912345678"
    assert normalise_phone("84 35-123-4567") == "0351234567"
    assert normalise_phone("024 3825 1234") == "02438251234"
    assert normalise_phone("0112345678") is None and normalise_phone("091234567") is None
    assert mask_phone("02438251234") == "********234"
