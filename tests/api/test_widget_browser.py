"""End-to-end: the widget on the demo page in headless Debian Chromium (Playwright).

Rasa is unreachable here, so answers come from degraded mode (retrieval + composer) over the
fixture catalogue; agent messages arrive over SSE.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api_fakes import SERVICE_HEADERS, SERVICE_TOKEN, make_settings, seed_agent

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiProcess:
    """uvicorn serving the API (fake searcher, Rasa unreachable) on a fixed loopback port."""

    def __init__(self, tmp: Path, factory: str = "api_server_app:build") -> None:
        self.factory = factory
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ,
                    "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "api")]),
                    "API_DATABASE_URL": f"sqlite:///{tmp / 'api.sqlite3'}",
                    "API_RASA_URL": f"http://127.0.0.1:{free_port()}",  # degraded mode
                    "API_RASA_TIMEOUT": "1", "API_HASH_SALT": "browser-test-salt-0123456789",
                    "API_SESSION_SECRET": "browser-test-session-secret-0123",
                    "API_SERVICE_TOKEN": SERVICE_TOKEN}
        # agent "an" (its API token here; its password is api_fakes.AGENT_PASSWORD)
        self.agent = seed_agent(make_settings(tmp), "an")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", self.factory,
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--timeout-graceful-shutdown", "1"],  # open SSE streams would hold shutdown
            cwd=REPO, env=self.env)
        for _ in range(150):
            try:
                if httpx.get(f"{self.base}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        pytest.fail("uvicorn did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture(scope="module")
def api_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess(tmp_path_factory.mktemp("browser"))
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="module")
def server(api_process: ApiProcess) -> str:
    return api_process.base


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_ask_quick_reply_reload_and_agent(api_process: ApiProcess, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    server = api_process.base
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(server + "/")
    bubble = page.get_by_role("button", name="Mở trò chuyện với Trợ lý ảo thủ tục hành chính")
    expect(bubble).to_have_attribute("aria-expanded", "false")
    bubble.click()
    expect(bubble).to_have_attribute("aria-expanded", "true")
    box = page.get_by_label("Nhập câu hỏi của Anh/Chị")
    expect(box).to_be_focused()
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")

    # 1. ask -> answer with a citation
    box.fill("làm giấy khai sinh cần giấy tờ gì")
    box.press("Enter")
    first = page.locator(".tthc-bot").filter(has_text="Hồ sơ thủ tục Đăng ký khai sinh gồm")
    expect(first).to_have_count(1)
    citation = first.locator(".tthc-citation a")
    expect(citation).to_have_text("Nguồn: Đăng ký khai sinh (mã 1.001193); căn cứ: "
                                  "60/2014/QH13, 123/2015/NĐ-CP")
    assert citation.get_attribute("href", timeout=1000).startswith("https://dichvucong.gov.vn/")
    expect(first.get_by_role("link", name="Gọi tổng đài 1022")).to_have_attribute(
        "href", "tel:1022")

    # 2. quick reply -> the other aspect, same procedure
    first.get_by_role("button", name="Lệ phí").click()
    fee = page.locator(".tthc-bot").filter(has_text="Phí, lệ phí của thủ tục Đăng ký khai sinh")
    expect(fee).to_have_count(1)
    expect(fee).to_contain_text("Nộp trực tiếp: miễn phí")
    expect(page.locator(".tthc-citizen").last).to_have_text("Anh/Chị: Lệ phí")

    # 3. reload -> the history is still there
    page.reload()
    expect(page.locator(".tthc-bot").filter(
        has_text="Hồ sơ thủ tục Đăng ký khai sinh gồm")).to_have_count(1)
    expect(page.locator(".tthc-bot").filter(
        has_text="Phí, lệ phí của thủ tục Đăng ký khai sinh")).to_have_count(1)

    # 4. handoff: the agent's reply arrives live over SSE
    sid = page.evaluate("localStorage.getItem('tthc-session-id')")
    assert re.fullmatch(r"[0-9a-f]{32}", sid), sid  # 128 bits from crypto.getRandomValues
    r = httpx.post(server + "/v1/handoff", json={"sender_id": sid, "channel": "web",
                                                  "reason": "citizen_request"},
                   headers=SERVICE_HEADERS)
    assert r.status_code == 200, r.text
    box = page.get_by_label("Nhập câu hỏi của Anh/Chị")
    box.fill("tôi muốn hỏi cán bộ")
    box.press("Enter")
    expect(page.locator(".tthc-banner")).to_contain_text("cán bộ")
    auth = api_process.agent
    ticket = r.json()["ticket_id"]
    httpx.post(f"{server}/v1/agent/tickets/{ticket}/claim", json={"agent": "an"}, headers=auth)
    httpx.post(f"{server}/v1/agent/tickets/{ticket}/reply",
               json={"text": "Chào Anh/Chị, tôi là cán bộ một cửa."}, headers=auth)
    expect(page.locator(".tthc-agent")).to_contain_text("tôi là cán bộ một cửa")
    expect(page.locator(".tthc-banner")).to_have_text(
        "Anh/Chị đang trò chuyện với cán bộ hỗ trợ.")

    # 5. keyboard: Escape closes and gives focus back to the bubble
    page.keyboard.press("Escape")
    expect(bubble).to_be_focused()
    page.close()


def test_mobile_width_panel_fills_screen(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 360, "height": 640})
    page.goto(server + "/")
    page.get_by_role("button", name="Mở trò chuyện với Trợ lý ảo thủ tục hành chính").click()
    panel = page.get_by_role("dialog", name="Trợ lý ảo thủ tục hành chính")
    expect(panel).to_be_visible()
    bbox = panel.bounding_box()
    assert bbox is not None and bbox["width"] == 360 and bbox["height"] >= 600
    send = page.get_by_role("button", name="Gửi")
    assert send.bounding_box()["x"] + send.bounding_box()["width"] <= 360  # type: ignore[index]
    page.close()


def test_agent_messages_survive_a_server_restart(api_process: ApiProcess, browser) -> None:  # type: ignore[no-untyped-def]
    """The SSE stream drops while the API restarts; the widget reconnects and resumes."""
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(api_process.base + "/")
    page.get_by_role("button", name="Mở trò chuyện với Trợ lý ảo thủ tục hành chính").click()
    box = page.get_by_label("Nhập câu hỏi của Anh/Chị")
    box.fill("cho tôi gặp cán bộ")  # Rasa is down: degraded mode opens the ticket
    box.press("Enter")
    expect(page.locator(".tthc-banner")).to_be_visible()
    auth = api_process.agent
    ticket = httpx.post(f"{api_process.base}/v1/agent/tickets/claim", json={"agent": "an"},
                        headers=auth).json()
    assert ticket is not None
    expect(page.locator(".tthc-system").filter(has_text="đã tiếp nhận")).to_have_count(1)

    api_process.stop()
    expect(page.locator(".tthc-banner")).to_have_text("Mất kết nối, đang kết nối lại…")
    api_process.start()
    httpx.post(f"{api_process.base}/v1/agent/tickets/{ticket['id']}/reply",
               json={"text": "Tin nhắn gửi sau khi máy chủ khởi động lại."}, headers=auth)
    expect(page.locator(".tthc-agent")).to_contain_text("sau khi máy chủ khởi động lại")
    page.close()
