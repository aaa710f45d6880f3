"""``POST /v1/answer`` contract additions: new aspects, ``question_form``, ``verdict``,
``procedures`` (with defaults old clients can ignore)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.schemas.answer import AnswerPublic
from api.services.composer import ASPECT_INTENT, INTENT_ASPECT
from api_fakes import ask_answer

ask = ask_answer


def test_new_fields_on_every_status(client: TestClient) -> None:
    a = ask(client, text="làm giấy khai sinh cần giấy tờ gì")
    assert (a["question_form"], a["verdict"]) == ("question", None)
    assert a["procedures"] == [a["procedure"]]
    b = ask(client, text="thời tiết hôm nay thế nào")
    assert b["status"] == "abstain" and b["question_form"] == "question"
    assert b["procedures"] == [] and b["verdict"] is None
    c = ask(client, text="khai")
    assert c["status"] == "clarify" and c["question_form"] == "statement" and c["procedures"] == []
    d = ask(client, text="kiểm thử bãi bỏ")
    assert d["status"] == "abolished" and [p["id"] for p in d["procedures"]] == [
        "thu-tuc-kiem-thu-da-bai-bo"]


def test_yes_no_over_http(client: TestClient) -> None:
    a = ask(client, text="đăng ký kết hôn có mất phí không")
    assert a["question_form"] == "yes_no" and a["verdict"] == "no"
    assert a["text"].startswith("Không.")


def test_new_aspects_are_accepted(client: TestClient) -> None:
    for aspect in ("deadline", "validity", "who", "forms", "result"):
        a = ask(client, text="", procedure_id="dang-ky-ket-hon", aspect=aspect)
        assert a["status"] == "answer" and a["aspect"] == aspect
        assert a["text"].endswith(a["citation"]["label"])
        assert "1022" in a["text"]  # the fixture record is silent on all of them
    bad = client.post("/v1/answer", json={"text": "", "aspect": "weather"})
    assert bad.status_code == 422


def test_deadline_guessed_from_the_text(client: TestClient) -> None:
    a = ask(client, text="đăng ký kết hôn trong bao nhiêu ngày phải làm")
    assert a["aspect"] == "deadline"
    assert "Thời hạn giải quyết của cơ quan (không phải hạn của Anh/Chị)" in a["text"]


def test_old_payload_still_parses() -> None:
    old = {"status": "answer", "aspect": "fee", "procedure": None, "text": "x",
           "citation": None, "quick_replies": [], "candidates": [], "confidence": None}
    a = AnswerPublic.model_validate(old)
    assert (a.question_form, a.verdict, a.procedures) == ("statement", None, [])


def test_new_intents_map_to_new_aspects() -> None:
    assert {k: INTENT_ASPECT[k] for k in ("ask_deadline", "ask_validity", "ask_result",
                                          "ask_who", "ask_form")} == {
        "ask_deadline": "deadline", "ask_validity": "validity", "ask_result": "result",
        "ask_who": "who", "ask_form": "forms"}
    assert ASPECT_INTENT["forms"] == "ask_form"
