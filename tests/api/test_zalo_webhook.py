"""Zalo OA webhook against a local fake Zalo API: signature, parsing, dedupe, replies."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db.models import Message
from api.settings import ApiSettings
from api_fakes import SERVICE_HEADERS, FakeRasa, FakeSearcher, add_agent, make_settings
from fakes.fixtures import ZALO_OA_SECRET, channel_settings, zalo_server  # noqa: F401
from fakes.zalo import FakeZalo, sign

USER = "8470091123456789012"  # large ids arrive as strings


def now_ms() -> str:
    """Zalo's timestamp (milliseconds, as a string) for an event sent now."""
    return str(int(time.time() * 1000))


@pytest.fixture
def settings(tmp_path: Path, zalo_server: FakeZalo) -> ApiSettings:  # noqa: F811
    return make_settings(tmp_path, **channel_settings(tmp_path, zalo_server, None))


def text_event(text: str, msg_id: str = "msg-0001", *, user: str = USER,
               app_id: str = "4291763606161179100") -> dict[str, object]:
    return {"app_id": app_id, "user_id_by_app": "55501", "event_name": "user_send_text",
            "timestamp": now_ms(), "sender": {"id": user}, "recipient": {"id": "1234567890"},
            "message": {"text": text, "msg_id": msg_id}}


def deliver(client: TestClient, event: dict[str, object], *, signature: str | None = "valid",
            key: str = ZALO_OA_SECRET):
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        signature = sign(app_id=str(event.get("app_id")), body=body,
                         timestamp=str(event.get("timestamp")), secret_key=key)
    if signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return client.post("/webhooks/zalo", content=body, headers=headers)


def stored(client: TestClient) -> list[Message]:
    with client.app.state.api.session_factory() as db:  # type: ignore[attr-defined]
        return list(db.scalars(select(Message).order_by(Message.id)))


def test_signed_text_goes_to_rasa_and_the_reply_to_zalo(
        client: TestClient, fake_rasa: FakeRasa, zalo_server: FakeZalo) -> None:
    r = deliver(client, text_event("Làm giấy khai sinh cần giấy tờ gì ạ?"))
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert fake_rasa.requests[-1]["message"] == "Làm giấy khai sinh cần giấy tờ gì ạ?"
    assert fake_rasa.requests[-1]["metadata"] == {"channel": "zalo"}
    (sent,) = zalo_server.sent
    assert sent.headers["access_token"] == "zalo-access-token-1"
    assert sent.json["recipient"] == {"user_id": USER}
    text = sent.json["message"]["text"]
    assert text.startswith("Rasa nhận: Làm giấy khai sinh cần giấy tờ gì ạ?")
    assert "Anh/Chị có thể trả lời bằng số thứ tự:\n1. Lệ phí" in text
    assert "Nguồn: Đăng ký khai sinh (mã 1.001193)" in text  # citation travels in the text
    assert zalo_server.problems == []
    assert [m.role for m in stored(client)] == ["citizen", "bot"]


def test_mac_prefix_is_accepted(client: TestClient, zalo_server: FakeZalo) -> None:
    event = text_event("lệ phí bao nhiêu")
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = sign(app_id=str(event["app_id"]), body=body, timestamp=str(event["timestamp"]), secret_key=ZALO_OA_SECRET)
    r = client.post("/webhooks/zalo", content=body,
                    headers={"Content-Type": "application/json",
                             "X-ZEvent-Signature": f"mac={mac}"})
    assert r.status_code == 200 and len(zalo_server.sent) == 1


@pytest.mark.parametrize("signature", [None, "", "mac=", "0" * 64, "forged-with-other-key"])
def test_missing_or_forged_signature_is_403_and_logged(
        client: TestClient, fake_rasa: FakeRasa, zalo_server: FakeZalo,
        caplog: pytest.LogCaptureFixture, signature: str | None) -> None:
    event = text_event("xin chào")
    if signature == "forged-with-other-key":
        body = json.dumps(event, ensure_ascii=False).encode()
        signature = sign(app_id=str(event["app_id"]), body=body, timestamp=str(event["timestamp"]),
                         secret_key="attacker-guessed-secret")
    with caplog.at_level(logging.WARNING):
        r = deliver(client, event, signature=signature)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert any("zalo.webhook.bad_signature" in rec.getMessage() for rec in caplog.records)
    assert fake_rasa.requests == [] and zalo_server.sent == [] and stored(client) == []


