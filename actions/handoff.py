"""Handoff to a hotline agent: open a ticket with the transcript, say what happens next."""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.base import ApiAction
from actions.api_client import ApiFailure, HandoffTicket
from actions.fallback import reset_failures
from actions.settings import get_settings

logger = logging.getLogger(__name__)

REASON_CITIZEN_REQUEST = "citizen_request"
REASON_REPEATED_FAILURE = "repeated_failure"
CATEGORY_COMPLAINT = "complaint"


def transcript_from_events(
    events: Iterable[Dict[str, Any]], *, max_turns: int = 60
) -> List[Dict[str, Any]]:
    """The conversation as ``[{role, text, timestamp}]``, oldest first, last ``max_turns``.

    A ``restart`` or ``session_started`` event starts a new conversation, so earlier
    messages are dropped; button payloads ("/ask_fee") are kept with their intent name.
    """
    transcript: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            transcript = []
        elif kind == "user":
            text = event.get("text") or ""
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            entry: Dict[str, Any] = {"role": "user", "text": text,
                                     "timestamp": event.get("timestamp")}
            if intent:
                entry["intent"] = intent
            transcript.append(entry)
        elif kind == "bot" and event.get("text"):
            transcript.append(
                {"role": "bot", "text": event["text"], "timestamp": event.get("timestamp")}
            )
    return transcript[-max_turns:]


def handoff_reason(tracker: Tracker) -> str:
    if tracker.get_slot(slots.HANDOFF_OFFERED):
        return REASON_REPEATED_FAILURE
    return REASON_CITIZEN_REQUEST


def _previous_intent(tracker: Tracker) -> Optional[str]:
    """Intent of the user message before the latest one (e.g. give_feedback)."""
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return None
    return ((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name")


class ActionHandoff(ApiAction):
    """Runs on ``request_human`` (or "yes" to the hotline offer)."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reason = handoff_reason(tracker)
        category = CATEGORY_COMPLAINT if _previous_intent(tracker) == "give_feedback" else None
        result = await self.client.handoff(
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel(),
            reason=reason,
            category=category,
            transcript=transcript_from_events(
                tracker.events, max_turns=get_settings().transcript_max_turns
            ),
        )
        if isinstance(result, ApiFailure):
            logger.error(
                "actions.handoff.api_failed", extra={"kind": result.kind, "detail": result.detail}
            )
            dispatcher.utter_message(response="utter_handoff_unavailable")
        else:
            logger.info(
                "actions.handoff.ticket_opened",
                extra={"ticket_id": result.ticket_id, "reason": reason},
            )
            self._tell_what_happens_next(result, dispatcher)
        return reset_failures()

    @staticmethod
    def _tell_what_happens_next(ticket: HandoffTicket, dispatcher: CollectingDispatcher) -> None:
        if not ticket.within_office_hours:
            if ticket.office_hours:
                dispatcher.utter_message(
                    response="utter_handoff_after_hours", office_hours=ticket.office_hours
                )
            else:
                dispatcher.utter_message(response="utter_handoff_after_hours_no_label")
        elif ticket.expected_wait_minutes is not None:
            dispatcher.utter_message(
                response="utter_handoff_queued",
                expected_wait_minutes=max(ticket.expected_wait_minutes, 1),
            )
        else:
            dispatcher.utter_message(response="utter_handoff_queued_no_estimate")
