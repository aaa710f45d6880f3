"""Aspect questions: ask the API for the answer and keep the procedure in the slots.

The API composes the text from catalogue fields (with its citation); this action only passes
it through, shows the quick replies, and remembers which procedure the conversation is about,
so that "thế mất bao lâu?" reuses it.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.base import ApiAction
from actions.api_client import Answer, ApiFailure, Button
from actions.fallback import record_failure, reset_failures

logger = logging.getLogger(__name__)

# Rasa intent -> aspect (shared vocabulary, docs/architecture.md).
INTENT_TO_ASPECT: Dict[str, str] = {
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
ASPECT_TO_INTENT: Dict[str, str] = {a: i for i, a in INTENT_TO_ASPECT.items()}
CHOOSE_PROCEDURE = "choose_procedure"
DEFAULT_ASPECT = "overview"
# What a reply did, for the office dashboard (the API stores it in ``messages.outcome``).
STATUS_OUTCOME: Dict[str, str] = {"answer": "answered", "abolished": "answered",
                                  "clarify": "clarified", "abstain": "abstained"}


def outcome_metadata(outcome: str, aspect: Optional[str]) -> Dict[str, Any]:
    """The ``custom`` item that tells the API what a reply did and which aspect it was about."""
    return {"outcome": outcome, **({"aspect": aspect} if aspect else {})}


def _buttons(buttons: List[Button]) -> List[Dict[str, str]]:
    return [{"title": b.title, "payload": b.payload} for b in buttons]


def answer_metadata(answer: Answer) -> Dict[str, Any]:
    """Citation, procedure, confidence and intent for channels; Rasa's REST output sends it as a
    ``custom``-only item after the text, which the API's ``from_rasa`` attaches to that text."""
    metadata: Dict[str, Any] = {}
    if answer.citation:
        metadata["citation"] = answer.citation
    if answer.procedure is not None:
        metadata["procedure"] = {"id": answer.procedure.id, "name": answer.procedure.name,
                                 "code": answer.procedure.code}
    if answer.confidence is not None:
        metadata["confidence"] = answer.confidence
    if metadata and answer.aspect in ASPECT_TO_INTENT:
        # the aspect asked, as its intent: a later "choose procedure" click answers the same
        # aspect when the API answers alone (Rasa down)
        metadata["intent"] = ASPECT_TO_INTENT[answer.aspect]
    metadata.update(outcome_metadata(STATUS_OUTCOME.get(answer.status, "other"), answer.aspect))
    return metadata


def question_text(tracker: Tracker) -> str:
    """The citizen's words, or "" for a button payload such as ``/ask_fee``."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.lstrip().startswith("/") else text.strip()


def latest_intent(tracker: Tracker) -> Optional[str]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name")


def requested_aspect(tracker: Tracker, intent: Optional[str]) -> str:
    if intent in INTENT_TO_ASPECT:
        return INTENT_TO_ASPECT[intent]
    # After a clarification the pending aspect is in the slot.
    return tracker.get_slot(slots.ASPECT) or DEFAULT_ASPECT


class ActionAnswer(ApiAction):
    """Answers an aspect question (or a clarification choice) through ``POST /v1/answer``."""

    def name(self) -> Text:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = latest_intent(tracker)
        aspect = requested_aspect(tracker, intent)
        procedure_id = tracker.get_slot(slots.PROCEDURE_ID)
        text = question_text(tracker)
        if intent == CHOOSE_PROCEDURE:
            chosen = next(tracker.get_latest_entity_values(slots.PROCEDURE_ID), None)
            procedure_id = chosen or procedure_id
            text = ""  # the choice names the procedure; the earlier words were ambiguous
        result = await self.client.answer(
            text=text,
            aspect=aspect,
            procedure_id=procedure_id,
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel(),
        )
        if isinstance(result, ApiFailure):
            logger.error(
                "actions.answer.api_failed",
                extra={"kind": result.kind, "detail": result.detail},
            )
            dispatcher.utter_message(response="utter_service_unavailable")
            return [SlotSet(slots.ASPECT, aspect)]
        return self._dispatch(result, aspect, dispatcher, tracker)

    async def ask_words_alone(self, text: str, tracker: Tracker) -> Optional[Answer]:
        """The API's answer to ``text`` with no procedure or aspect carried over (so that
        garbage or small talk never comes back as the last procedure); None on failure."""
        result = await self.client.answer(text=text, aspect=None, procedure_id=None,
                                          sender_id=tracker.sender_id,
                                          channel=tracker.get_latest_input_channel())
        if isinstance(result, ApiFailure):
            logger.warning("actions.answer.words_alone_failed",
                           extra={"action": self.name(), "kind": result.kind,
                                  "detail": result.detail})
            return None
        return result

    def _dispatch(
        self,
        answer: Answer,
        aspect: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> List[EventType]:
        logger.info(
            "actions.answer.result",
            extra={"status": answer.status, "aspect": aspect, "confidence": answer.confidence},
        )
        if answer.status == "clarify":
            dispatcher.utter_message(
                response="utter_ask_which_procedure", buttons=_buttons(answer.candidates),
                json_message=outcome_metadata("clarified", aspect),
            )
            return [SlotSet(slots.ASPECT, aspect)]
        if answer.status == "abstain":
            dispatcher.utter_message(response="utter_no_information",
                                     json_message=outcome_metadata("abstained", aspect))
            return [SlotSet(slots.ASPECT, aspect)] + record_failure(
                dispatcher, tracker, already_said=True
            )
        # "answer" and "abolished": the API's text is shown as is (it carries the citation).
        # Abolished procedures list their replacements as candidates.
        buttons = _buttons(answer.quick_replies) + _buttons(answer.candidates)
        dispatcher.utter_message(text=answer.text, buttons=buttons,
                                 json_message=answer_metadata(answer))
        events: List[EventType] = [SlotSet(slots.ASPECT, answer.aspect or aspect)]
        if answer.procedure is not None:
            events += [
                SlotSet(slots.PROCEDURE_ID, answer.procedure.id),
                SlotSet(slots.PROCEDURE_NAME, answer.procedure.name),
            ]
        return events + reset_failures()


class ActionFallback(ActionAnswer):
    """Runs on ``nlu_fallback``. A long or unusual question can miss every intent and still
    name a procedure clearly ("Con tôi có bố là người Nhật, làm khai sinh ở Việt Nam thì cần
    gì?"), so the words go to the search engine first, on their own (no procedure carried over:
    garbage must not come back as an answer about the last procedure). Only a confident answer
    or a clarification is shown; otherwise, as before, the citizen is asked to rephrase, and the
    second failure in a row offers a hotline agent."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = question_text(tracker)
        result = await self.ask_words_alone(text, tracker) if text else None
        if result is not None and result.status != "abstain":
            return self._dispatch(result, result.aspect or DEFAULT_ASPECT, dispatcher, tracker)
        return record_failure(dispatcher, tracker, already_said=False)
