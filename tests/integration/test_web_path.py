"""The whole path a citizen takes: web chat -> API -> Rasa -> action server -> API -> answer.

Real processes (tests/integration/stack.py): the Rasa server with the trained model, the action
server, and the API with the published index and the bundled embedding model.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.integration.stack import Stack, api_process, free_port

pytestmark = pytest.mark.integration


def session() -> str:
    return f"it{uuid.uuid4().hex}"


def ask(stack: Stack, session_id: str, text: str = "", payload: str | None = None) -> dict:
    body = {"session_id": session_id, "text": text}
    if payload:
        body["payload"] = payload
    response = httpx.post(f"{stack.api_url}/v1/chat/web", json=body, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def bot_text(turn: dict) -> str:
    return "\n".join(m["text"] for m in turn["messages"] if m["role"] == "bot")


def test_ready_when_every_part_is_up(stack: Stack) -> None:
    response = httpx.get(f"{stack.api_url}/readyz", timeout=30)
    assert response.status_code == 200, response.text


def test_question_then_follow_ups_keep_the_procedure(stack: Stack) -> None:
    sid = session()
    first = ask(stack, sid, "làm giấy khai sinh cần giấy tờ gì")
    text = bot_text(first).lower()
    assert "khai sinh" in text
    assert "nguồn" in text  # every procedure answer cites its source
    payloads = [b.get("payload") for m in first["messages"] for b in m.get("buttons", [])]
    assert "/ask_fee" in payloads

    follow_up = ask(stack, sid, "thế mất bao lâu?")
    assert "khai sinh" in bot_text(follow_up).lower()

    # The quick reply button, as the widget sends it.
    fee = ask(stack, sid, "Lệ phí", payload="/ask_fee")
    fee_text = bot_text(fee).lower()
    assert "khai sinh" in fee_text and ("lệ phí" in fee_text or "miễn" in fee_text)

    history = httpx.get(f"{stack.api_url}/v1/chat/web/{sid}/history", timeout=30).json()
    roles = [m["role"] for m in history["messages"]]
    assert roles.count("citizen") == 3 and roles.count("bot") >= 3


def test_unaccented_question_finds_the_procedure(stack: Stack) -> None:
    """Answered directly, or, when two procedures score close, asked and then answered."""
    sid = session()
    turn = ask(stack, sid, "lam so do lan dau can giay to gi")
    wanted = "dang-ky-dat-dai-cap-giay-chung-nhan-lan-dau"
    choices = [b for m in turn["messages"] for b in m.get("buttons", [])
               if wanted in (b.get("payload") or "")]
    if choices:  # clarification: the citizen clicks the right procedure
        assert "thủ tục nào" in bot_text(turn).lower()
        turn = ask(stack, sid, choices[0]["title"], payload=choices[0]["payload"])
    text = bot_text(turn).lower()
    assert "lần đầu" in text and "giấy chứng nhận quyền sử dụng đất" in text
    assert "nguồn" in text


def test_out_of_scope_is_declined_not_guessed(stack: Stack) -> None:
    text = bot_text(ask(stack, session(), "giá vàng hôm nay bao nhiêu")).lower()
    assert "thủ tục hành chính" in text
    assert "nguồn" not in text


def test_asking_for_a_person_opens_a_hotline_ticket(stack: Stack) -> None:
    sid = session()
    ask(stack, sid, "đăng ký kết hôn cần gì")
    turn = ask(stack, sid, "cho tôi nói chuyện với nhân viên")
    assert turn["state"] == "waiting_agent", turn
    # Later messages wait for the agent and are not answered by the bot.
    later = ask(stack, sid, "tôi vẫn đang chờ")
    assert later["state"] == "waiting_agent"


def test_degraded_mode_answers_when_rasa_is_down(stack: Stack, tmp_path: Path) -> None:
    """A second API pointed at a Rasa port nobody listens on still answers from retrieval."""
    port = free_port()
    api = api_process(port, f"http://127.0.0.1:{free_port()}", tmp_path, API_RASA_TIMEOUT="2")
    api.start()
    try:
        degraded = Stack(f"http://127.0.0.1:{port}", "", "", [api])
        degraded.wait_healthy(timeout=240)
        turn = ask(degraded, session(), "đăng ký kết hôn cần giấy tờ gì")
        text = bot_text(turn).lower()
        assert "kết hôn" in text and "1022" in text
        ready = httpx.get(f"{degraded.api_url}/readyz", timeout=30)
        assert ready.status_code == 503 and "rasa" in ready.text.lower()
    finally:
        api.stop()
