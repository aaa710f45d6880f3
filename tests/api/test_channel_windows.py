"""Platform windows for agent replies: Messenger's 24 h / HUMAN_AGENT 7 days, Zalo's 48 h and
8 free replies (unconfirmed past them), against the local fake Graph and Zalo servers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from api.channels.messenger_client import build_messages
from api.channels.windows import Delivery, delivery
from api_fakes import FakeRasa, add_agent

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("channel", "hours", "sent", "human", "expected"), [
    ("messenger", 23.9, 0, True, Delivery(True)),
    ("messenger", 24.1, 0, True, Delivery(True, "human_agent_tag", "HUMAN_AGENT")),
    ("messenger", 24 * 7 - 0.1, 0, True, Delivery(True, "human_agent_tag", "HUMAN_AGENT")),
    ("messenger", 24 * 7 + 0.1, 0, True, Delivery(False, "closed")),
    ("messenger", 25, 0, False, Delivery(False, "closed")),  # the tag is for people only
    ("zalo", 47, 7, True, Delivery(True)),
    ("zalo", 47, 8, True, Delivery(True, "zalo_proactive_unconfirmed")),
    ("zalo", 49, 0, True, Delivery(True, "zalo_proactive_unconfirmed")),
    ("web", 24 * 30, 99, True, Delivery(True)),
])
def test_windows(channel: str, hours: float, sent: int, human: bool,
                 expected: Delivery) -> None:
    got = delivery(channel, last_citizen_at=T0, now=T0 + timedelta(hours=hours),
                   sent_since=sent, human=human)
    assert got == expected


def test_naive_database_times_are_utc() -> None:
    naive = T0.replace(tzinfo=None)
    assert delivery("messenger", last_citizen_at=naive, now=T0 + timedelta(hours=30),
                    sent_since=0, human=True).tag == "HUMAN_AGENT"


def test_a_tagged_body() -> None:
    [body] = build_messages(psid="1", text="Chào Anh/Chị", buttons=[], tag="HUMAN_AGENT")
    assert body == {"recipient": {"id": "1"}, "messaging_type": "MESSAGE_TAG",
                    "tag": "HUMAN_AGENT", "message": {"text": "Chào Anh/Chị"}}
    [plain] = build_messages(psid="1", text="Chào", buttons=[])
    assert plain["messaging_type"] == "RESPONSE" and "tag" not in plain


# -- through the app and the fake platforms ----------------------------------------------------
from test_messenger_webhook import PSID, page_body, post, text_msg  # noqa: E402
from test_messenger_webhook import settings as messenger_settings  # noqa: E402, F401
from fakes.fixtures import graph_server  # noqa: E402, F401


@pytest.fixture
def settings(messenger_settings):  # type: ignore[no-untyped-def]  # noqa: F811
    return messenger_settings


def test_a_late_messenger_reply_carries_the_human_agent_tag_and_a_week_late_one_is_held(
        client: TestClient, fake_rasa: FakeRasa, graph_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    post(client, page_body(text_msg("cho tôi gặp cán bộ", mid="m_w1")))
    conv = fake_rasa.requests[-1]["sender"]
    agent = add_agent(client.app, "an")
    t = client.post("/v1/handoff", json={"conversation_id": conv, "channel": "messenger",
                                         "reason": "asked"}).json()["ticket_id"]
    client.post(f"/v1/agent/tickets/{t}/claim", headers=agent)
    state = client.app.state.api
    now = datetime.now(timezone.utc)
    state.clock = lambda: now + timedelta(hours=30)
    r = client.post(f"/v1/agent/tickets/{t}/reply", json={"text": "Cán bộ 1022 trả lời muộn."},
                    headers=agent).json()
    assert r["delivered"] is True and r["window"] == "human_agent_tag"
    last = graph_server.delivered[-1]
    assert last == {"recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG",
                    "tag": "HUMAN_AGENT", "message": {"text": "Cán bộ 1022 trả lời muộn."}}
    state.clock = lambda: now + timedelta(days=8)
    count = len(graph_server.sent)
    r = client.post(f"/v1/agent/tickets/{t}/reply", json={"text": "Quá muộn."},
                    headers=agent).json()
    assert r["delivered"] is False and r["window"] == "closed"
    assert len(graph_server.sent) == count  # nothing was sent to the platform
