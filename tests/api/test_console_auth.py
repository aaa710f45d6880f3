"""Console sign-in, session cookie, CSRF, lock-out, and who may act on which ticket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.agents import store
from api.main import create_app
from api_fakes import AGENT_PASSWORD, SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings

SID = "session-citizen-console-000001"


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(client: TestClient, login: str, password: str = AGENT_PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/console/login").text)
    return client.post("/console/login", data={"login": login, "password": password,
                                               "csrf_token": token}, follow_redirects=False)


def session_csrf(client: TestClient) -> str:
    r = client.get("/console/session")
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]  # type: ignore[no-any-return]


def open_ticket(client: TestClient, fake_rasa: FakeRasa, sid: str = SID) -> int:
    client.post("/v1/chat/web", json={"session_id": sid, "text": "tôi muốn gặp cán bộ"})
    conv = fake_rasa.requests[-1]["sender"]
    r = client.post("/v1/handoff", json={"conversation_id": conv, "reason": "asked"})
    return r.json()["ticket_id"]  # type: ignore[no-any-return]


@pytest.fixture
def app(tmp_path: Path, fake_rasa: FakeRasa):  # type: ignore[no-untyped-def]
    return create_app(make_settings(tmp_path), searcher_loader=lambda _d: FakeSearcher(),
                      rasa_transport=fake_rasa.transport())


@pytest.fixture
def web(app) -> TestClient:  # type: ignore[no-untyped-def]
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        yield c


# -- signing in ---------------------------------------------------------------------------
def test_sign_in_sets_a_strict_httponly_cookie_and_opens_the_console(web: TestClient) -> None:
    add_agent(web.app, "an")
    r = sign_in(web, "an")
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"].lower()
    assert "tthc_console=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http here; see the https test below
    page = web.get("/console")
    assert page.status_code == 200 and 'data-login="an"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert web.get("/console/session").json()["login"] == "an"


def test_the_cookie_is_secure_over_https(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://testserver", headers=SERVICE_HEADERS) as c:
        add_agent(c.app, "an")
        r = sign_in(c, "an")
        assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


def test_a_wrong_password_or_unknown_login_is_refused_alike(web: TestClient) -> None:
    add_agent(web.app, "an")
    wrong = sign_in(web, "an", "not-the-password-1")
    unknown = sign_in(web, "nobody", "not-the-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "không đúng" in wrong.text and "không đúng" in unknown.text
    assert web.get("/console", follow_redirects=False).status_code == 303


def test_a_disabled_agent_cannot_sign_in_and_its_session_stops(web: TestClient) -> None:
    headers = add_agent(web.app, "an")
    assert sign_in(web, "an").status_code == 303
    with web.app.state.api.session_factory() as db:
        store.set_active(db, login="an", active=False)
        db.commit()
    assert web.get("/console/session").status_code == 401
    assert web.get("/v1/agent/tickets", headers=headers).status_code == 401  # token too
    assert sign_in(web, "an").status_code == 401


def test_repeated_failures_lock_the_login_even_for_the_right_password(web: TestClient) -> None:
    add_agent(web.app, "an")
    codes = [sign_in(web, "an", f"guess-number-{i:02d}").status_code for i in range(5)]
    assert codes == [401] * 5
    locked = sign_in(web, "an")
    assert locked.status_code == 429 and "quá nhiều lần" in locked.text
    with web.app.state.api.session_factory() as db:
        rows = store.audit_log(db, agent="an")
    assert [r.outcome for r in reversed(rows)] == ["denied"] * 5 + ["locked"]


def test_one_address_is_locked_across_logins(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, login_ip_max_failures=3, rasa_enabled=False),
                     searcher_loader=lambda _d: FakeSearcher())
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        add_agent(c.app, "an")
        assert [sign_in(c, f"user{i}", "wrong-password-x").status_code
                for i in range(3)] == [401] * 3
        assert sign_in(c, "an").status_code == 429


def test_the_login_form_needs_its_csrf_token(web: TestClient) -> None:
    add_agent(web.app, "an")
    web.get("/console/login")
    r = web.post("/console/login", data={"login": "an", "password": AGENT_PASSWORD,
                                         "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and "tthc_console" not in web.get("/console/session").text


def test_sign_out_needs_the_csrf_token_and_ends_the_session(web: TestClient) -> None:
    add_agent(web.app, "an")
    sign_in(web, "an")
    assert web.post("/console/logout", data={"csrf_token": "forged"}).status_code == 403
    assert web.get("/console/session").status_code == 200
    r = web.post("/console/logout", data={"csrf_token": session_csrf(web)},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert web.get("/console/session").status_code == 401


# -- every console route needs a signed-in agent ---------------------------------------------
def console_routes() -> list[tuple[str, str]]:
    from api.routes import agent, assist, console, dossiers

    routes = []
    every = [(r, m.router.prefix) for m in (agent, assist, console) for r in m.router.routes]
    every += [(r, "/v1/dossiers") for r in dossiers.router.routes]
    for route, prefix in every:
        path = getattr(route, "path", "")
        path = path if path.startswith(prefix) else prefix + path
        if not (path.startswith("/v1/agent") or path.startswith("/console")
                or path == "/v1/dossiers/agent-lookup"):
            continue
        if path in {"/console/login"}:
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
            routes.append((method, path.replace("{ticket_id}", "1").replace("{token_id}", "1")))
    return routes


def test_without_a_session_every_console_route_is_401_or_a_redirect(web: TestClient) -> None:
    routes = console_routes()
    assert len(routes) >= 20  # the agent API, assist, the console pages, the dossier lookup
    for method, path in routes:
        r = web.request(method, path.replace("suggestions", "suggestions?q=khai+sinh")
                        if path.endswith("/v1/agent/suggestions") else path,
                        json={}, follow_redirects=False)
        if path == "/console" and method == "GET":
            assert r.status_code == 303 and r.headers["location"] == "/console/login"
        elif path == "/console/logout":
            assert r.status_code == 403  # no session, so no CSRF token can match
        else:
            assert r.status_code == 401, (method, path, r.status_code)


def test_a_cookie_post_without_the_csrf_header_is_refused(web: TestClient,
                                                          fake_rasa: FakeRasa) -> None:
    add_agent(web.app, "an")
    sign_in(web, "an")
    ticket = open_ticket(web, fake_rasa)
    forged = web.post(f"/v1/agent/tickets/{ticket}/claim")
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
    wrong = web.post(f"/v1/agent/tickets/{ticket}/claim", headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    assert web.get("/v1/agent/tickets").json()[0]["status"] == "waiting"  # nothing happened
    ok = web.post(f"/v1/agent/tickets/{ticket}/claim",
                  headers={"X-CSRF-Token": session_csrf(web)})
    assert ok.status_code == 200 and ok.json()["agent"] == "an"


# -- whose ticket ----------------------------------------------------------------------------
def test_an_agent_acts_only_on_its_own_ticket(web: TestClient, fake_rasa: FakeRasa) -> None:
    an, binh = add_agent(web.app, "an"), add_agent(web.app, "binh")
    ticket = open_ticket(web, fake_rasa)
    claimed = web.post(f"/v1/agent/tickets/{ticket}/claim", json={"agent": "binh"}, headers=an)
    assert claimed.json()["agent"] == "an"  # the token's agent, not the body's
    assert web.post(f"/v1/agent/tickets/{ticket}/claim", headers=binh).status_code == 409
    for action, body in (("reply", {"text": "Xin chào"}), ("transfer", {"agent": "binh"}),
                         ("close", {"resolution": "answered"})):
        r = web.post(f"/v1/agent/tickets/{ticket}/{action}", json=body, headers=binh)
        assert r.status_code == 403, action
    assert web.post(f"/v1/agent/tickets/{ticket}/takeover", headers=binh).status_code == 403
    # a transcript is readable by anyone on the desk (and the view is audited)
    assert web.get(f"/v1/agent/tickets/{ticket}/transcript", headers=binh).status_code == 200
    r = web.post(f"/v1/agent/tickets/{ticket}/reply", json={"text": "Xin chào", "agent": "binh"},
                 headers=an)
    assert r.status_code == 200
    hist = web.get(f"/v1/chat/web/{SID}/history").json()["messages"]
    assert hist[-1]["role"] == "agent"
    with web.app.state.api.session_factory() as db:
        denied = [(r.agent, r.action) for r in store.audit_log(db, ticket_id=ticket)
                  if r.outcome == "denied"]
    assert sorted(denied) == [("binh", a) for a in ("close", "reply", "takeover", "transfer")]


def test_transfer_goes_to_an_active_agent_only(web: TestClient, fake_rasa: FakeRasa) -> None:
    an = add_agent(web.app, "an")
    ticket = open_ticket(web, fake_rasa)
    web.post(f"/v1/agent/tickets/{ticket}/claim", headers=an)
    r = web.post(f"/v1/agent/tickets/{ticket}/transfer", json={"agent": "ghost"}, headers=an)
    assert r.status_code == 404
    binh = add_agent(web.app, "binh")
    moved = web.post(f"/v1/agent/tickets/{ticket}/transfer", json={"agent": "binh"}, headers=an)
    assert moved.json()["agent"] == "binh"
    assert web.post(f"/v1/agent/tickets/{ticket}/reply", json={"text": "x"},
                    headers=an).status_code == 403
    assert web.post(f"/v1/agent/tickets/{ticket}/reply", json={"text": "Chào Anh/Chị"},
                    headers=binh).status_code == 200


def test_a_supervisor_takes_over_reassigns_and_closes(web: TestClient,
                                                       fake_rasa: FakeRasa) -> None:
    an, binh = add_agent(web.app, "an"), add_agent(web.app, "binh")
    chi = add_agent(web.app, "chi", role="supervisor")
    ticket = open_ticket(web, fake_rasa)
    web.post(f"/v1/agent/tickets/{ticket}/claim", headers=an)
    # a supervisor may not speak on another's ticket without taking it first
    assert web.post(f"/v1/agent/tickets/{ticket}/reply", json={"text": "x"},
                    headers=chi).status_code == 403
    moved = web.post(f"/v1/agent/tickets/{ticket}/transfer", json={"agent": "binh"}, headers=chi)
    assert moved.status_code == 200 and moved.json()["agent"] == "binh"
    taken = web.post(f"/v1/agent/tickets/{ticket}/takeover", headers=chi)
    assert taken.status_code == 200 and taken.json()["agent"] == "chi"
    closed = web.post(f"/v1/agent/tickets/{ticket}/close",
                      json={"resolution": "referred", "note": "Hướng dẫn đến UBND xã"},
                      headers=chi)
    assert closed.json() == {**closed.json(), "status": "closed", "resolution": "referred",
                             "note": "Hướng dẫn đến UBND xã"}
    assert web.post(f"/v1/agent/tickets/{ticket}/close", headers=binh).status_code == 403
    audit = web.get("/v1/agent/audit", params={"ticket_id": ticket}, headers=chi).json()
    assert [(a["agent"], a["action"], a["outcome"]) for a in reversed(audit)] == [
        ("an", "claim", "ok"), ("chi", "reply", "denied"), ("chi", "transfer", "ok"),
        ("chi", "takeover", "ok"), ("chi", "close", "ok"), ("binh", "close", "denied")]
    assert all(a["ticket_id"] == ticket and a["at"] for a in audit)
    own = web.get("/v1/agent/audit", headers=binh).json()
    assert {a["agent"] for a in own} == {"binh"}  # an agent sees only its own rows


def test_an_office_account_cannot_work_tickets(web: TestClient) -> None:
    office = add_agent(web.app, "motcua", role="office")
    r = web.get("/v1/agent/tickets", headers=office)
    assert r.status_code == 403


# -- API tokens ------------------------------------------------------------------------------
def test_tokens_are_created_from_a_session_shown_once_and_revocable(web: TestClient) -> None:
    add_agent(web.app, "an")
    sign_in(web, "an")
    csrf = {"X-CSRF-Token": session_csrf(web)}
    made = web.post("/v1/agent/tokens", json={"label": "crm"}, headers=csrf).json()
    secret = made["token"]
    assert secret.startswith("tthc_") and len(secret) > 40
    with web.app.state.api.session_factory() as db:
        from sqlalchemy import select

        from api.agents.models import AgentTokenRow

        stored = [t.token_hash for t in db.scalars(select(AgentTokenRow))]
    assert secret not in stored and store.token_digest(secret) in stored
    bearer = TestClient(web.app)  # no cookie
    auth = {"Authorization": f"Bearer {secret}"}
    assert bearer.get("/v1/agent/me", headers=auth).json()["login"] == "an"
    assert bearer.post("/v1/agent/tokens", json={}, headers=auth).status_code == 403
    listed = web.get("/v1/agent/tokens").json()
    assert all(t["token"] is None for t in listed)
    web.post(f"/v1/agent/tokens/{made['id']}/revoke", headers=csrf)
    assert bearer.get("/v1/agent/me", headers=auth).status_code == 401


def test_a_malformed_login_form_is_refused_not_a_server_error(web: TestClient) -> None:
    web.get("/console/login")
    many = "&".join(f"f{i}=x" for i in range(50))
    r = web.post("/console/login", content=many,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 403  # no CSRF token could be read
    assert web.post("/console/logout", content=many).status_code == 403
