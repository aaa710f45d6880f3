"""action_fallback / action_decline_handoff: the search engine gets the words first; two
failures in a row offer a hotline agent."""

from __future__ import annotations

from typing import Callable

import httpx
import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.answer import ActionFallback  # noqa: E402
from actions.fallback import ActionDeclineHandoff, failure_count  # noqa: E402
from actions_fakes import FakeApi, answer_body, responses, slot_events  # noqa: E402

pytestmark = pytest.mark.rasa

LoadTracker = Callable[..., Tracker]
NOT_UNDERSTOOD = {"text": "abc xyz ???", "intent": {"name": "nlu_fallback", "confidence": 0.2}}


async def test_first_misunderstanding_asks_to_rephrase(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body("abstain", text="không có thông tin"))
    tracker = load_tracker("tracker_followup", latest_message=NOT_UNDERSTOOD)
    events = await ActionFallback(fake_api.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ask_rephrase"]
    assert dispatcher.messages[0]["custom"] == {"outcome": "abstained"}  # office dashboard
    assert slot_events(events) == {"failures": 1.0, "handoff_offered": False}


async def test_second_misunderstanding_offers_a_hotline_agent(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.fail("/v1/answer", httpx.ConnectError("API down"))  # down: same as not understood
    tracker = load_tracker(
        "tracker_followup", slots={"failures": 1.0}, latest_message=NOT_UNDERSTOOD
    )
    events = await ActionFallback(fake_api.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_offer_handoff"]
    assert slot_events(events) == {"failures": 2.0, "handoff_offered": True}


async def test_a_question_the_intents_missed_is_answered_from_the_catalogue(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    fake_api.reply("/v1/answer", answer_body(
        procedure_id="dang-ky-khai-sinh-co-yeu-to-nuoc-ngoai",
        name="Đăng ký khai sinh có yếu tố nước ngoài", text="Hồ sơ gồm ... (mã 1.000893)"))
    question = "Con tôi có bố là người Nhật, làm khai sinh ở Việt Nam thì cần gì?"
    tracker = load_tracker("tracker_followup", slots={"failures": 1.0}, latest_message={
        "text": question, "intent": {"name": "nlu_fallback", "confidence": 0.4}})
    events = await ActionFallback(fake_api.client()).run(dispatcher, tracker, {})

    (body,) = fake_api.bodies("/v1/answer")
    assert body["text"] == question
    assert body.get("procedure_id") is None and body.get("aspect") is None  # no carry-over
    (message,) = dispatcher.messages
    assert message["text"] == "Hồ sơ gồm ... (mã 1.000893)"
    assert slot_events(events) == {
        "aspect": "documents", "procedure_id": "dang-ky-khai-sinh-co-yeu-to-nuoc-ngoai",
        "procedure_name": "Đăng ký khai sinh có yếu tố nước ngoài",
        "failures": 0.0, "handoff_offered": False,
    }


async def test_a_button_payload_is_not_sent_to_the_search_engine(
    fake_api: FakeApi, dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    tracker = load_tracker("tracker_followup", latest_message={
        "text": "/nonsense", "intent": {"name": "nlu_fallback", "confidence": 0.1}})
    await ActionFallback(fake_api.client()).run(dispatcher, tracker, {})
    assert fake_api.bodies("/v1/answer") == []
    assert responses(dispatcher) == ["utter_ask_rephrase"]


async def test_declining_the_offer_resets_the_count(
    dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    tracker = load_tracker("tracker_followup", slots={"failures": 2.0, "handoff_offered": True})
    events = await ActionDeclineHandoff().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_handoff_declined"]
    assert slot_events(events) == {"failures": 0.0, "handoff_offered": False}


@pytest.mark.parametrize("value, expected", [(None, 0), (1.0, 1), ("2", 2), ("x", 0), (-3, 0)])
def test_failure_count_tolerates_odd_slot_values(
    load_tracker: LoadTracker, value: object, expected: int
) -> None:
    assert failure_count(load_tracker("tracker_followup", slots={"failures": value})) == expected
