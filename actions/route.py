"""``action_route``: carries out :func:`actions.routing.decide` for the intents whose own flow
is not a procedure answer (dossier status, feedback, small talk, yes/no replies).

The words go to the API alone (no procedure carried over), so that "ok" after an answer does
not come back as that procedure's overview. The ``route`` slot tells the rules whether the
dossier form starts (``dossier``) or the turn is over (``done``).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import routing, slots
from actions.answer import ActionAnswer, latest_intent, question_text
from actions.fallback import record_failure

logger = logging.getLogger(__name__)

ROUTE_DOSSIER = "dossier"
ROUTE_DONE = "done"

# The intent's own reply when the message is small talk after all.
SMALL_TALK_RESPONSES: Dict[str, str] = {
    "greet": "utter_greet",
    "thank": "utter_you_are_welcome",
    "affirm": "utter_anything_else",
    "deny": "utter_anything_else",
    "out_of_scope": "utter_out_of_scope",
    "rate_service": "utter_thank_rating",
}
DEFAULT_SMALL_TALK = "utter_anything_else"


def clicked(tracker: Tracker) -> bool:
    """The message is a button payload ("/check_dossier_status"), not typed words."""
    text = (tracker.latest_message or {}).get("text") or ""
    return text.lstrip().startswith("/")


def entity_names(tracker: Tracker) -> List[str]:
    return [e.get("entity") for e in (tracker.latest_message or {}).get("entities") or []
            if isinstance(e, dict) and e.get("entity")]


class ActionRoute(ActionAnswer):
    def name(self) -> Text:
        return "action_route"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = latest_intent(tracker)
        text = question_text(tracker)
        answer = await self.ask_words_alone(text, tracker) if text else None
        route = routing.decide(intent, text, entities=entity_names(tracker),
                               clicked=clicked(tracker), answer=answer)
        logger.info("actions.route.decided", extra={"intent": intent, "route": route.kind,
                                                    "reason": route.reason})
        if route.kind == routing.DOSSIER:
            return [SlotSet(slots.ROUTE, ROUTE_DOSSIER)]
        events: List[EventType] = [SlotSet(slots.ROUTE, ROUTE_DONE)]
        if route.kind == routing.ANSWER and answer is not None:
            return events + self._dispatch(answer, answer.aspect or "overview", dispatcher,
                                           tracker)
        if route.kind == routing.FEEDBACK:
            dispatcher.utter_message(response="utter_feedback_received")
        elif route.kind == routing.ASK_DOSSIER_OR_PROCEDURE:
            dispatcher.utter_message(response="utter_ask_dossier_or_procedure")
        elif route.kind == routing.NOT_UNDERSTOOD:
            events += record_failure(dispatcher, tracker, already_said=False)
        else:
            dispatcher.utter_message(
                response=SMALL_TALK_RESPONSES.get(intent or "", DEFAULT_SMALL_TALK))
        return events
