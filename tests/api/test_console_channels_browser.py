"""End-to-end over the console for a Zalo and a Messenger citizen, against the local fake
platform servers: the ticket appears live in two agents' consoles, A claims it and B cannot,
A sends an edited suggested answer and the platform receives it, A closes the ticket and the
bot answers the citizen's next question on the platform (degraded mode, fixture catalogue)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from api.services import wording
from api_fakes import make_settings, seed_agent
from fakes import graph as fake_graph
from fakes import zalo as fake_zalo
from fakes.fixtures import MESSENGER_APP_SECRET, ZALO_OA_SECRET, channel_settings
from test_console_browser import claim_in_a_and_refused_in_b, sign_in
from test_widget_browser import ApiProcess, browser  # noqa: F401 - the shared Chromium

pytestmark = pytest.mark.browser

ZALO_USER = "8470091123456789012"
PSID = "6789012345678901"


class Platforms:
    def __init__(self) -> None:
        self.zalo = fake_zalo.FakeZalo()
        self.graph = fake_graph.FakeGraph()

    def __enter__(self) -> Platforms:
        self.zalo.start()
        self.graph.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.zalo.stop()
        self.graph.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiProcess, Platforms]]:
    tmp: Path = tmp_path_factory.mktemp("console-channels")
    with Platforms() as platforms:
        api = ApiProcess(tmp)  # seeds agent "an"
        seed_agent(make_settings(tmp), "binh")
        values = channel_settings(tmp, platforms.zalo, platforms.graph)
        api.env.update({f"API_{k.upper()}": str(v) for k, v in values.items()})
        api.start()
        try:
            yield api, platforms
        finally:
            api.stop()


def zalo_says(base: str, text: str, n: int) -> None:
    event = {"app_id": "4291763606161179100", "user_id_by_app": "55501",
             "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)),
             "sender": {"id": ZALO_USER}, "recipient": {"id": "1234567890"},
             "message": {"text": text, "msg_id": f"console-{n}"}}
    body = json.dumps(event, ensure_ascii=False).encode()
    sig = fake_zalo.sign(app_id=event["app_id"], body=body, timestamp=event["timestamp"],
                         secret_key=ZALO_OA_SECRET)
    r = httpx.post(base + "/webhooks/zalo", content=body,
                   headers={"Content-Type": "application/json", "X-ZEvent-Signature": sig})
    assert r.status_code == 200, r.text


def messenger_says(base: str, text: str, n: int) -> None:
    body = json.dumps({"object": "page", "entry": [{"id": "112233445566778", "time": 1, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": "112233445566778"},
         "timestamp": int(time.time() * 1000),
         "message": {"mid": f"m_console_{n}", "text": text}}]}]}, ensure_ascii=False).encode()
    r = httpx.post(base + "/webhooks/messenger", content=body,
                   headers={"Content-Type": "application/json",
                            "X-Hub-Signature-256": fake_graph.sign(body, MESSENGER_APP_SECRET)})
    assert r.status_code == 200, r.text


def until(texts: Callable[[], list[str]], has: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [t for t in texts() if has in t]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"the platform never got {has!r}; it got {texts()[-5:]!r}")


@pytest.mark.parametrize("channel", ["zalo", "messenger"])
def test_a_platform_citizen_through_two_consoles(stack, browser, channel: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    api, platforms = stack
    base = api.base
    says = zalo_says if channel == "zalo" else messenger_says
    server = platforms.zalo if channel == "zalo" else platforms.graph
    label = {"zalo": "Zalo", "messenger": "Messenger"}[channel]
    agent_a = sign_in(browser.new_context(), base, "an")
    agent_b = sign_in(browser.new_context(), base, "binh")

    says(base, "lệ phí đăng ký khai sinh", 1)
    until(lambda: server.texts, "Phí, lệ phí của thủ tục Đăng ký khai sinh")
    says(base, "cho tôi gặp cán bộ", 2)
    for page in (agent_a, agent_b):
        expect(page.locator("#waiting .ticket")).to_have_count(1)
        expect(page.locator("#waiting .ticket")).to_contain_text(label)

    ticket_id = claim_in_a_and_refused_in_b(agent_a, agent_b)
    until(lambda: server.texts, "đã tiếp nhận")

    first = agent_a.locator("#suggestions .suggestion").first
    expect(first).to_contain_text("Đăng ký khai sinh")
    first.get_by_role("button", name="Dùng gợi ý 1").click()
    composer = agent_a.get_by_label("Tin nhắn gửi công dân")
    composer.fill(f"Cán bộ An ({label}) trả lời:\n" + composer.input_value())
    agent_a.get_by_role("button", name="Gửi", exact=True).click()
    got = until(lambda: server.texts, f"Cán bộ An ({label}) trả lời")
    assert "Phí, lệ phí của thủ tục Đăng ký khai sinh" in got

    says(base, "cảm ơn cán bộ", 3)  # the agent has the conversation: shown live, no bot reply
    expect(agent_a.locator("#transcript .msg-citizen .text").last).to_have_text("cảm ơn cán bộ")
    agent_a.locator("summary", has_text="Chuyển / kết thúc").click()
    agent_a.get_by_role("button", name="Kết thúc phiếu").click()
    expect(agent_a.locator("#mine .ticket")).to_have_count(0)
    until(lambda: server.texts, wording.TICKET_CLOSED)
    says(base, "thời hạn làm giấy khai sinh", 4)  # the bot answers again
    until(lambda: server.texts, "thời hạn giải quyết của thủ tục Đăng ký khai sinh")
    for page in (agent_a, agent_b):
        page.context.close()
