"""action_handoff: ticket with transcript, then what happens next (or the hotline)."""

from __future__ import annotations

from typing import Any, Callable, Dict

import httpx
import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.handoff import ActionHandoff, transcript_from_events  # noqa: E402
from actions_fakes import FakeApi, responses, slot_events  # noqa: E402

pytestmark = pytest.mark.rasa

LoadTracker = Callable[..., Tracker]


def ticket(**changes: Any) -> Dict[str, Any]:
    body = {
        "ticket_id": 17,
        "status": "queued",
        "position": 2,
        "expected_wait_minutes": 8,
        "within_office_hours": True,
        "office_hours": "07:30–17:00, thứ Hai–thứ Sáu",
        "message": "(the API's own wording, not used by the bot)",
    }
    body.update(changes)
    return body


async def test_request_opens_a_ticket_with_the_current_session_transcript(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/handoff", ticket())
    events = await ActionHandoff(fake_api.client()).run(
        dispatcher, load_tracker("tracker_request_human"), {}
    )
    (body,) = fake_api.bodies("/v1/handoff")
    assert body["sender_id"] == "web-77aa01"
    assert body["channel"] == "rest"
    assert body["reason"] == "citizen_request"
    texts = [(line["role"], line["text"]) for line in body["transcript"]]
    # The previous session ("Xin chào cuộc trò chuyện cũ") is not part of this conversation.
    assert texts == [
        ("user", "đăng ký kết hôn cần giấy tờ gì"),
        ("bot", "Thủ tục Đăng ký kết hôn cần: Tờ khai đăng ký kết hôn."),
        ("user", "người nước ngoài thì sao"),
        ("bot", "Xin lỗi, em chưa hiểu ý Anh/Chị."),
        ("user", "cho tôi gặp nhân viên"),
    ]
    assert responses(dispatcher) == ["utter_handoff_queued"]
    assert dispatcher.messages[0]["expected_wait_minutes"] == 8
    assert slot_events(events) == {"failures": 0.0, "handoff_offered": False}


async def test_outside_office_hours_promises_a_call_back_with_the_hours(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/handoff", ticket(within_office_hours=False, expected_wait_minutes=None))
    tracker = load_tracker("tracker_request_human")
    await ActionHandoff(fake_api.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_handoff_after_hours"]
    assert dispatcher.messages[0]["office_hours"] == "07:30–17:00, thứ Hai–thứ Sáu"


async def test_unknown_wait_uses_the_message_without_an_estimate(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/handoff", ticket(expected_wait_minutes=None))
    tracker = load_tracker("tracker_request_human")
    await ActionHandoff(fake_api.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_handoff_queued_no_estimate"]


async def test_accepting_the_offer_is_reported_as_repeated_failure(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/handoff", ticket())
    tracker = load_tracker(
        "tracker_request_human",
        slots={"failures": 2.0, "handoff_offered": True},
        latest_message={"text": "có", "intent": {"name": "affirm", "confidence": 0.97}},
    )
    await ActionHandoff(fake_api.client()).run(dispatcher, tracker, {})
    assert fake_api.bodies("/v1/handoff")[0]["reason"] == "repeated_failure"


@pytest.mark.parametrize(
    "script",
    [
        lambda api: api.fail("/v1/handoff", httpx.ConnectTimeout("slow")),
        lambda api: api.reply("/v1/handoff", {"detail": "Unknown conversation_id."}, 404),
        lambda api: api.reply("/v1/handoff", {"status": "queued"}),
    ],
)
async def test_api_failure_sends_the_citizen_to_the_hotline(
    fake_api: FakeApi,
    dispatcher: CollectingDispatcher,
    load_tracker: LoadTracker,
    script: Callable[[FakeApi], object],
) -> None:
    script(fake_api)
    events = await ActionHandoff(fake_api.client()).run(
        dispatcher, load_tracker("tracker_request_human"), {}
    )
    assert responses(dispatcher) == ["utter_handoff_unavailable"]
    assert slot_events(events)["handoff_offered"] is False


def test_transcript_is_capped_and_keeps_intents() -> None:
    events = [
        {"event": "user", "text": f"câu {i}", "timestamp": float(i),
         "parse_data": {"intent": {"name": "ask_fee"}}}
        for i in range(10)
    ]
    transcript = transcript_from_events(events, max_turns=3)
    assert [line["text"] for line in transcript] == ["câu 7", "câu 8", "câu 9"]
    assert all(line["intent"] == "ask_fee" for line in transcript)


def test_transcript_starts_after_a_restart() -> None:
    events = [
        {"event": "user", "text": "cũ"},
        {"event": "restart"},
        {"event": "user", "text": "mới"},
        {"event": "bot", "text": None},
    ]
    assert [line["text"] for line in transcript_from_events(events)] == ["mới"]