def test_signature_of_another_body_is_rejected(client: TestClient, zalo_server: FakeZalo) -> None:
    original = text_event("hỏi lệ phí")
    body = json.dumps(original, ensure_ascii=False).encode()
    mac = sign(app_id=str(original["app_id"]), body=body, timestamp=str(original["timestamp"]),
               secret_key=ZALO_OA_SECRET)
    tampered = json.dumps(text_event("hỏi lệ phí", user="1111"), ensure_ascii=False).encode()
    r = client.post("/webhooks/zalo", content=tampered,
                    headers={"Content-Type": "application/json", "X-ZEvent-Signature": mac})
    assert r.status_code == 403 and zalo_server.sent == []


def test_other_app_id_is_rejected(client: TestClient, zalo_server: FakeZalo) -> None:
    r = deliver(client, text_event("xin chào", app_id="999"))  # signed for another app
    assert r.status_code == 403


def test_replayed_delivery_gets_one_reply(client: TestClient, fake_rasa: FakeRasa,
                                          zalo_server: FakeZalo) -> None:
    event = text_event("đăng ký kết hôn cần gì", msg_id="msg-replayed")
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200  # Zalo retried: still 200
    assert len(fake_rasa.requests) == 1 and len(zalo_server.sent) == 1
    assert [m.role for m in stored(client)] == ["citizen", "bot"]
    assert deliver(client, text_event("đăng ký kết hôn cần gì", msg_id="msg-new")).status_code \
        == 200
    assert len(zalo_server.sent) == 2  # a new msg_id is a new message


@pytest.mark.parametrize(("event_name", "word"), [("user_send_image", "hình ảnh"),
                                                  ("user_send_sticker", "nhãn dán"),
                                                  ("user_send_file", "tệp")])
def test_image_and_sticker_get_a_polite_text(client: TestClient, fake_rasa: FakeRasa,
                                             zalo_server: FakeZalo, event_name: str,
                                             word: str) -> None:
    event = {"app_id": "4291763606161179100", "event_name": event_name, "timestamp": now_ms(),
             "sender": {"id": USER}, "recipient": {"id": "1234567890"},
             "message": {"msg_id": "att-1", "attachments": [{"type": "image", "payload": {
                 "url": "https://example.invalid/a.jpg"}}]}}
    assert deliver(client, event).status_code == 200
    assert fake_rasa.requests == []
    (text,) = zalo_server.texts
    assert f"chưa đọc được {word}" in text and "Anh/Chị vui lòng gõ câu hỏi" in text
    roles = [(m.role, m.text) for m in stored(client)]
    assert roles[0] == ("citizen", f"[{word}]") and roles[1][0] == "bot"


@pytest.mark.parametrize("event_name", ["oa_send_text", "follow", "user_seen_message",
                                        "user_received_message"])
def test_echoes_and_other_events_are_acknowledged_only(
        client: TestClient, fake_rasa: FakeRasa, zalo_server: FakeZalo, event_name: str) -> None:
    event = text_event("tin nhắn OA")
    event["event_name"] = event_name
    assert deliver(client, event).status_code == 200
    assert fake_rasa.requests == [] and zalo_server.sent == [] and stored(client) == []


def test_numbered_reply_picks_the_option(client: TestClient, fake_rasa: FakeRasa,
                                         zalo_server: FakeZalo) -> None:
    deliver(client, text_event("làm giấy khai sinh", msg_id="m1"))
    deliver(client, text_event("1", msg_id="m2"))
    assert fake_rasa.requests[-1]["message"] == "/ask_fee"
    citizen = [m for m in stored(client) if m.role == "citizen"]
    assert citizen[-1].text == "Lệ phí"
    deliver(client, text_event("7", msg_id="m3"))  # no 7th option: plain text
    assert fake_rasa.requests[-1]["message"] == "7"


