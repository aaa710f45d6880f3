"""End-to-end: the office dashboard in headless Debian Chromium (Playwright).

The API runs in uvicorn over the real catalogue (fake searcher, Rasa unreachable: degraded
answers) on a database filled by ``python -m api demo-traffic``. An office user signs in with
the console's sign-in; then citizens ask through the real chat route, one says "no" to the
answer, rates the conversation and files a PAKN case; one click on Refresh shows all three;
the CSV and XLSX exports contain them; the unanswered-question group becomes a validated alias
draft. ``OFFICE_SCREENSHOT=docs/office.png`` takes the screenshot.

The citizen side's routes for the "no", the rating and the PAKN form are another part of issue
14: until they land, those three rows are written with the store's models into the API's
database (the conversation and the answer they hang on come from the real chat route).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from api.db.engine import make_engine, make_session_factory
from api.db.models import Message, Role
from api.db.office import AnswerFeedback, CsatRating, PaknCase
from api_fakes import AGENT_PASSWORD, SERVICE_HEADERS, make_settings, seed_agent
from test_widget_browser import REPO, ApiProcess, browser  # noqa: F401 - the shared Chromium

pytestmark = pytest.mark.browser

QUESTION = "Thủ tục đăng ký khai sinh cho con cần giấy tờ gì?"
ALIAS = "làm giấy khai sinh cho con mới sinh"
PAKN_CODE = "PA-BROWSER-0001"


@pytest.fixture(scope="module")
def office_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    tmp: Path = tmp_path_factory.mktemp("office")
    api = ApiProcess(tmp, factory="api_server_app:build_on_the_catalogue")
    api.env.update({"API_OFFICE_DRAFTS_DIR": str(tmp / "drafts"),
                    "API_OFFICE_KNOWLEDGE_DIR": str(REPO / "knowledge")})
    api.tmp = tmp  # type: ignore[attr-defined]
    seed_agent(make_settings(tmp), "vanphong", role="office")
    subprocess.run([sys.executable, "-m", "api", "demo-traffic", "--conversations", "150",
                    "--if-empty"], cwd=REPO, env=api.env, check=True)
    api.start()
    try:
        yield api
    finally:
        api.stop()


def citizen_turns(api: ApiProcess) -> list[int]:
    """Two citizens ask the same question through the chat route; the bot answers' ids."""
    sessions = [uuid.uuid4().hex for _ in range(2)]
    for sid in sessions:
        r = httpx.post(api.base + "/v1/chat/web", json={"session_id": sid, "text": QUESTION},
                       headers=SERVICE_HEADERS, timeout=15)
        assert r.status_code == 200, r.text
    engine = make_engine(api.env["API_DATABASE_URL"])
    try:
        with make_session_factory(engine)() as db:
            asked = db.query(Message).filter(Message.role == Role.citizen.value,
                                             Message.text == QUESTION).all()
            answers = [db.query(Message).filter(
                Message.conversation_id == q.conversation_id, Message.role == Role.bot.value,
                Message.id > q.id).order_by(Message.id).first() for q in asked]
            return [a.id for a in answers if a is not None]
    finally:
        engine.dispose()


def citizen_says_no_rates_and_files(api: ApiProcess, answer_ids: list[int]) -> None:
    now = datetime.now(timezone.utc)
    engine = make_engine(api.env["API_DATABASE_URL"])
    try:
        with make_session_factory(engine)() as db:
            for mid in answer_ids:
                m = db.get(Message, mid)
                assert m is not None
                db.add(AnswerFeedback(message_id=m.id, conversation_id=m.conversation_id,
                                      channel="web", procedure=m.procedure, aspect=m.aspect,
                                      helpful=False, reason="hard_to_understand"))
            first = db.get(Message, answer_ids[0])
            db.add(CsatRating(conversation_id=first.conversation_id, channel="web",
                              trigger="goodbye", score=1, asked_at=now, answered_at=now))
            db.add(PaknCase(code=PAKN_CODE, conversation_id=first.conversation_id,
                            channel="web", content="Phản ánh: chờ quá lâu ở một cửa.",
                            consent=True, due_at=now - timedelta(days=1)))  # already overdue
            db.commit()
    finally:
        engine.dispose()


