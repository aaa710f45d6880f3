"""Agent accounts, tokens, the audit log and ticket ownership on a real PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from api.agents import store
from api.agents.models import AgentRole
from api.db.engine import make_engine, make_session_factory
from api.main import create_app
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings
from test_store_postgres import pg_url  # noqa: F401 - the session's database

pytestmark = pytest.mark.postgres


def test_logins_are_unique_and_tokens_find_their_agent(pg_url: str) -> None:  # noqa: F811
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    login = f"pg-{uuid.uuid4().hex[:8]}"
    with factory() as db:
        row = store.create_agent(db, login=login, display_name="Pg", role=AgentRole.agent,
                                 password="mat-khau-cho-kiem-thu-42")
        _, secret = store.issue_token(db, agent=row, label="t")
        db.commit()
    with factory() as db, pytest.raises(store.AgentStoreError):
        store.create_agent(db, login=login.upper(), display_name="again", role=AgentRole.agent,
                           password="mat-khau-cho-kiem-thu-42")
    with factory() as db:
        assert store.agent_for_token(db, token=secret).login == login  # type: ignore[union-attr]
        store.audit(db, agent=login, action="view", detail={"via": "token", "n": 1})
        db.commit()
        assert store.audit_log(db, agent=login)[0].detail == {"via": "token", "n": 1}
    engine.dispose()


def test_only_the_holder_acts_on_postgres(pg_url: str, tmp_path) -> None:  # noqa: F811
    rasa = FakeRasa("echo")
    app = create_app(make_settings(tmp_path, database_url=pg_url),
                     searcher_loader=lambda _d: FakeSearcher(), rasa_transport=rasa.transport())
    suffix = uuid.uuid4().hex[:8]
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        a, b = add_agent(app, f"a-{suffix}"), add_agent(app, f"b-{suffix}")
        sid = f"pg-own-{suffix}-session-0001"
        client.post("/v1/chat/web", json={"session_id": sid, "text": "gặp cán bộ"})
        t = client.post("/v1/handoff", json={"sender_id": sid, "channel": "web",
                                             "reason": "x"}).json()["ticket_id"]
        assert client.post(f"/v1/agent/tickets/{t}/claim", headers=a).status_code == 200
        assert client.post(f"/v1/agent/tickets/{t}/claim", headers=b).status_code == 409
        assert client.post(f"/v1/agent/tickets/{t}/reply", json={"text": "x"},
                           headers=b).status_code == 403
        assert client.post(f"/v1/agent/tickets/{t}/close", headers=a).status_code == 200
        with app.state.api.session_factory() as db:
            log = store.audit_log(db, ticket_id=t)
        assert [(r.agent, r.action, r.outcome) for r in reversed(log)] == [
            (f"a-{suffix}", "claim", "ok"), (f"b-{suffix}", "claim", "conflict"),
            (f"b-{suffix}", "reply", "denied"), (f"a-{suffix}", "close", "ok")]


def test_a_call_back_number_is_sealed_and_opened_on_postgres(pg_url: str, tmp_path) -> None:  # noqa: F811
    from datetime import datetime, timezone

    from sqlalchemy import text

    rasa = FakeRasa("echo")
    app = create_app(make_settings(tmp_path, database_url=pg_url),
                     searcher_loader=lambda _d: FakeSearcher(), rasa_transport=rasa.transport())
    suffix = uuid.uuid4().hex[:8]
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        app.state.api.clock = lambda: datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)  # Sat
        a = add_agent(app, f"cb-{suffix}")
        sid = f"pg-cb-{suffix}-session-00001"
        client.post("/v1/chat/web", json={"session_id": sid, "text": "gặp cán bộ"})
        t = client.post("/v1/handoff", json={"sender_id": sid, "channel": "web",
                                             "reason": "x"}).json()["ticket_id"]
        saved = client.post(f"/v1/chat/web/{sid}/callback", json={"phone": "0987 654 321"})
        assert saved.json()["masked"] == "*******321"
        with app.state.api.engine.connect() as conn:
            sealed = conn.execute(text("SELECT phone_sealed FROM callback_requests "
                                       "WHERE ticket_id = :t"), {"t": t}).scalar_one()
        assert "987654321" not in sealed
        client.post(f"/v1/agent/tickets/{t}/claim", headers=a)
        assert client.post(f"/v1/agent/tickets/{t}/callback/reveal",
                           headers=a).json() == {"phone": "0987654321"}
