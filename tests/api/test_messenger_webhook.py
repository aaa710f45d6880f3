"""Messenger webhook against a local fake Graph API: verification, signature, events, replies."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db.models import Message
from api.main import create_app
from api.settings import ApiSettings
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings
from fakes.fixtures import (  # noqa: F401
    MESSENGER_APP_SECRET,
    MESSENGER_VERIFY_TOKEN,
    channel_settings,
    graph_server,
)
from fakes.graph import FakeGraph, sign

PSID = "6789012345678901"
PAGE = "112233445566778"


@pytest.fixture
def settings(tmp_path: Path, graph_server: FakeGraph) -> ApiSettings:  # noqa: F811
    return make_settings(tmp_path, **channel_settings(tmp_path, None, graph_server))


def page_body(*events: dict[str, Any]) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE, "time": 1732233600000,
                                         "messaging": list(events)}]}


def text_msg(text: str, mid: str = "m_0001", **extra: Any) -> dict[str, Any]:
    return {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1732233600000,
            "message": {"mid": mid, "text": text, **extra}}


def post(client: TestClient, body: dict[str, Any], *, signature: str | None = "valid"):
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        signature = sign(raw, MESSENGER_APP_SECRET)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post("/webhooks/messenger", content=raw, headers=headers)


def stored(client: TestClient) -> list[Message]:
    with client.app.state.api.session_factory() as db:  # type: ignore[attr-defined]
        return list(db.scalars(select(Message).order_by(Message.id)))


# -- subscription ------------------------------------------------------------------------------
def test_verification_echoes_the_challenge(client: TestClient) -> None:
    r = client.get("/webhooks/messenger", params={
        "hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY_TOKEN,
        "hub.challenge": "1158201444"})
    assert r.status_code == 200 and r.text == "1158201444"


@pytest.mark.parametrize(("mode", "token"), [("subscribe", "wrong-token-123456"),
                                             ("unsubscribe", MESSENGER_VERIFY_TOKEN),
                                             (None, None)])
def test_verification_refuses_wrong_token_or_mode(client: TestClient, mode: str | None,
                                                  token: str | None) -> None:
    params = {"hub.challenge": "42"}
    if mode:
        params.update({"hub.mode": mode, "hub.verify_token": token or ""})
    r = client.get("/webhooks/messenger", params=params)
    assert r.status_code == 403 and "42" not in r.text


def test_not_configured_is_503(tmp_path: Path, searcher: FakeSearcher,
                               fake_rasa: FakeRasa) -> None:
    app = create_app(make_settings(tmp_path), searcher_loader=lambda _d: searcher,
                     rasa_transport=fake_rasa.transport())
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        got = c.get("/webhooks/messenger", params={"hub.mode": "subscribe"})
        posted = post(c, page_body(text_msg("xin chào")))
    assert got.status_code == 503 and posted.status_code == 503
    assert "not configured" in posted.json()["error"]["message"]


# -- signature ---------------------------------------------------------------------------------
def test_signed_message_goes_to_rasa_and_reply_to_graph(
        client: TestClient, fake_rasa: FakeRasa, graph_server: FakeGraph) -> None:
    r = post(client, page_body(text_msg("Đăng ký khai sinh ở đâu vậy ạ?")))
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert fake_rasa.requests[-1]["message"] == "Đăng ký khai sinh ở đâu vậy ạ?"
    assert fake_rasa.requests[-1]["metadata"] == {"channel": "messenger"}
    (req,) = graph_server.requests
    assert req.path == "/v23.0/me/messages"
    assert req.query == {}  # the page token never travels in the URL
    assert req.headers["authorization"] == "Bearer page-access-token-for-tests"
    body = req.json
    assert body["messaging_type"] == "RESPONSE" and body["recipient"] == {"id": PSID}
    assert body["message"]["text"].startswith("Rasa nhận: Đăng ký khai sinh ở đâu vậy ạ?")
    assert "Nguồn: Đăng ký khai sinh (mã 1.001193)" in body["message"]["text"]
    assert body["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Lệ phí", "payload": "/ask_fee"}]
    assert graph_server.problems == []


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha256=" + "0" * 64,
                                    "sha1=8f8e6c3c0a6f5e54e2fd6bb3c9f1c1a4c8a5f0d2", "forged"])
def test_missing_or_forged_signature_is_403(
        client: TestClient, fake_rasa: FakeRasa, graph_server: FakeGraph,
        caplog: pytest.LogCaptureFixture, header: str | None) -> None:
    body = page_body(text_msg("xin chào"))
    if header == "forged":
        header = sign(json.dumps(body, ensure_ascii=False).encode(), "not-the-app-secret")
    with caplog.at_level(logging.WARNING):
        r = post(client, body, signature=header)
    assert r.status_code == 403
    assert any("messenger.webhook.bad_signature" in x.getMessage() for x in caplog.records)
    assert fake_rasa.requests == [] and graph_server.requests == [] and stored(client) == []


def test_signature_over_other_bytes_is_rejected(client: TestClient,
                                                graph_server: FakeGraph) -> None:
    body = page_body(text_msg("xin chào"))
    raw = json.dumps(body, ensure_ascii=False).encode()
    spaced = json.dumps(body, ensure_ascii=True, indent=1).encode()  # same JSON, other bytes
    r = client.post("/webhooks/messenger", content=spaced, headers={
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(raw, MESSENGER_APP_SECRET)})
    assert r.status_code == 403 and graph_server.requests == []


# -- events ------------------------------------------------------------------------------------
def test_quick_reply_payload_goes_to_rasa(client: TestClient, fake_rasa: FakeRasa) -> None:
    post(client, page_body(text_msg("Lệ phí", quick_reply={"payload": "/ask_fee"})))
    assert fake_rasa.requests[-1]["message"] == "/ask_fee"
    assert [m.text for m in stored(client) if m.role == "citizen"] == ["Lệ phí"]


def test_postback_payload_goes_to_rasa(client: TestClient, fake_rasa: FakeRasa,
                                       graph_server: FakeGraph) -> None:
    event = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1732233600001,
             "postback": {"mid": "m_pb1", "title": "Đăng ký khai tử",
                          "payload": '/choose_procedure{"procedure_id":"dang-ky-khai-tu"}'}}
    post(client, page_body(event))
    assert fake_rasa.requests[-1]["message"] == \
        '/choose_procedure{"procedure_id":"dang-ky-khai-tu"}'
    assert len(graph_server.texts) == 1


def test_non_rasa_postback_sends_its_title(client: TestClient, fake_rasa: FakeRasa) -> None:
    event = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1,
             "postback": {"title": "Bắt đầu", "payload": "GET_STARTED"}}
    post(client, page_body(event))
    assert fake_rasa.requests[-1]["message"] == "Bắt đầu"


def test_echo_delivery_and_read_events_are_ignored(
        client: TestClient, fake_rasa: FakeRasa, graph_server: FakeGraph) -> None:
    echo = text_msg("tin của trang", mid="m_echo", is_echo=True, app_id=1234)
    delivery = {"sender": {"id": PSID}, "recipient": {"id": PAGE},
                "delivery": {"mids": ["m_1"], "watermark": 1}}
    read = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "read": {"watermark": 1}}
    assert post(client, page_body(echo, delivery, read)).status_code == 200
    assert post(client, {"object": "instagram", "entry": []}).status_code == 200
    assert fake_rasa.requests == [] and graph_server.requests == [] and stored(client) == []


def test_replayed_delivery_gets_one_reply(client: TestClient, fake_rasa: FakeRasa,
                                          graph_server: FakeGraph) -> None:
    body = page_body(text_msg("lệ phí kết hôn", mid="m_same"))
    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200
    assert len(fake_rasa.requests) == 1 and len(graph_server.texts) == 1


def test_several_events_in_one_delivery_are_answered_in_order(
        client: TestClient, fake_rasa: FakeRasa, graph_server: FakeGraph) -> None:
    post(client, page_body(text_msg("một", mid="m_a"), text_msg("hai", mid="m_b")))
    assert [r["message"] for r in fake_rasa.requests] == ["một", "hai"]
    assert [t.split("\n")[0] for t in graph_server.texts] == ["Rasa nhận: một", "Rasa nhận: hai"]


@pytest.mark.parametrize(("attachment", "word"), [
    ({"type": "image", "payload": {"url": "https://example.invalid/a.jpg"}}, "hình ảnh"),
    ({"type": "image", "payload": {"url": "https://example.invalid/s.png",
                                   "sticker_id": 369239263222822}}, "nhãn dán"),
    ({"type": "audio", "payload": {"url": "https://example.invalid/a.mp4"}}, "tin nhắn thoại")])
def test_attachments_get_a_polite_text(client: TestClient, fake_rasa: FakeRasa,
                                       graph_server: FakeGraph, attachment: dict[str, Any],
                                       word: str) -> None:
    event = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 2,
             "message": {"mid": "m_att", "attachments": [attachment]}}
    post(client, page_body(event))
    assert fake_rasa.requests == []
    (text,) = graph_server.texts
    assert f"chưa đọc được {word}" in text


def test_retry_after_a_500_delivers_once(client: TestClient, graph_server: FakeGraph) -> None:
    graph_server.fail_next(1, status=500)
    post(client, page_body(text_msg("thời hạn bao lâu", mid="m_retry")))
    assert len(graph_server.sent) == 2 and len(graph_server.texts) == 1


def test_agent_reply_reaches_the_messenger_user(client: TestClient, fake_rasa: FakeRasa,
                                                graph_server: FakeGraph) -> None:
    post(client, page_body(text_msg("cho tôi gặp cán bộ", mid="m_h1")))
    conversation = fake_rasa.requests[-1]["sender"]
    ticket = client.post("/v1/handoff", json={"conversation_id": conversation,
                                              "channel": "messenger", "reason": "asked"}).json()
    r = client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/reply",
                    headers=add_agent(client.app, "an"),
                    json={"text": "Cán bộ 1022 xin chào Anh/Chị."})
    assert r.json()["delivered"] is True
    assert graph_server.delivered[-1] == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                                          "message": {"text": "Cán bộ 1022 xin chào Anh/Chị."}}


# -- limits on what we send --------------------------------------------------------------------
def many_buttons_rasa(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/":
        return httpx.Response(200, text="Hello from Rasa: 3.6.21")
    sender = json.loads(request.content)["sender"]
    buttons = [{"title": f"Thủ tục đăng ký hộ tịch số {i} (cấp xã)",
                "payload": f'/choose_procedure{{"procedure_id":"p-{i}"}}'} for i in range(16)]
    buttons.append({"title": "Gọi tổng đài 1022", "url": "tel:1022"})
    sentence = "Thành phần hồ sơ gồm tờ khai theo mẫu và bản sao giấy tờ tùy thân. "
    return httpx.Response(200, json=[{"recipient_id": sender, "text": sentence * 70,
                                      "buttons": buttons}])


def test_limits_13_quick_replies_20_char_titles_2000_char_pieces(
        tmp_path: Path, searcher: FakeSearcher, graph_server: FakeGraph) -> None:  # noqa: F811
    app = create_app(make_settings(tmp_path, **channel_settings(tmp_path, None, graph_server)),
                     searcher_loader=lambda _d: searcher,
                     rasa_transport=httpx.MockTransport(many_buttons_rasa))
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        post(c, page_body(text_msg("khai sinh", mid="m_many")))
    assert graph_server.problems == []  # the fake enforces every limit
    messages = [b["message"] for b in graph_server.delivered]
    assert len(messages) == 3 and all(len(m["text"]) <= 2000 for m in messages)
    assert "quick_replies" not in messages[0] and "quick_replies" not in messages[1]
    qrs = messages[-1]["quick_replies"]
    assert len(qrs) == 13 and all(len(q["title"]) <= 20 for q in qrs)
    assert qrs[0] == {"content_type": "text", "title": "Thủ tục đăng ký hộ…",
                      "payload": '/choose_procedure{"procedure_id":"p-0"}'}
    assert messages[-1]["text"].endswith("- Gọi tổng đài 1022")  # link button as text
