"""Conversation events: published once per commit, in-process or over a real Redis, feeding
the citizen and agent streams without any per-connection database polling."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event

from api.db import conversations as convs
from api.db.models import Role
from api.main import create_app
from api.services.events import ConversationEvent
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings
from sse_client import read_events

SID = "session-citizen-events-000001"


def start(client: TestClient, fake_rasa: FakeRasa, sid: str = SID) -> str:
    client.post("/v1/chat/web", json={"session_id": sid, "text": "tôi muốn gặp cán bộ"})
    return fake_rasa.requests[-1]["sender"]


def test_events_are_published_on_commit_and_dropped_on_rollback(client: TestClient) -> None:
    state = client.app.state.api
    heard: list[ConversationEvent] = []
    state.bus.publish = heard.extend  # type: ignore[method-assign]
    with state.session_factory() as db:
        conv = convs.get_or_create_conversation(db, channel="web", user_hash="h" * 64)
        db.commit()
        heard.clear()
        convs.add_message(db, conversation=conv, role=Role.system, text="lost")
        db.rollback()
        assert heard == []
        convs.add_message(db, conversation=conv, role=Role.agent, text="kept")
        assert heard == []  # flushed, not yet committed
        db.commit()
    assert [(e.kind, e.data["text"]) for e in heard] == [("message", "kept")]
    assert heard[0].data["id"] > 0 and heard[0].user_hash == "h" * 64


def test_an_idle_citizen_stream_does_not_query_the_database(tmp_path: Path,
                                                            searcher: FakeSearcher) -> None:
    settings = make_settings(tmp_path, sse_keepalive_seconds=0.1, sse_max_seconds=1.0)
    app = create_app(settings, searcher_loader=lambda _d: searcher,
                     rasa_transport=FakeRasa("echo").transport())
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        client.post("/v1/chat/web", json={"session_id": SID, "text": "xin chào"})
        queries: list[str] = []
        sa_event.listen(app.state.api.engine, "before_cursor_execute",
                        lambda *args: queries.append(args[2]))
        at_keepalive: list[int] = []
        read_events(client, f"/v1/chat/web/{SID}/events", want=99, timeout=5,
                    on_line=lambda line: at_keepalive.append(len(queries))
                    if line.startswith(": keepalive") else None)
    assert len(at_keepalive) >= 5  # the stream idled for its whole second
    assert at_keepalive[0] > 0  # the opening read the state once
    assert at_keepalive[-1] == at_keepalive[0]  # and nothing after that


def test_the_agent_stream_needs_the_token(client: TestClient) -> None:
    assert client.get("/v1/agent/events").status_code == 401


def test_the_agent_stream_shows_the_queue_and_the_citizen_live(
        client: TestClient, fake_rasa: FakeRasa, agent_headers: dict[str, str]) -> None:
    conv = start(client, fake_rasa)

    def citizen_and_agent() -> None:
        time.sleep(0.3)
        t = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "x"}).json()
        client.post("/v1/chat/web", json={"session_id": SID, "text": "Tôi cần hỏi về hộ tịch"})
        client.post(f"/v1/agent/tickets/{t['ticket_id']}/claim", json={"agent": "an"},
                    headers=agent_headers)

    worker = threading.Thread(target=citizen_and_agent)
    worker.start()
    events = read_events(client, "/v1/agent/events", want=2, kind="ticket",
                         headers=agent_headers)
    worker.join()
    tickets = [e[2] for e in events if e[1] == "ticket"]
    assert [t["change"] for t in tickets] == ["opened", "claimed"]
    assert tickets[0]["ticket"]["conversation_id"] == conv
    assert tickets[1]["ticket"]["agent"] == "an"
    said = [e[2]["message"] for e in events if e[1] == "message"]
    assert {"role": "citizen", "text": "Tôi cần hỏi về hộ tịch"}.items() <= said[0].items()
    # a conversation with the bot only is not the agents' business
    assert all(e[2].get("conversation_id") == conv for e in events if e[1] != "ticket")


def test_an_agent_on_one_worker_reaches_a_citizen_streaming_from_another(
        tmp_path: Path, redis_url: str) -> None:
    """Two apps on one database and one Redis: the agent's reply is committed by worker A,
    the citizen's stream is open on worker B, which never polls the database."""
    settings = make_settings(tmp_path, redis_url=redis_url,
                             events_channel=f"test-events-{uuid.uuid4().hex}")
    rasa = FakeRasa("echo")
    apps = [create_app(settings, searcher_loader=lambda _d: FakeSearcher(),
                       rasa_transport=rasa.transport()) for _ in range(2)]
    with (TestClient(apps[0], headers=SERVICE_HEADERS) as a,
          TestClient(apps[1], headers=SERVICE_HEADERS) as b):
        agent_headers = add_agent(apps[0], "an")
        conv = start(a, rasa)
        t = a.post("/v1/handoff", json={"conversation_id": conv, "reason": "x"}).json()

        def agent_on_a() -> None:
            time.sleep(0.3)
            a.post(f"/v1/agent/tickets/{t['ticket_id']}/reply",
                   json={"agent": "an", "text": "Chào Anh/Chị, tôi là cán bộ."},
                   headers=agent_headers)

        worker = threading.Thread(target=agent_on_a)
        worker.start()
        events = read_events(b, f"/v1/chat/web/{SID}/events", want=2)
        worker.join()
    msgs = [e[2] for e in events if e[1] == "message"]
    assert [(m["role"], m["text"]) for m in msgs] == [
        ("system", "Cán bộ hỗ trợ đã tiếp nhận cuộc trò chuyện. Anh/Chị vui lòng trao đổi tại đây."),
        ("agent", "Chào Anh/Chị, tôi là cán bộ.")]
    assert ("state", {"state": "agent"}) in [(e[1], e[2]) for e in events]


def test_a_failing_bus_never_fails_the_commit(client: TestClient) -> None:
    state = client.app.state.api

    def broken(_events: list[ConversationEvent]) -> None:
        raise ConnectionError("bus down")

    state.bus.publish = broken  # type: ignore[method-assign]
    with state.session_factory() as db:
        conv = convs.get_or_create_conversation(db, channel="web", user_hash="k" * 64)
        convs.add_message(db, conversation=conv, role=Role.citizen, text="vẫn được lưu")
        db.commit()
    with state.session_factory() as db:
        assert [m.text for m in convs.list_messages(db, conversation_id=conv.id)] == [
            "vẫn được lưu"]
