"""action_answer: carry-over, switching, clarification, abstention, API failure."""

from __future__ import annotations

from typing import Callable

import httpx
import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.answer import INTENT_TO_ASPECT, ActionAnswer  # noqa: E402
from actions_fakes import FakeApi, answer_body, responses, slot_events  # noqa: E402

pytestmark = pytest.mark.rasa

LoadTracker = Callable[..., Tracker]
CHOOSE = '/choose_procedure{{"procedure_id":"{}"}}'


async def run(action: ActionAnswer, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    return await action.run(dispatcher, tracker, domain={})


def test_intent_to_aspect_map_matches_the_contract() -> None:
    # docs/architecture.md: "Rasa intents map to aspects".
    assert INTENT_TO_ASPECT == {
        "ask_documents": "documents",
        "ask_processing_time": "time",
        "ask_fee": "fee",
        "ask_place": "place",
        "ask_steps": "steps",
        "ask_online": "online",
        "ask_conditions": "conditions",
        "ask_procedure": "overview",
        "ask_deadline": "deadline",
        "ask_validity": "validity",
        "ask_result": "result",
        "ask_who": "who",
        "ask_form": "forms",
    }


async def test_follow_up_reuses_the_procedure_slot(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body(aspect="time", text="Thời hạn: ... (mã 1.001193)"))
    tracker = load_tracker("tracker_followup")
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)

    (body,) = fake_api.bodies("/v1/answer")
    assert body["text"] == "thế mất bao lâu?"
    assert body["aspect"] == "time"
    assert body["procedure_id"] == "dang-ky-khai-sinh"
    assert body["sender_id"] == "web-3f9c2a"
    assert body["channel"] == "rest"

    (message,) = dispatcher.messages
    assert message["text"] == "Thời hạn: ... (mã 1.001193)"  # the API's text, unchanged
    assert [b["payload"] for b in message["buttons"]] == ["/ask_processing_time", "/ask_fee"]
    assert slot_events(events) == {
        "aspect": "time",
        "procedure_id": "dang-ky-khai-sinh",
        "procedure_name": "Đăng ký khai sinh",
        "failures": 0.0,
        "handoff_offered": False,
    }


