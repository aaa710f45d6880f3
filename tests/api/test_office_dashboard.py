"""The office dashboard: who may read it (401/403 on every route), its figures on SQLite and
on a real PostgreSQL, and the CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.db.engine import make_engine, make_session_factory
from api.main import create_app
from api.office.analytics import Dashboard, Range
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings
from office_seed import NOW, seed
from test_console_auth import session_csrf, sign_in
from test_store_postgres import pg_url  # noqa: F401 - the PostgreSQL database fixture

DAY = NOW.date().isoformat()
ROUTES = [("GET", "/office/plotly.min.js"), ("GET", f"/v1/office/dashboard?start={DAY}"),
          ("GET", "/v1/office/export/messages.csv"), ("GET", "/v1/office/export/messages.xlsx"),
          ("GET", "/v1/office/unanswered"), ("GET", "/v1/office/drafts"),
          ("POST", "/v1/office/drafts")]
FIELDS = {"dang-ky-khai-sinh": "Hộ tịch", "dang-ky-ket-hon": "Hộ tịch"}


@pytest.fixture
def app(tmp_path: Path, fake_rasa: FakeRasa):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(tmp_path, office_drafts_dir=tmp_path / "drafts"),
                     searcher_loader=lambda _d: FakeSearcher(),
                     rasa_transport=fake_rasa.transport())
    return app


@pytest.fixture
def web(app) -> TestClient:  # type: ignore[no-untyped-def]
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        c.app.state.api.clock = lambda: NOW
        yield c


def office_client(web: TestClient, role: str = "office") -> TestClient:
    add_agent(web.app, "vp", role=role)
    assert sign_in(web, "vp").status_code == 303
    return web


def seeded(web: TestClient) -> dict[str, object]:
    with web.app.state.api.session_factory() as db:
        return seed(db)


# -- credentials ----------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_office_route_needs_a_sign_in(web: TestClient, method: str, path: str) -> None:
    r = web.request(method, path, json={"kind": "alias", "wording": "xin chào bạn"})
    assert r.status_code == 401, r.text
    assert web.get("/office", follow_redirects=False).headers["location"] == "/console/login"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_an_agent_is_refused_every_office_route(web: TestClient, method: str, path: str) -> None:
    office_client(web, role="agent")
    headers = {"X-CSRF-Token": session_csrf(web)}
    r = web.request(method, path, json={"kind": "alias", "wording": "xin chào bạn"},
                    headers=headers)
    assert r.status_code == 403, r.text
    assert web.get("/office").status_code == 403


def test_a_post_without_the_csrf_token_is_refused(web: TestClient) -> None:
    office_client(web)
    r = web.post("/v1/office/drafts", json={"kind": "alias", "wording": "xin chào bạn"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"


def test_an_office_user_signs_in_to_the_office_page(web: TestClient) -> None:
    office_client(web)
    assert web.get("/console", follow_redirects=False).headers["location"] == "/office"
    page = web.get("/office")
    assert page.status_code == 200 and 'data-role="office"' in page.text
    assert "/office/plotly.min.js" in page.text
    js = web.get("/office/plotly.min.js")
    assert js.status_code == 200 and "plotly.js" in js.text[:2000]


def test_a_supervisor_may_read_the_dashboard(web: TestClient) -> None:
    office_client(web, role="supervisor")
    assert web.get("/v1/office/dashboard").status_code == 200


def test_a_bad_range_is_a_clear_400(web: TestClient) -> None:
    office_client(web)
    r = web.get("/v1/office/dashboard?start=2026-11-21&end=2026-11-20")
    assert r.status_code == 400 and "after the end date" in r.json()["error"]["message"]
    assert web.get("/v1/office/export/secrets.csv").status_code == 404


# -- figures --------------------------------------------------------------------------------
def check_figures(db) -> None:  # type: ignore[no-untyped-def]
    day = NOW.date()
    d = Dashboard(db, Range(day, day), fields=FIELDS, now=NOW).all()
    assert d["volume"]["conversations"] == 3
    assert d["volume"]["messages"] == 12
    by_channel = {r["channel"]: r for r in d["volume"]["by_channel"]}
    assert by_channel["web"]["conversations"] == 2 and by_channel["zalo"]["messages"] == 2
    assert d["outcomes"]["counts"]["answered"] == 2 and d["outcomes"]["rated_turns"] == 6
    assert d["outcomes"]["rates"]["abstained"] == pytest.approx(2 / 6)
    assert d["outcomes"]["rates"]["handed_off"] == pytest.approx(1 / 6)
    assert [r["procedure"] for r in d["procedures"]["top_procedures"]] == [
        "dang-ky-ket-hon", "dang-ky-khai-sinh"]
    assert d["procedures"]["by_field"] == [{"field": "Hộ tịch", "turns": 2}]
    assert {a["aspect"] for a in d["procedures"]["top_aspects"]} == {"documents", "time"}
    helpful = {r["procedure"]: r["rate"] for r in d["helpful"]}
    assert helpful == {"dang-ky-khai-sinh": 1.0, "dang-ky-ket-hon": 0.0}
    assert d["csat"]["mean"] == pytest.approx(3.0) and d["csat"]["asked"] == 3
    assert [r["count"] for r in d["csat"]["distribution"]] == [0, 1, 0, 1, 0]
    assert d["waiting"] == {"claimed": 2, "p50_seconds": 120.0, "p90_seconds": 168.0}
    assert {r["category"]: r["tickets"] for r in d["tickets"]} == {"đất đai": 1, "hộ tịch": 1}
    assert d["pakn"]["total"] == 2 and d["pakn"]["overdue"] == 1
    zalo = Dashboard(db, Range(day, day, channel="zalo"), fields=FIELDS, now=NOW).all()
    assert zalo["volume"]["conversations"] == 1 and zalo["outcomes"]["rated_turns"] == 1
    assert zalo["waiting"]["p50_seconds"] == 60.0 and zalo["csat"]["answered"] == 0
    field = Dashboard(db, Range(day, day, field="Hộ tịch"), fields=FIELDS, now=NOW).all()
    assert field["volume"]["conversations"] == 1 and field["outcomes"]["rated_turns"] == 2
    assert field["pakn"]["total"] == 1
    month = Dashboard(db, Range(day.replace(day=1) - __import__("datetime").timedelta(days=60),
                                day), fields=FIELDS, now=NOW).all()
    assert month["volume"]["conversations"] == 4 and month["outcomes"]["counts"]["abstained"] == 3


def test_the_figures_on_sqlite(web: TestClient) -> None:
    seeded(web)
    with web.app.state.api.session_factory() as db:
        check_figures(db)


@pytest.mark.postgres
def test_the_figures_on_postgresql(pg_url: str) -> None:  # noqa: F811
    engine = make_engine(pg_url)
    try:
        with make_session_factory(engine)() as db:
            seed(db, prefix="dash-")
            check_figures(db)
    finally:
        engine.dispose()


def test_the_dashboard_route_answers_the_same(web: TestClient) -> None:
    seeded(web)
    office_client(web)
    d = web.get(f"/v1/office/dashboard?start={DAY}&end={DAY}").json()
    assert d["volume"]["conversations"] == 3 and d["csat"]["mean"] == 3.0
    assert "filters" in d and "web" in d["filters"]["channels"]


# -- exports --------------------------------------------------------------------------------
@pytest.mark.parametrize("table", ["conversations", "messages", "answer_feedback",
                                   "csat_ratings", "pakn_cases", "handoff_tickets"])
def test_every_table_exports_as_csv_and_xlsx(web: TestClient, table: str) -> None:
    seeded(web)
    office_client(web)
    r = web.get(f"/v1/office/export/{table}.csv?start={DAY}&end={DAY}")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    x = web.get(f"/v1/office/export/{table}.xlsx?start={DAY}&end={DAY}")
    sheet = load_workbook(io.BytesIO(x.content), read_only=True).active
    xrows = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == len(xrows) > 1
    assert rows[0] == list(xrows[0])
    assert "reply_address" not in rows[0] and "contact_sealed" not in rows[0]


def test_exported_text_never_becomes_a_formula(web: TestClient) -> None:
    seeded(web)
    office_client(web)
    text = web.get(f"/v1/office/export/pakn_cases.csv?start={DAY}").content.decode("utf-8-sig")
    assert "'=Phản ánh thái độ" in text
    x = web.get(f"/v1/office/export/pakn_cases.xlsx?start={DAY}").content
    values = [c for row in load_workbook(io.BytesIO(x)).active.iter_rows(values_only=True)
              for c in row]
    assert "'=Phản ánh thái độ" in values
