"""Failures in a row: ask to rephrase once, then offer a hotline agent (``action_fallback``
itself is in ``actions.answer``: it first asks the search engine)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots

logger = logging.getLogger(__name__)

FAILURES_BEFORE_HANDOFF = 2


def failure_count(tracker: Tracker) -> int:
    value = tracker.get_slot(slots.FAILURES)
    try:
        return max(int(float(value)), 0) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def record_failure(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, already_said: bool
) -> List[EventType]:
    """Counts one more failure; from the second in a row on, offers a hotline agent.

    ``already_said`` is True when the caller has already told the citizen it could not help
    (e.g. "chưa có thông tin"); otherwise the citizen is asked to rephrase first.
    """
    failures = failure_count(tracker) + 1
    logger.info("actions.failure.recorded", extra={"failures": failures})
    if failures >= FAILURES_BEFORE_HANDOFF:
        dispatcher.utter_message(response="utter_offer_handoff")
        return [SlotSet(slots.FAILURES, float(failures)), SlotSet(slots.HANDOFF_OFFERED, True)]
    if not already_said:
        # no answer from the catalogue: counted as an abstention on the office dashboard
        dispatcher.utter_message(response="utter_ask_rephrase",
                                 json_message={"outcome": "abstained"})
    return [SlotSet(slots.FAILURES, float(failures)), SlotSet(slots.HANDOFF_OFFERED, False)]


def reset_failures() -> List[EventType]:
    return [SlotSet(slots.FAILURES, 0.0), SlotSet(slots.HANDOFF_OFFERED, False)]


class ActionDeclineHandoff(Action):
    """The citizen said no to the hotline offer: acknowledge and start counting afresh."""

    def name(self) -> Text:
        return "action_decline_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_declined")
        return reset_failures()
