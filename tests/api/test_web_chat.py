"""Web chat turns: Rasa routing, degraded mode, agent states, history, bad input."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from api_fakes import SERVICE_HEADERS, FakeRasa

SID = "session-citizen-0123456789abcdef"


def say(client: TestClient, text: str, sid: str = SID, **extra: object):
    return client.post("/v1/chat/web", json={"session_id": sid, "text": text, **extra})


def test_message_goes_to_rasa_with_conversation_sender_and_channel(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    r = say(client, "làm giấy khai sinh")
    assert r.status_code == 200
    sent = fake_rasa.requests[-1]
    assert sent["message"] == "làm giấy khai sinh"
    identity = client.app.state.api.identity  # type: ignore[attr-defined]
    # the client address travels hashed (dossier guesses are also counted per address)
    assert sent["metadata"] == {"channel": "web",
                                "client": identity.hash_user("address", "testclient")}
    assert len(sent["sender"]) == 32 and sent["sender"] != SID  # our conversation id
    msgs = r.json()["messages"]
    assert msgs[0]["text"] == "Rasa nhận: làm giấy khai sinh"
    assert msgs[0]["buttons"] == [{"title": "Lệ phí", "payload": "/ask_fee"}]
    # the custom-only message enriched the text before it
    assert msgs[0]["citation"]["label"] == "Nguồn: Đăng ký khai sinh (mã 1.001193)"


def test_quick_reply_payload_is_sent_to_rasa_and_title_stored(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    say(client, "Lệ phí", payload="/ask_fee")
    assert fake_rasa.requests[-1]["message"] == "/ask_fee"
    hist = client.get(f"/v1/chat/web/{SID}/history").json()
    assert hist["messages"][0] == {**hist["messages"][0], "role": "citizen", "text": "Lệ phí"}


@pytest.mark.parametrize("mode", ["down", "error", "slow", "empty"])
def test_degraded_mode_answers_from_retrieval(client: TestClient, fake_rasa: FakeRasa,
                                              mode: str) -> None:
    fake_rasa.mode = mode
    r = say(client, "làm giấy khai sinh cần giấy tờ gì")
    assert r.status_code == 200
    (msg,) = r.json()["messages"]
    assert msg["role"] == "bot"
    assert "Tờ khai đăng ký khai sinh theo mẫu" in msg["text"]
    assert "chế độ hạn chế" in msg["text"] and "1022" in msg["text"]
    assert msg["text"].endswith(msg["citation"]["label"])
    assert {"title": "Gọi tổng đài 1022", "url": "tel:1022"} in msg["buttons"]
    assert {"title": "Lệ phí", "payload": "/ask_fee"} in msg["buttons"]
    # the citizen's message and the answer are both stored
    hist = client.get(f"/v1/chat/web/{SID}/history").json()["messages"]
    assert [m["role"] for m in hist] == ["citizen", "bot"]


def test_degraded_quick_reply_uses_carried_procedure(client: TestClient,
                                                     fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "down"
    say(client, "đăng ký kết hôn cần gì")
    r = say(client, "Thời hạn", payload="/ask_processing_time")
    text = r.json()["messages"][0]["text"]
    assert "Thời hạn giải quyết của thủ tục Đăng ký kết hôn" in text
    assert "5 ngày làm việc" in text


def test_degraded_choose_procedure_payload(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "down"
    first = say(client, "khai").json()["messages"][0]
    assert first["text"].startswith("Anh/Chị hỏi về thủ tục nào?")
    choice = next(b for b in first["buttons"] if b["title"] == "Đăng ký khai tử")
    r = say(client, choice["title"], payload=choice["payload"]).json()["messages"][0]
    assert r["text"].startswith("Thủ tục Đăng ký khai tử")


def test_rasa_disabled_means_degraded(tmp_path, searcher) -> None:
    from api.main import create_app
    from api_fakes import make_settings

    app = create_app(make_settings(tmp_path, rasa_enabled=False),
                     searcher_loader=lambda _d: searcher)
    with TestClient(app, headers=SERVICE_HEADERS) as c:
        r = say(c, "lệ phí đăng ký kết hôn")
        assert "miễn phí" in r.json()["messages"][0]["text"]


def test_empty_message_gets_gentle_prompt_and_is_not_sent(client: TestClient,
                                                          fake_rasa: FakeRasa) -> None:
    r = say(client, "   \u200b ")
    assert r.status_code == 200
    assert "vui lòng nhập câu hỏi" in r.json()["messages"][0]["text"]
    assert fake_rasa.requests == []


def test_long_message_is_cut_and_citizen_told(client: TestClient, fake_rasa: FakeRasa) -> None:
    r = say(client, "khai sinh " * 400)
    msgs = r.json()["messages"]
    assert msgs[0]["role"] == "system"
    assert "dài hơn 2.000 ký tự" in msgs[0]["text"]
    assert len(fake_rasa.requests[-1]["message"]) <= 2000


def test_rate_limit_is_polite(client: TestClient) -> None:
    codes = [say(client, f"câu hỏi {i}").status_code for i in range(20)]
    assert codes == [200] * 20
    r = say(client, "thêm một câu")
    assert r.status_code == 429
    assert "đợi" in r.json()["messages"][0]["text"]
    assert say(client, "người khác", sid="other-session-0000000123").status_code == 200


def test_invalid_session_id_rejected(client: TestClient) -> None:
    assert say(client, "xin chào", sid="../../etc").status_code == 422
    assert client.get("/v1/chat/web/short/history").status_code == 422


def test_history_of_unknown_session_is_empty(client: TestClient) -> None:
    r = client.get("/v1/chat/web/unknown-session-0000001/history")
    assert r.json() == {"session_id": "unknown-session-0000001", "state": "bot", "messages": []}


def test_waiting_agent_messages_are_stored_not_sent(client: TestClient,
                                                    fake_rasa: FakeRasa) -> None:
    say(client, "xin gặp cán bộ")
    conv_id = fake_rasa.requests[-1]["sender"]
    h = client.post("/v1/handoff", json={"sender_id": conv_id, "channel": "web",
                                         "reason": "citizen_request"})
    assert h.status_code == 200
    before = len(fake_rasa.requests)
    r = say(client, "tôi cần hỏi về hồ sơ của tôi")
    assert r.json()["state"] == "waiting_agent"
    assert r.json()["messages"] == []
    assert len(fake_rasa.requests) == before
    hist = client.get(f"/v1/chat/web/{SID}/history").json()
    assert hist["messages"][-1]["text"] == "tôi cần hỏi về hồ sơ của tôi"


def test_bad_json_and_binary_get_clear_4xx(client: TestClient) -> None:
    r = client.post("/v1/chat/web", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = client.post("/v1/chat/web", content=b'{"session_id":"abcdefgh1-session-000001","text":"\xff\xfe"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_encoding"
    r = client.post("/v1/chat/web", content=b"\x00\x01\x02",
                    headers={"Content-Type": "application/octet-stream"})
    assert 400 <= r.status_code < 500
    r = client.post("/v1/chat/web", json=["not", "an", "object"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = client.post("/v1/chat/web", content=b"x" * 70_000,
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_unknown_route_and_method_are_json_4xx(client: TestClient) -> None:
    r = client.get("/v1/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.delete("/v1/chat/web")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_control_characters_are_cleaned_and_lone_surrogates_rejected(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    r = client.post("/v1/chat/web",
                    content=b'{"session_id":"abcdefgh1-session-000001","text":"khai\\u0000 sinh\\u0007"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert fake_rasa.requests[-1]["message"] == "khai sinh"
    r = client.post("/v1/chat/web",
                    content=b'{"session_id":"abcdefgh1-session-000001","text":"x \\ud800"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422


def test_demo_page_and_widget_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "widget.js" in page.text
    js = client.get("/static/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_after_a_rasa_failure_turns_skip_rasa_for_the_cooldown(tmp_path, searcher,
                                                               fake_rasa: FakeRasa) -> None:
    from api.main import create_app
    from api_fakes import make_settings

    app = create_app(make_settings(tmp_path, rasa_cooldown=0.5),
                     searcher_loader=lambda _d: searcher, rasa_transport=fake_rasa.transport())
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        _skips_rasa_during_the_cooldown(client, fake_rasa)


def _skips_rasa_during_the_cooldown(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "slow"
    say(client, "khai sinh cần gì")
    calls = len(fake_rasa.requests)
    fake_rasa.mode = "echo"
    r = say(client, "lệ phí kết hôn")
    assert len(fake_rasa.requests) == calls  # not retried during the cooldown
    assert "chế độ hạn chế" in r.json()["messages"][0]["text"]
    assert client.app.state.api.rasa.breaker.state.value == "open"
    time.sleep(0.6)  # the cooldown is over: the next turn tries Rasa again
    r = say(client, "lệ phí kết hôn")
    assert r.json()["messages"][0]["text"].startswith("Rasa nhận:")


def answer_metadata(answer: dict) -> dict:
    """What ``actions.answer.answer_metadata`` puts in the ``custom`` item after the text."""
    p = answer["procedure"]
    return {"citation": answer["citation"], "confidence": answer["confidence"],
            "procedure": {"id": p["id"], "name": p["name"], "code": p["code"]}}


def test_relayed_answer_keeps_citation_and_procedure(client: TestClient, fake_rasa: FakeRasa,
                                                     agent_headers: dict[str, str]) -> None:
    say(client, "xin chào")
    conv = fake_rasa.requests[-1]["sender"]
    # what the action server does during the next turn: compose, then relay text + buttons
    answer = client.post("/v1/answer", json={"text": "lệ phí đăng ký kết hôn",
                                             "sender_id": conv, "channel": "web"}).json()
    fake_rasa.mode = "canned"
    fake_rasa.canned = [{"recipient_id": conv, "text": answer["text"],
                         "buttons": answer["quick_replies"]},
                        {"recipient_id": conv, "custom": answer_metadata(answer)}]
    msg = say(client, "lệ phí đăng ký kết hôn").json()["messages"][0]
    assert msg["citation"] == answer["citation"]
    # the stored message knows its procedure, so degraded mode can carry it over
    fake_rasa.mode = "down"
    r = say(client, "Thời hạn", payload="/ask_processing_time").json()["messages"][0]
    assert "Thời hạn giải quyết của thủ tục Đăng ký kết hôn" in r["text"]


@pytest.mark.parametrize(("text", "payload"), [("Gặp cán bộ", "/request_human"),
                                               ("cho toi gap can bo voi", None)])
def test_degraded_mode_can_still_reach_a_person(client: TestClient, fake_rasa: FakeRasa,
                                                agent_headers: dict[str, str], text: str,
                                                payload: str | None) -> None:
    fake_rasa.mode = "down"
    first = say(client, "lệ phí khai tử").json()["messages"][0]
    assert {"title": "Gặp cán bộ", "payload": "/request_human"} in first["buttons"]
    r = say(client, text, payload=payload).json()
    assert r["state"] == "waiting_agent"
    msg = r["messages"][0]["text"]
    assert ("hàng chờ" in msg) or ("ngoài giờ làm việc" in msg)
    tickets = client.get("/v1/agent/tickets", headers=agent_headers).json()
    assert [t["reason"] for t in tickets] == ["citizen_request_degraded"]


def test_degraded_vague_follow_up_asks_which_aspect(client: TestClient,
                                                    fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "down"
    say(client, "lệ phí đăng ký kết hôn")
    msg = say(client, "vâng cảm ơn").json()["messages"][0]
    assert msg["text"].startswith("Anh/Chị muốn biết thêm thông tin gì về thủ tục Đăng ký kết hôn?")
    assert {"title": "Thời hạn", "payload": "/ask_processing_time"} in msg["buttons"]
    # /v1/answer itself keeps its contract: a carried procedure gets an answer, not a question
    a = client.post("/v1/answer", json={"text": "vâng cảm ơn",
                                        "procedure_id": "dang-ky-ket-hon"}).json()
    assert a["status"] == "answer" and a["aspect"] == "overview"


def test_session_ids_too_short_to_be_unguessable_are_refused(client: TestClient) -> None:
    for sid in ("abcdefgh", "a" * 21):
        r = client.post("/v1/chat/web", json={"session_id": sid, "text": "xin chào"})
        assert r.status_code == 422, sid
        assert client.get(f"/v1/chat/web/{sid}/history").status_code == 422
    ok = client.post("/v1/chat/web", json={"session_id": "a" * 22, "text": "xin chào"})
    assert ok.status_code == 200