def test_the_office_sees_feedback_rating_and_pakn_and_drafts_an_alias(  # type: ignore[no-untyped-def]
        office_api: ApiProcess, browser) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base = office_api.base
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/office")
    expect(page).to_have_url(base + "/console/login")
    page.get_by_label("Tên đăng nhập").fill("vanphong")
    page.get_by_label("Mật khẩu").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/office")
    expect(page.locator("#status")).to_contain_text("Updated")
    expect(page.locator("#chart-outcomes .main-svg").first).to_be_visible()  # plotly drew
    pakn_before = int(page.locator("#pakn-total").inner_text())
    overdue_before = int(page.locator("#pakn-overdue").inner_text())
    ones_before = page.evaluate("document.getElementById('chart-csat').data[0].y[0]")

    answers = citizen_turns(office_api)
    assert len(answers) == 2
    citizen_says_no_rates_and_files(office_api, answers)

    page.locator("#refresh").click()  # one refresh
    expect(page.locator("#pakn-total")).to_have_text(str(pakn_before + 1))
    expect(page.locator("#pakn-overdue")).to_have_text(str(overdue_before + 1))
    assert page.evaluate("document.getElementById('chart-csat').data[0].y[0]") == ones_before + 1
    row = page.locator("#helpful tbody tr[data-procedure='dang-ky-khai-sinh']")
    expect(row).to_have_count(1)
    assert int(row.locator("td").nth(3).inner_text()) >= 2  # the two "no"s

    exports = {}
    for table in ("answer_feedback", "csat_ratings", "pakn_cases"):
        for fmt in ("csv", "xlsx"):
            link = page.locator(f"#exports a[data-table='{table}'][data-format='{fmt}']")
            r = context.request.get(base + link.get_attribute("href"))
            assert r.status == 200, r.text()
            exports[(table, fmt)] = r.body()
    assert PAKN_CODE in exports[("pakn_cases", "csv")].decode("utf-8-sig")
    assert "hard_to_understand" in exports[("answer_feedback", "csv")].decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(exports[("pakn_cases", "xlsx")])).active
    assert PAKN_CODE in [c for r in sheet.iter_rows(values_only=True) for c in r]
    sheet = load_workbook(io.BytesIO(exports[("answer_feedback", "xlsx")])).active
    ours = [r for r in sheet.iter_rows(values_only=True) if r[1] in answers]  # message_id
    assert len(ours) == 2 and all(r[6] is False and r[7] == "hard_to_understand" for r in ours)
    sheet = load_workbook(io.BytesIO(exports[("csat_ratings", "xlsx")])).active
    assert any(r[5] == 1 and r[4] == "goodbye" for r in sheet.iter_rows(values_only=True))

    group = page.locator("#unanswered > li").filter(has_text=QUESTION).first
    expect(group.locator(".count")).to_have_text("2×")
    group.locator("select[name=kind]").select_option("alias")
    group.locator("select[name=procedure]").select_option("dang-ky-khai-sinh")
    group.locator("input[name=wording]").fill(ALIAS)
    group.get_by_role("button", name="Draft").click()
    expect(page.locator("#draft-result")).to_contain_text("Valid draft written")
    expect(page.locator("#draft-result")).to_have_attribute("data-valid", "true")
    (draft,) = (office_api.tmp / "drafts").glob("*alias-dang-ky-khai-sinh")  # type: ignore[attr-defined]
    meta = json.loads((draft / "draft.json").read_text("utf-8"))
    assert meta["valid"] is True and QUESTION in meta["from_questions"]
    assert ALIAS in (draft / "procedures" / "dang-ky-khai-sinh.yaml").read_text("utf-8")
    check = subprocess.run([sys.executable, "-m", "indexer", "validate", "--knowledge",
                            str(_applied(draft, office_api.tmp)), "--no-required"],  # type: ignore[attr-defined]
                           cwd=REPO, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert errors == [], errors
    if os.environ.get("OFFICE_SCREENSHOT"):  # docs/office.png: OFFICE_SCREENSHOT=docs/office.png
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=os.environ["OFFICE_SCREENSHOT"], full_page=True)
    context.close()


def _applied(draft: Path, tmp: Path) -> Path:
    """A copy of knowledge/ with the draft applied, as a maintainer would merge it."""
    import shutil

    root = tmp / "applied"
    shutil.copytree(REPO / "knowledge", root)
    for f in draft.glob("*/*.yaml"):
        shutil.copy(f, root / f.parent.name / f.name)
    return root
