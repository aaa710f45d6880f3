"""Each stored bot message says what the turn did (``messages.outcome``) and which aspect it
answered (``messages.aspect``): the office dashboard counts answered, clarified, abstained and
handed-off turns from these columns."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db.models import Conversation, ConversationState, Message
from api.services.dialogue import outcome_of
from api.services.payloads import BotMessage
from api_fakes import FakeRasa

SID = "session-outcome-0123456789abcdef"
CHOOSE = '/choose_procedure{"procedure_id":"%s"}'


def say(client: TestClient, text: str, **extra: object) -> dict[str, Any]:
    r = client.post("/v1/chat/web", json={"session_id": SID, "text": text, **extra})
    assert r.status_code == 200
    return r.json()


def bot_rows(client: TestClient) -> list[tuple[str | None, str | None, str | None]]:
    factory = client.app.state.api.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        rows = session.scalars(select(Message).where(Message.role == "bot")
                               .order_by(Message.id)).all()
        return [(m.outcome, m.aspect, m.procedure) for m in rows]


def canned(fake_rasa: FakeRasa, items: list[dict[str, Any]]) -> None:
    fake_rasa.mode = "canned"
    fake_rasa.canned = [{"recipient_id": "x", **item} for item in items]


def test_an_answer_clarification_and_abstention_from_the_actions(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    canned(fake_rasa, [
        {"text": "Lệ phí: miễn lệ phí.\nNguồn: Đăng ký khai sinh (mã 1.001193)"},
        {"custom": {"citation": {"label": "Nguồn: Đăng ký khai sinh (mã 1.001193)"},
                    "procedure": {"id": "dang-ky-khai-sinh"}, "confidence": 0.9,
                    "outcome": "answered", "aspect": "fee"}}])
    say(client, "khai sinh hết bao nhiêu tiền")
    canned(fake_rasa, [{"text": "Anh/Chị hỏi về thủ tục nào?",
                        "buttons": [{"title": "A", "payload": CHOOSE % "a"}]},
                       {"custom": {"outcome": "clarified", "aspect": "time"}}])
    say(client, "mất bao lâu")
    canned(fake_rasa, [{"text": "Danh mục chưa có thông tin."},
                       {"custom": {"outcome": "abstained", "aspect": "place"}}])
    say(client, "nộp ở đâu")
    assert bot_rows(client) == [("answered", "fee", "dang-ky-khai-sinh"),
                                ("clarified", "time", None),
                                ("abstained", "place", None)]


def test_replies_that_do_not_say_it_are_classified_by_what_they_carry(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    say(client, "làm giấy khai sinh")  # echo: a text with a citation and a procedure
    canned(fake_rasa, [{"text": "Chọn thủ tục:",
                        "buttons": [{"title": "A", "payload": CHOOSE % "a"}]}])
    say(client, "cấp lại")
    canned(fake_rasa, [{"text": "Xin chào Anh/Chị!"},
                       {"custom": {"outcome": "bogus"}}])  # not an outcome: ignored
    say(client, "xin chào")
    assert [row[0] for row in bot_rows(client)] == ["answered", "clarified", "other"]


def test_a_turn_in_which_an_action_opened_a_ticket_is_a_handoff(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    factory = client.app.state.api.session_factory  # type: ignore[attr-defined]
    say(client, "xin chào")

    def action_hands_off(_body: dict[str, Any]) -> None:
        # what action_handoff's call to /v1/handoff leaves behind before Rasa replies
        with factory() as session:
            conv = session.scalars(select(Conversation)).one()
            conv.state = ConversationState.waiting_agent.value
            session.commit()

    canned(fake_rasa, [{"text": "Em đã chuyển tổng đài viên."}])
    fake_rasa.during_turn = action_hands_off
    say(client, "cho tôi gặp cán bộ")
    assert [row[0] for row in bot_rows(client)] == ["answered", "handed_off"]


@pytest.mark.parametrize(("text", "outcome", "aspect"), [
    ("làm giấy khai sinh cần giấy tờ gì", "answered", "documents"),
    ("qwerty zxcv asdf", "abstained", None),
])
def test_degraded_answers_record_their_outcome(client: TestClient, fake_rasa: FakeRasa,
                                               text: str, outcome: str,
                                               aspect: str | None) -> None:
    fake_rasa.mode = "down"
    say(client, text)
    ((got, got_aspect, _),) = bot_rows(client)
    assert got == outcome
    if aspect is not None:
        assert got_aspect == aspect


def test_a_degraded_request_for_a_person_is_a_handoff(
        client: TestClient, fake_rasa: FakeRasa, agent_headers: dict[str, str]) -> None:
    fake_rasa.mode = "down"
    say(client, "Gặp cán bộ", payload="/request_human")
    assert [row[0] for row in bot_rows(client)] == ["handed_off"]


def test_outcome_of_prefers_what_the_sender_said() -> None:
    cited = BotMessage(text="t", citation={"label": "x"}, procedure="p")
    assert outcome_of(cited, handed_off=False) == "answered"
    assert outcome_of(BotMessage(text="t", outcome="abstained", citation={"label": "x"},
                                 procedure="p"), handed_off=True) == "abstained"
    assert outcome_of(BotMessage(text="t"), handed_off=True) == "handed_off"
    assert outcome_of(BotMessage(text="t", citation={"label": "x"}), handed_off=False) == "other"
