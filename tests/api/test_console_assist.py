"""Agent assist: suggested answers from the catalogue, quick templates, the queue preview."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.services import wording
from api.services.handoff import last_question
from api_fakes import FakeRasa

SID = "session-citizen-assist-000001"


def ticket_after(client: TestClient, fake_rasa: FakeRasa, *texts: str) -> int:
    for text in texts:
        client.post("/v1/chat/web", json={"session_id": SID, "text": text})
    conv = fake_rasa.requests[-1]["sender"]
    return client.post("/v1/handoff", json={"conversation_id": conv,  # type: ignore[no-any-return]
                                            "reason": "asked"}).json()["ticket_id"]


def test_suggestions_answer_the_question_before_the_ask_for_a_person(
        client: TestClient, fake_rasa: FakeRasa, agent_headers: dict[str, str]) -> None:
    t = ticket_after(client, fake_rasa, "lệ phí đăng ký khai sinh", "cho tôi gặp cán bộ")
    body = client.get(f"/v1/agent/tickets/{t}/suggestions", headers=agent_headers).json()
    assert body["question"] == "lệ phí đăng ký khai sinh"
    found = body["suggestions"]
    assert 1 <= len(found) <= 3
    top = found[0]
    assert top["procedure"]["id"] == "dang-ky-khai-sinh" and top["aspect"] == "fee"
    assert top["text"].startswith("Phí, lệ phí của thủ tục Đăng ký khai sinh")
    assert top["citation"]["label"].startswith("Nguồn: Đăng ký khai sinh (mã 1.001193)")
    assert [s["confidence"] for s in found] == sorted((s["confidence"] for s in found),
                                                      reverse=True)
    assert len({s["procedure"]["id"] for s in found}) == len(found)


def test_suggestions_for_a_typed_question_and_none_without_one(
        client: TestClient, fake_rasa: FakeRasa, agent_headers: dict[str, str]) -> None:
    r = client.get("/v1/agent/suggestions", params={"q": "thời hạn làm giấy khai sinh"},
                   headers=agent_headers).json()
    assert r["suggestions"][0]["aspect"] == "time"
    t = ticket_after(client, fake_rasa, "tôi muốn gặp cán bộ")
    body = client.get(f"/v1/agent/tickets/{t}/suggestions", headers=agent_headers).json()
    assert body == {"question": None, "suggestions": []}
    assert client.get("/v1/agent/tickets/999/suggestions",
                      headers=agent_headers).status_code == 404


def test_templates_come_from_the_wording_module(client: TestClient,
                                                agent_headers: dict[str, str]) -> None:
    got = client.get("/v1/agent/templates", headers=agent_headers).json()
    assert [(t["title"], t["text"]) for t in got] == wording.agent_templates("1022")
    assert any("1022" in t["text"] for t in got)


def test_the_queue_shows_the_citizens_last_question() -> None:
    lines = [{"role": "user", "text": "làm căn cước ở đâu"},
             {"role": "bot", "text": "..."},
             {"role": "user", "text": "/request_human"},
             {"role": "user", "text": "cho tôi nói chuyện với cán bộ", "intent": "request_human"}]
    assert last_question({"lines": lines}) == "làm căn cước ở đâu"
    assert last_question({"text": "Công dân hỏi về hộ khẩu"}) == "Công dân hỏi về hộ khẩu"
    assert last_question(None) is None and last_question({"lines": []}) is None
