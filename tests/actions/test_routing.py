"""The routing policy (actions/routing.py) and action_route, which carries it out."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions import routing  # noqa: E402
from actions.api_client import Answer, Button, ProcedureRef  # noqa: E402
from actions.route import ActionRoute  # noqa: E402
from actions_fakes import FakeApi, answer_body, responses, slot_events  # noqa: E402

pytestmark = pytest.mark.rasa

LoadTracker = Callable[..., Tracker]
PASSPORT = ProcedureRef(id="cap-ho-chieu-pho-thong-o-trong-nuoc", name="Cấp hộ chiếu phổ thông")


def answer(status: str = "answer", form: str = "question",
           candidates: Optional[List[Button]] = None) -> Answer:
    return Answer(status=status, text="..." if status != "clarify" else "",  # type: ignore[arg-type]
                  procedure=PASSPORT if status == "answer" else None,
                  candidates=candidates or [], confidence=0.8, question_form=form)


ABSTAIN = Answer(status="abstain", text="", question_form="statement")


# -- evidence --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "tra cứu hồ sơ", "kiểm tra tình trạng hồ sơ giúp tôi", "hồ sơ của tôi đến đâu rồi",
    "ho so cua minh xong chua", "tiến độ giải quyết hồ sơ", "mã hồ sơ của tôi là gì đây",
    "tôi nộp hôm thứ hai mà chưa thấy gì, giờ đến đâu rồi",
])
def test_explicit_tracking_wording(text: str) -> None:
    assert routing.explicit_tracking(text)


@pytest.mark.parametrize("text", [
    "hồ sơ làm hộ chiếu gồm những gì", "kiểm tra thông tin cư trú ở đâu",
    "thông tin trên căn cước bị sai thì sửa thế nào", "hồ sơ đăng ký kết hôn nộp ở đâu",
    "làm hồ sơ xin cấp lại sổ đỏ mất bao lâu",
])
def test_mentions_of_ho_so_or_kiem_tra_are_not_tracking(text: str) -> None:
    assert not routing.explicit_tracking(text)


def test_dossier_code_in_the_words_or_as_an_entity() -> None:
    assert routing.has_dossier_code("ho so 000.00.19.h12 - 250101 - 0001 sao roi")
    assert routing.has_dossier_code("xin chào", ["dossier_code"])
    assert not routing.has_dossier_code("số CCCD 001203004567")


@pytest.mark.parametrize("text,expected", [
    ("cán bộ thái độ rất tệ", True), ("tôi muốn phản ánh việc trễ hẹn", True),
    ("toi muon khieu nai", True),
    ("tôi bị mất căn cước", False), ("thông tin bị sai", False), ("bị lộ mật khẩu VNeID", False),
])
def test_explicit_complaint_wording(text: str, expected: bool) -> None:
    assert routing.explicit_complaint(text) is expected


# -- decisions -------------------------------------------------------------------------------
def test_tracking_intent_needs_evidence_to_start_the_form() -> None:
    assert routing.decide("check_dossier_status", "tra cứu hồ sơ").kind == routing.DOSSIER
    assert routing.decide("check_dossier_status", "", clicked=True).kind == routing.DOSSIER
    assert routing.decide("check_dossier_status", "xem giúp", entities=["dossier_code"]
                          ).kind == routing.DOSSIER
    question = routing.decide("check_dossier_status", "hồ sơ làm hộ chiếu gồm những gì",
                              answer=answer())
    assert question.kind == routing.ANSWER
    vague = routing.decide("check_dossier_status", "kiểm tra giúp tôi", answer=ABSTAIN)
    assert vague.kind == routing.ASK_DOSSIER_OR_PROCEDURE


def test_feedback_intent_needs_complaint_wording_and_no_procedure_question() -> None:
    story = "thông tin trên thẻ căn cước bị sai ngày sinh thì phải làm sao"
    assert routing.decide("give_feedback", story, answer=answer()).kind == routing.ANSWER
    lost = "tôi bị mất căn cước hôm qua ở chợ"  # a statement long enough to be a story
    assert routing.decide("give_feedback", lost,
                          answer=answer(form="statement")).kind == routing.ANSWER
    complaint = "cán bộ một cửa thái độ rất tệ khi tôi đi làm hộ chiếu"
    assert routing.decide("give_feedback", complaint,
                          answer=answer(form="statement")).kind == routing.FEEDBACK
    assert routing.decide("give_feedback", "bức xúc quá", answer=ABSTAIN).kind == routing.FEEDBACK
    assert routing.decide("give_feedback", "bị lỗi rồi", answer=ABSTAIN).kind \
        == routing.NOT_UNDERSTOOD


def test_a_clarification_counts_as_a_procedure_question() -> None:
    clarify = answer("clarify", candidates=[Button("A", "/choose_procedure{}")])
    assert routing.decide("affirm", "làm cái giấy đó được không", answer=clarify).kind \
        == routing.ANSWER
    empty_clarify = answer("clarify")
    assert routing.decide("affirm", "được không", answer=empty_clarify).kind == routing.SMALL_TALK


def test_small_talk_stays_small_talk() -> None:
    assert routing.decide("affirm", "ok", answer=ABSTAIN).kind == routing.SMALL_TALK
    assert routing.decide("greet", "xin chào", answer=ABSTAIN).kind == routing.SMALL_TALK
    # A short statement that happens to match a procedure is not a question.
    assert routing.decide("thank", "cảm ơn hộ chiếu",
                          answer=answer(form="statement")).kind == routing.SMALL_TALK
    assert routing.decide("greet", "chào em, cho chị hỏi làm hộ chiếu ở đâu",
                          answer=answer()).kind == routing.ANSWER


def test_a_dossier_code_under_another_intent_starts_the_form() -> None:
    route = routing.decide("give_feedback", "hồ sơ 000.00.19.H12-250101-0001 trễ hẹn")
    assert route.kind == routing.DOSSIER


# -- the action ------------------------------------------------------------------------------
def tracker_for(load_tracker: LoadTracker, text: str, intent: str,
                entities: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    return load_tracker("tracker_followup", latest_message={
        "text": text, "intent": {"name": intent, "confidence": 0.7},
        "entities": entities or []})


async def test_action_answers_a_procedure_question_read_as_feedback(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    body = {**answer_body(aspect="steps", text="Trình tự ... Nguồn: ..."),
            "question_form": "question"}
    fake_api.reply("/v1/answer", body)
    tracker = tracker_for(load_tracker, "thông tin trên căn cước bị sai thì làm sao",
                          "give_feedback")
    events = await ActionRoute(fake_api.client()).run(dispatcher, tracker, {})
    (sent,) = fake_api.bodies("/v1/answer")
    assert sent["text"] == "thông tin trên căn cước bị sai thì làm sao"
    assert "procedure_id" not in sent and "aspect" not in sent  # the words alone
    assert dispatcher.messages[0]["text"] == "Trình tự ... Nguồn: ..."
    slots = slot_events(events)
    assert slots["route"] == "done" and slots["procedure_id"] == "dang-ky-khai-sinh"


async def test_action_acknowledges_a_complaint(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", {**answer_body("abstain"), "question_form": "statement"})
    tracker = tracker_for(load_tracker, "cán bộ thái độ rất tệ", "give_feedback")
    events = await ActionRoute(fake_api.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_feedback_received"]
    assert slot_events(events) == {"route": "done"}


async def test_action_starts_the_form_on_a_click_without_asking_the_api(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    tracker = tracker_for(load_tracker, "/check_dossier_status", "check_dossier_status")
    events = await ActionRoute(fake_api.client()).run(dispatcher, tracker, {})
    assert fake_api.bodies("/v1/answer") == []
    assert dispatcher.messages == []
    assert slot_events(events) == {"route": "dossier"}


async def test_action_asks_when_tracking_has_no_evidence(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body("abstain"))
    tracker = tracker_for(load_tracker, "kiểm tra giúp tôi", "check_dossier_status")
    events = await ActionRoute(fake_api.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ask_dossier_or_procedure"]
    assert slot_events(events) == {"route": "done"}


async def test_small_talk_reply_when_the_api_is_down(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", {"error": "boom"}, status_code=500)
    tracker = tracker_for(load_tracker, "ok", "affirm")
    events = await ActionRoute(fake_api.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_anything_else"]
    assert slot_events(events) == {"route": "done"}
