"""Zalo: an agent's reply past 48 h is still sent, and marked as possibly proactive
(unconfirmed platform rule, api.channels.windows), against the local fake Zalo server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from api_fakes import FakeRasa, add_agent
from fakes.fixtures import zalo_server  # noqa: F401
from test_zalo_webhook import USER, deliver, settings, text_event  # noqa: F401


def test_a_zalo_reply_after_48_hours_is_sent_and_marked_unconfirmed(
        client: TestClient, fake_rasa: FakeRasa, zalo_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    deliver(client, text_event("tôi muốn gặp cán bộ", msg_id="w1"))
    conv = fake_rasa.requests[-1]["sender"]
    agent = add_agent(client.app, "an")
    t = client.post("/v1/handoff", json={"conversation_id": conv, "channel": "zalo",
                                         "reason": "asked"}).json()["ticket_id"]
    client.post(f"/v1/agent/tickets/{t}/claim", headers=agent)
    first = client.post(f"/v1/agent/tickets/{t}/reply", json={"text": "Chào Anh/Chị."},
                        headers=agent).json()
    assert first["window"] == "open"
    now = datetime.now(timezone.utc)
    client.app.state.api.clock = lambda: now + timedelta(hours=49)
    late = client.post(f"/v1/agent/tickets/{t}/reply", json={"text": "Trả lời sau 2 ngày."},
                       headers=agent).json()
    assert late["delivered"] is True and late["window"] == "zalo_proactive_unconfirmed"
    assert zalo_server.sent[-1].json == {"recipient": {"user_id": USER},
                                         "message": {"text": "Trả lời sau 2 ngày."}}


def test_the_ninth_message_after_the_citizens_is_marked(
        client: TestClient, fake_rasa: FakeRasa, zalo_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from sqlalchemy import select

    from api.db.models import Message

    deliver(client, text_event("tôi muốn gặp cán bộ", msg_id="w2"))
    conv = fake_rasa.requests[-1]["sender"]
    agent = add_agent(client.app, "an")
    t = client.post("/v1/handoff", json={"conversation_id": conv, "channel": "zalo",
                                         "reason": "asked"}).json()["ticket_id"]
    client.post(f"/v1/agent/tickets/{t}/claim", headers=agent)
    windows = [client.post(f"/v1/agent/tickets/{t}/reply", json={"text": f"Tin {i}"},
                           headers=agent).json()["window"] for i in range(10)]
    with client.app.state.api.session_factory() as db:
        roles = [m.role for m in db.scalars(select(Message).where(
            Message.conversation_id == conv).order_by(Message.id))]
    after = roles[len(roles) - roles[::-1].index("citizen"):]  # after the citizen's message
    first_marked = windows.index("zalo_proactive_unconfirmed")
    # the reply that got marked was the 9th message sent after the citizen's last one
    assert len(after) - len(windows) + first_marked == 8
    assert set(windows[:first_marked]) == {"open"}
    assert set(windows[first_marked:]) == {"zalo_proactive_unconfirmed"}
