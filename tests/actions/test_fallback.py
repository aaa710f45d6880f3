"""action_fallback / action_decline_handoff: two failures in a row offer a hotline agent."""

from __future__ import annotations

from typing import Callable

import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.fallback import ActionDeclineHandoff, ActionFallback, failure_count  # noqa: E402
from actions_fakes import responses, slot_events  # noqa: E402

pytestmark = pytest.mark.rasa

LoadTracker = Callable[..., Tracker]
NOT_UNDERSTOOD = {"text": "abc xyz ???", "intent": {"name": "nlu_fallback", "confidence": 0.2}}


async def test_first_misunderstanding_asks_to_rephrase(
    dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    tracker = load_tracker("tracker_followup", latest_message=NOT_UNDERSTOOD)
    events = await ActionFallback().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ask_rephrase"]
    assert slot_events(events) == {"failures": 1.0, "handoff_offered": False}


async def test_second_misunderstanding_offers_a_hotline_agent(
    dispatcher: CollectingDispatcher, load_tracker: LoadTracker
) -> None:
    tracker = load_tracker(
        "tracker_followup", slots={"failures": 1.0}, latest_message=NOT_UNDERSTOOD
    )
    events = await ActionFallback().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_offer_handoff"]
    assert slot_events(events) == {"failures": 2.0, "handoff_offered": True}


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
