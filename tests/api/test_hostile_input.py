"""SQL metacharacters and quoting tricks in every citizen-controlled field are data, never
code: no 5xx, stored and shown verbatim, nothing else in the database touched."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.db.models import Conversation, Message

PAYLOADS = [
    "'; DROP TABLE messages; --",
    "\" OR 1=1 --",
    "1' UNION SELECT user_hash FROM conversations --",
    "%' AND SLEEP(5) AND '%'='",
    "lệ phí khai sinh'); DELETE FROM handoff_tickets; --",
]


def counts(client: TestClient) -> tuple[int, int]:
    with client.app.state.api.session_factory() as db:  # type: ignore[attr-defined]
        return (int(db.scalar(select(func.count(Conversation.id))) or 0),
                int(db.scalar(select(func.count(Message.id))) or 0))


@pytest.mark.parametrize("text", PAYLOADS)
def test_sql_in_a_chat_message_is_stored_as_text(client: TestClient, text: str) -> None:
    sid = "session-hostile-input-000001"
    r = client.post("/v1/chat/web", json={"session_id": sid, "text": text})
    assert r.status_code == 200, r.text
    history = client.get(f"/v1/chat/web/{sid}/history").json()["messages"]
    assert history[0]["role"] == "citizen" and history[0]["text"] == text
    assert counts(client) == (1, len(history))


@pytest.mark.parametrize("text", PAYLOADS)
def test_sql_in_search_answer_and_dossier_fields_gets_no_server_error(
        client: TestClient, text: str) -> None:
    assert client.get("/v1/search", params={"q": text}).status_code == 200
    assert client.post("/v1/answer", json={"text": text}).status_code == 200
    r = client.post("/v1/dossiers/lookup",
                    json={"code": text[:64], "factor": "1234", "sender_id": text[:128]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_code"
    r = client.post("/v1/handoff", json={"sender_id": text, "channel": "web", "reason": text})
    assert r.status_code < 500


def test_a_session_id_with_sql_in_it_is_refused(client: TestClient) -> None:
    r = client.post("/v1/chat/web", json={"session_id": "x' OR '1'='1' -- padding-pad",
                                          "text": "xin chào"})
    assert r.status_code == 422
    assert counts(client) == (0, 0)