async def test_a_new_procedure_switches_the_slots(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply(
        "/v1/answer",
        answer_body(procedure_id="dang-ky-ket-hon", name="Đăng ký kết hôn", aspect="fee",
                    text="Lệ phí đăng ký kết hôn: ..."),
    )
    tracker = load_tracker(
        "tracker_followup",
        latest_message={"text": "còn đăng ký kết hôn thì lệ phí bao nhiêu",
                        "intent": {"name": "ask_fee", "confidence": 0.9}},
    )
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    assert fake_api.bodies("/v1/answer")[0]["procedure_id"] == "dang-ky-khai-sinh"
    slots = slot_events(events)
    assert slots["procedure_id"] == "dang-ky-ket-hon"
    assert slots["procedure_name"] == "Đăng ký kết hôn"
    assert slots["aspect"] == "fee"


async def test_quick_reply_payload_is_not_sent_as_text(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body(aspect="fee"))
    tracker = load_tracker(
        "tracker_followup",
        latest_message={"text": "/ask_fee", "intent": {"name": "ask_fee", "confidence": 1.0}},
    )
    await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    (body,) = fake_api.bodies("/v1/answer")
    assert body["text"] == ""
    assert body["aspect"] == "fee"
    assert body["procedure_id"] == "dang-ky-khai-sinh"


async def test_clarification_asks_which_procedure_with_buttons(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    candidates = [
        {"id": "dang-ky-khai-sinh", "name": "Đăng ký khai sinh",
         "payload": CHOOSE.format("dang-ky-khai-sinh")},
        {"id": "dang-ky-lai-khai-sinh", "name": "Đăng ký lại khai sinh",
         "payload": CHOOSE.format("dang-ky-lai-khai-sinh")},
    ]
    fake_api.reply("/v1/answer", answer_body("clarify", aspect="fee", candidates=candidates))
    tracker = load_tracker(
        "tracker_followup",
        slots={"procedure_id": None, "procedure_name": None},
        latest_message={"text": "khai sinh hết bao nhiêu tiền",
                        "intent": {"name": "ask_fee", "confidence": 0.9}},
    )
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_ask_which_procedure"]
    assert dispatcher.messages[0]["buttons"] == [
        {"title": c["name"], "payload": c["payload"]} for c in candidates
    ]
    # The pending aspect is kept for the choice; the procedure slot is not guessed.
    assert slot_events(events) == {"aspect": "fee"}


async def test_choosing_a_procedure_answers_the_pending_aspect(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body(aspect="fee", text="Lệ phí: miễn lệ phí ..."))
    tracker = load_tracker("tracker_choose_procedure")
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    (body,) = fake_api.bodies("/v1/answer")
    assert body == {
        "text": "",
        "aspect": "fee",
        "procedure_id": "dang-ky-khai-sinh",
        "sender_id": "zalo-889900",
        "channel": "zalo",
    }
    assert slot_events(events)["procedure_id"] == "dang-ky-khai-sinh"
    assert dispatcher.messages[0]["text"] == "Lệ phí: miễn lệ phí ..."


async def test_first_abstention_says_no_information_and_counts_a_failure(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body("abstain", aspect="time", text="Xin lỗi ..."))
    tracker = load_tracker("tracker_followup")
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_no_information"]
    slots = slot_events(events)
    assert slots["failures"] == 1.0
    assert slots["handoff_offered"] is False
    assert "procedure_id" not in slots  # the carried procedure stays as it was


async def test_second_failure_in_a_row_offers_a_hotline_agent(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body("abstain", aspect="time"))
    tracker = load_tracker("tracker_followup", slots={"failures": 1.0})
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_no_information", "utter_offer_handoff"]
    assert slot_events(events)["handoff_offered"] is True
    assert slot_events(events)["failures"] == 2.0


async def test_abolished_procedure_passes_text_and_replacements(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    body = answer_body(
        "abolished",
        procedure_id="doi-the-can-cuoc-cong-dan",
        name="Đổi thẻ Căn cước công dân",
        text="Thủ tục Đổi thẻ Căn cước công dân đã bị bãi bỏ.",
        candidates=[{"id": "cap-doi-the-can-cuoc", "name": "Cấp đổi thẻ căn cước",
                     "payload": CHOOSE.format("cap-doi-the-can-cuoc")}],
    )
    body["quick_replies"] = []
    fake_api.reply("/v1/answer", body)
    tracker = load_tracker("tracker_followup")
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    (message,) = dispatcher.messages
    assert message["text"] == "Thủ tục Đổi thẻ Căn cước công dân đã bị bãi bỏ."
    assert message["buttons"] == [
        {"title": "Cấp đổi thẻ căn cước", "payload": CHOOSE.format("cap-doi-the-can-cuoc")}
    ]
    assert slot_events(events)["failures"] == 0.0


@pytest.mark.parametrize(
    "script",
    [
        lambda api: api.fail("/v1/answer", httpx.ReadTimeout("slow")),
        lambda api: api.fail("/v1/answer", httpx.ConnectError("refused")),
        lambda api: api.reply("/v1/answer", {"detail": "boom"}, status_code=500),
        lambda api: api.raw("/v1/answer", b"not json"),
    ],
)
async def test_api_failure_gives_a_polite_hotline_message(
    fake_api: FakeApi,
    dispatcher: CollectingDispatcher,
    load_tracker: LoadTracker,
    script: Callable[[FakeApi], object],
) -> None:
    script(fake_api)
    tracker = load_tracker("tracker_followup")
    events = await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_service_unavailable"]
    assert slot_events(events) == {"aspect": "time"}


def test_constructing_the_action_does_not_touch_the_network() -> None:
    action = ActionAnswer()
    assert action._client is None  # created on first use, not at import or construction
    assert action.name() == "action_answer"


async def test_an_answer_carries_citation_procedure_and_confidence_for_channels(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body(aspect="time", text="Thời hạn: 5 ngày (mã 1.001193)"))
    await run(ActionAnswer(fake_api.client()), dispatcher, load_tracker("tracker_followup"))

    (message,) = dispatcher.messages
    assert message["text"] == "Thời hạn: 5 ngày (mã 1.001193)"
    # The API's from_rasa reads these keys from a custom-only item; no text or buttons in it
    # (a custom "text" or "quick_replies" would be shown twice).
    assert message["custom"] == {
        "citation": {"label": "Đăng ký khai sinh, mã 1.001193", "url": None},
        "procedure": {"id": "dang-ky-khai-sinh", "name": "Đăng ký khai sinh",
                      "code": "1.001193"},
        "confidence": 0.82,
        "intent": "ask_processing_time",  # the aspect asked, for the API's degraded mode
        "outcome": "answered",  # for the office dashboard (messages.outcome)
        "aspect": "time",
    }


async def test_an_abstention_says_only_what_the_turn_did(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    """No citation, procedure, confidence or intent (the API must not store an abstention as
    an answer about a procedure), only the outcome the office dashboard counts."""
    fake_api.reply("/v1/answer", answer_body("abstain", aspect="time"))
    await run(ActionAnswer(fake_api.client()), dispatcher, load_tracker("tracker_followup"))
    customs = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert customs == [{"outcome": "abstained", "aspect": "time"}]


async def test_a_clarification_is_marked_clarified(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    candidates = [{"id": "a", "name": "A", "payload": CHOOSE.format("a")},
                  {"id": "b", "name": "B", "payload": CHOOSE.format("b")}]
    fake_api.reply("/v1/answer", answer_body("clarify", aspect="fee", candidates=candidates))
    tracker = load_tracker(
        "tracker_followup", slots={"procedure_id": None, "procedure_name": None},
        latest_message={"text": "hết bao nhiêu tiền",
                        "intent": {"name": "ask_fee", "confidence": 0.9}})
    await run(ActionAnswer(fake_api.client()), dispatcher, tracker)
    (message,) = dispatcher.messages
    assert message["custom"] == {"outcome": "clarified", "aspect": "fee"}  # the aspect asked
