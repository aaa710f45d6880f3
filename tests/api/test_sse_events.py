"""SSE: agent messages reach the web citizen live, and a reconnect resumes after the last id."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from api_fakes import FakeRasa
from sse_client import read_events

SID = "session-citizen-sse-00000001"


def test_agent_reply_arrives_over_sse_and_resumes(client: TestClient, fake_rasa: FakeRasa,
                                                  agent_headers: dict[str, str]) -> None:
    client.post("/v1/chat/web", json={"session_id": SID, "text": "gặp cán bộ"})
    conv = fake_rasa.requests[-1]["sender"]
    ticket = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "x"}).json()

    def agent_acts() -> None:
        time.sleep(0.3)
        client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/claim", json={"agent": "an"},
                    headers=agent_headers)
        client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/reply",
                    json={"text": "Tôi là cán bộ hỗ trợ."}, headers=agent_headers)

    worker = threading.Thread(target=agent_acts)
    worker.start()
    events = read_events(client, f"/v1/chat/web/{SID}/events", want=2)
    worker.join()
    msgs = [e for e in events if e[1] == "message"]
    assert [m[2]["role"] for m in msgs] == ["system", "agent"]
    assert msgs[1][2]["text"] == "Tôi là cán bộ hỗ trợ."
    assert ("state" in {e[1] for e in events})

    # reconnect after the first event: the browser sends Last-Event-ID
    first_id = msgs[0][0]
    again = read_events(client, f"/v1/chat/web/{SID}/events", want=1,
                        headers={"Last-Event-ID": first_id})
    replay = [e for e in again if e[1] == "message"]
    assert replay[0][2]["text"] == "Tôi là cán bộ hỗ trợ."
