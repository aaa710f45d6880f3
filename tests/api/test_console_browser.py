"""End-to-end: the agent console in headless Chromium with three browser contexts.

A citizen in the widget asks for a person; the ticket appears live in two agents' consoles;
agent A claims it and agent B cannot; A puts a suggested answer in the composer, edits it and
sends it, and the citizen sees it live; HTML typed by either side is shown as text; A closes
the ticket and the bot answers the citizen's next question. Rasa is unreachable (degraded
mode), answers come from the fixture catalogue, like tests/api/test_widget_browser.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_fakes import AGENT_PASSWORD, make_settings, seed_agent
from test_widget_browser import ApiProcess, browser  # noqa: F401 - the shared Chromium

pytestmark = pytest.mark.browser

WIDGET = "Mở trò chuyện với Trợ lý ảo thủ tục hành chính"
HOSTILE = '<img src=x onerror="window.__pwned=1"><b>đậm</b>'


@pytest.fixture(scope="module")
def console_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    tmp: Path = tmp_path_factory.mktemp("console")
    api = ApiProcess(tmp)  # seeds agent "an"
    seed_agent(make_settings(tmp), "binh")
    seed_agent(make_settings(tmp), "chi", role="supervisor")
    api.start()
    try:
        yield api
    finally:
        api.stop()


def claim_in_a_and_refused_in_b(agent_a, agent_b) -> int:  # type: ignore[no-untyped-def]
    """A claims the waiting ticket; it leaves B's queue live, and B's own claim gets 409."""
    from playwright.sync_api import expect

    agent_a.locator("#waiting .ticket").get_by_role("button", name="Nhận").click()
    expect(agent_a.locator("#mine .ticket")).to_have_count(1)
    expect(agent_b.locator("#waiting .ticket")).to_have_count(0)
    ticket_id = int(agent_a.locator("#mine .ticket").get_attribute("data-ticket"))
    status = agent_b.evaluate(
        """async (id) => (await fetch(`/v1/agent/tickets/${id}/claim`, {method: "POST",
             headers: {"X-CSRF-Token": document.querySelector('meta[name=csrf-token]').content}}
           )).status""", ticket_id)
    assert status == 409
    return ticket_id


def sign_in(context, base: str, login: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/console")
    expect(page).to_have_url(base + "/console/login")  # no session: the login page
    page.get_by_label("Tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/console")
    expect(page.locator("#live")).to_have_text("Trực tuyến")
    return page


def ask(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_label("Nhập câu hỏi của Anh/Chị")
    box.fill(text)
    box.press("Enter")


def test_two_agents_one_citizen(console_api: ApiProcess, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    base = console_api.base
    agent_a = sign_in(browser.new_context(viewport={"width": 1280, "height": 900}), base, "an")
    agent_b = sign_in(browser.new_context(viewport={"width": 800, "height": 1000}), base, "binh")
    citizen = browser.new_context().new_page()
    citizen.set_default_timeout(15_000)

    # 1. the citizen asks, then asks for a person; the ticket shows up live in both consoles
    citizen.goto(base + "/")
    citizen.get_by_role("button", name=WIDGET).click()
    ask(citizen, "lệ phí đăng ký khai sinh")
    expect(citizen.locator(".tthc-bot").filter(has_text="Phí, lệ phí")).to_have_count(1)
    ask(citizen, "cho tôi gặp cán bộ")
    expect(citizen.locator(".tthc-banner")).to_be_visible()
    for page in (agent_a, agent_b):
        row = page.locator("#waiting .ticket")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Web")
        expect(page.locator("#waiting-count")).to_have_text("1")
    expect(agent_a).to_have_title("(1) Phiếu mới – Bàn làm việc tổng đài 1022")

    # 2. A claims it; it leaves B's queue live, and B's own claim is refused
    ticket_id = claim_in_a_and_refused_in_b(agent_a, agent_b)
    expect(citizen.locator(".tthc-system").filter(has_text="đã tiếp nhận")).to_have_count(1)

    # 3. the transcript shows the bot's answer with its citation
    transcript = agent_a.locator("#transcript")
    bot = transcript.locator(".msg-bot").filter(has_text="Phí, lệ phí")
    expect(bot.locator(".citation a")).to_contain_text("Nguồn: Đăng ký khai sinh")

    # 4. a suggested answer (for the question before "gặp cán bộ"), edited, sent, seen live
    first = agent_a.locator("#suggestions .suggestion").first
    expect(first).to_contain_text("Đăng ký khai sinh")
    expect(first).to_contain_text("độ tin cậy")
    assert agent_a.locator("#suggestions .suggestion").count() <= 3
    first.get_by_role("button", name="Dùng gợi ý 1").click()
    composer = agent_a.get_by_label("Tin nhắn gửi công dân")
    expect(composer).to_be_focused()
    suggested = composer.input_value()
    assert "Phí, lệ phí của thủ tục Đăng ký khai sinh" in suggested
    composer.fill("Chào Anh/Chị, cán bộ An xin trả lời:\n" + suggested)
    agent_a.get_by_role("button", name="Gửi", exact=True).click()
    reply = citizen.locator(".tthc-agent").filter(has_text="cán bộ An xin trả lời")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Phí, lệ phí của thủ tục Đăng ký khai sinh")
    if os.environ.get("CONSOLE_SCREENSHOT"):  # docs/console.png: CONSOLE_SCREENSHOT=docs/console.png
        agent_a.screenshot(path=os.environ["CONSOLE_SCREENSHOT"], full_page=True)

    # 5. HTML from either side is text, never markup
    ask(citizen, HOSTILE)
    said = transcript.locator(".msg-citizen").filter(has_text="<b>đậm</b>")
    expect(said).to_have_count(1)
    assert transcript.locator("img").count() == 0 and transcript.locator("b").count() == 0
    composer.fill("<script>window.__pwned=2</script>Đã nhận <i>câu hỏi</i>")
    agent_a.get_by_role("button", name="Gửi", exact=True).click()
    shown = citizen.locator(".tthc-agent").filter(has_text="<script>")
    expect(shown).to_contain_text("Đã nhận <i>câu hỏi</i>")
    assert citizen.locator(".tthc-citizen").filter(has_text="<b>đậm</b>").count() == 1
    for page in (agent_a, citizen):
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator(".tthc-agent i, .tthc-citizen img, #transcript script").count() == 0

    # 6. A closes it; the conversation is the bot's again
    agent_a.locator("summary", has_text="Chuyển / kết thúc").click()
    agent_a.get_by_label("Ghi chú").fill("Đã hướng dẫn lệ phí")
    agent_a.get_by_role("button", name="Kết thúc phiếu").click()
    expect(agent_a.locator("#mine .ticket")).to_have_count(0)
    expect(citizen.locator(".tthc-banner")).to_be_hidden()
    ask(citizen, "thời hạn làm giấy khai sinh")
    expect(citizen.locator(".tthc-bot").filter(has_text="Đăng ký khai sinh").last).to_be_visible()
    expect(citizen.locator(".tthc-bot").last).to_contain_text("khai sinh")
    for page in (agent_a, agent_b, citizen):
        page.context.close()


def test_a_supervisor_sees_who_is_online_and_reassigns(console_api: ApiProcess,  # type: ignore[no-untyped-def]
                                                       browser) -> None:  # noqa: F811
    import httpx
    from playwright.sync_api import expect

    base = console_api.base
    agent = sign_in(browser.new_context(), base, "an")
    boss = sign_in(browser.new_context(viewport={"width": 1280, "height": 900}), base, "chi")
    r = httpx.post(base + "/v1/chat/web", json={"session_id": "session-citizen-boss-00000001",
                                                 "text": "cho tôi gặp cán bộ"})
    assert r.json()["state"] == "waiting_agent"
    agent.locator("#waiting .ticket").get_by_role("button", name="Nhận").click()
    expect(agent.locator("#mine .ticket")).to_have_count(1)

    expect(boss.locator("#desk-agents [data-login=an]")).to_contain_text("trực tuyến · 1 phiếu")
    expect(boss.locator("#desk-agents [data-login=binh]")).to_contain_text("ngoại tuyến · 0 phiếu")
    held = boss.locator("#others .ticket")
    expect(held).to_contain_text("an")
    held.locator(".ticket-open").click()
    boss.get_by_label("Giao cho").select_option("binh")
    boss.get_by_role("button", name="Giao lại").click()
    expect(boss.locator("#notice")).to_have_text("Đã giao phiếu cho binh.")
    expect(agent.locator("#mine .ticket")).to_have_count(0)  # live: no longer an's
    expect(boss.locator("#desk-agents [data-login=binh]")).to_contain_text("1 phiếu")
    for page in (agent, boss):
        page.context.close()


@pytest.fixture(scope="module")
def closed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    """An API whose office is never open (sessions that close when they open)."""
    api = ApiProcess(tmp_path_factory.mktemp("console-closed"))  # seeds agent "an"
    api.env.update({"API_MORNING_OPEN": "07:30", "API_MORNING_CLOSE": "07:30",
                    "API_AFTERNOON_OPEN": "13:30", "API_AFTERNOON_CLOSE": "13:30"})
    api.start()
    try:
        yield api
    finally:
        api.stop()


def test_after_hours_a_citizen_leaves_a_number_and_the_agent_opens_it(  # type: ignore[no-untyped-def]
        closed_api: ApiProcess, browser) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base = closed_api.base
    citizen = browser.new_context().new_page()
    citizen.set_default_timeout(15_000)
    citizen.goto(base + "/")
    citizen.get_by_role("button", name=WIDGET).click()
    ask(citizen, "cho tôi gặp cán bộ")
    phone = citizen.get_by_label("Số điện thoại để cán bộ gọi lại")
    expect(phone).to_be_visible()
    phone.fill("12345")
    citizen.get_by_role("button", name="Đề nghị gọi lại").click()
    expect(citizen.locator(".tthc-callback-error")).to_contain_text("Số điện thoại chưa đúng")
    phone.fill("0912 345 678")
    citizen.get_by_role("button", name="Đề nghị gọi lại").click()
    expect(citizen.locator(".tthc-system").filter(has_text="*******678")).to_have_count(1)
    expect(phone).to_be_hidden()

    agent = sign_in(browser.new_context(), base, "an")
    agent.locator("#waiting .ticket").get_by_role("button", name="Nhận").click()
    expect(agent.locator("#callback-text")).to_have_text("Công dân đề nghị gọi lại: *******678")
    assert "0912345678" not in agent.content()  # masked until opened
    agent.get_by_role("button", name="Xem số điện thoại").click()
    expect(agent.locator("#callback-text")).to_contain_text("0912345678")
    audit = agent.evaluate("async () => (await fetch('/v1/agent/audit')).json()")
    assert [a["action"] for a in audit].count("phone_reveal") == 1
    for page in (agent, citizen):
        page.context.close()