@pytest.mark.parametrize("offset_s", [-3600, -301, 301])
def test_a_signed_event_outside_the_replay_window_is_refused(
        client: TestClient, fake_rasa: FakeRasa, zalo_server: FakeZalo,
        caplog: pytest.LogCaptureFixture, offset_s: int) -> None:
    event = text_event("hỏi lệ phí khai sinh", msg_id=f"old-{offset_s}")
    event["timestamp"] = str(int((time.time() + offset_s) * 1000))
    with caplog.at_level(logging.WARNING):
        r = deliver(client, event)  # correctly signed: a captured delivery, replayed
    assert r.status_code == 403
    assert any("zalo.webhook.stale_event" in rec.getMessage() for rec in caplog.records)
    assert fake_rasa.requests == [] and zalo_server.sent == [] and stored(client) == []
    fresh = text_event("hỏi lệ phí khai sinh", msg_id=f"new-{offset_s}")
    assert deliver(client, fresh).status_code == 200


def test_a_signed_event_with_a_timestamp_that_is_not_a_number_is_refused(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    event = text_event("xin chào", msg_id="nan")
    event["timestamp"] = "yesterday"
    assert deliver(client, event).status_code == 403
    assert fake_rasa.requests == []


def test_body_without_timestamp_cannot_be_verified(client: TestClient) -> None:
    body = b"[1, 2]"
    r = client.post("/webhooks/zalo", content=body, headers={
        "Content-Type": "application/json", "X-ZEvent-Signature": "mac=00"})
    assert r.status_code == 403  # no timestamp: cannot be verified


def test_not_configured_is_503(tmp_path: Path, searcher: FakeSearcher,
                               fake_rasa: FakeRasa) -> None:
    from api.main import create_app

    app = create_app(make_settings(tmp_path), searcher_loader=lambda _d: searcher,
                     rasa_transport=fake_rasa.transport())
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        r = deliver(c, text_event("xin chào"))
    assert r.status_code == 503
    assert r.json()["error"] == {"code": "not_configured", "message":
                                 "The Zalo channel is not configured (set API_ZALO_APP_ID and "
                                 "API_ZALO_OA_SECRET_KEY)."}


def test_agent_reply_reaches_the_zalo_user(client: TestClient, fake_rasa: FakeRasa,
                                           zalo_server: FakeZalo) -> None:
    deliver(client, text_event("tôi muốn gặp cán bộ", msg_id="h1"))
    conversation = fake_rasa.requests[-1]["sender"]
    auth = add_agent(client.app, "an")
    ticket = client.post("/v1/handoff", json={"conversation_id": conversation,
                                              "channel": "zalo", "reason": "asked"}).json()
    # while waiting for an agent, citizen messages are stored, not answered by the bot
    deliver(client, text_event("alo, có ai không?", msg_id="h2"))
    assert len(fake_rasa.requests) == 1 and len(zalo_server.sent) == 1
    r = client.post(f"/v1/agent/tickets/{ticket['ticket_id']}/reply", headers=auth,
                    json={"text": "Chào Anh/Chị, tôi là cán bộ tổng đài 1022.", "agent": "an"})
    assert r.status_code == 200 and r.json()["delivered"] is True
    last = zalo_server.sent[-1].json
    assert last == {"recipient": {"user_id": USER},
                    "message": {"text": "Chào Anh/Chị, tôi là cán bộ tổng đài 1022."}}


def test_rate_limited_sender_gets_one_notice_a_minute(
        tmp_path: Path, searcher: FakeSearcher, fake_rasa: FakeRasa,
        zalo_server: FakeZalo) -> None:  # noqa: F811
    from api.main import create_app

    settings = make_settings(tmp_path, rate_limit_per_minute=2,
                             **channel_settings(tmp_path, zalo_server, None))
    app = create_app(settings, searcher_loader=lambda _d: searcher,
                     rasa_transport=fake_rasa.transport())
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        for i in range(5):
            assert deliver(c, text_event(f"câu hỏi số {i}", msg_id=f"rl-{i}")).status_code == 200
    assert len(fake_rasa.requests) == 2
    texts = zalo_server.texts
    assert len(texts) == 3 and "đợi khoảng một phút" in texts[2]


def test_decomposed_vietnamese_reaches_rasa_composed(client: TestClient, fake_rasa: FakeRasa,
                                                     zalo_server: FakeZalo) -> None:
    import unicodedata

    nfc = "Đăng ký thường trú ở đâu ạ?"
    deliver(client, text_event(unicodedata.normalize("NFD", nfc), msg_id="nfd-1"))
    assert fake_rasa.requests[-1]["message"] == nfc
    assert zalo_server.texts[0].startswith(f"Rasa nhận: {nfc}")
