"""Dossier status lookup: the form's slot checks, the lookup itself and cancelling.

``dossier_form`` collects ``dossier_code`` (from the first message or asked for) and
``dossier_factor`` (last 4 digits of the applicant's phone). ``action_dossier_lookup`` calls
``POST /v1/dossiers/lookup`` and shows the API's text; it always clears the factor, and sets
``dossier_next`` so the rules ask again (``ask_factor``, ``ask_code``) or stop (``done``).
The factor digits are never logged.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import slots
from actions.base import ApiAction
from actions.api_client import ApiFailure
from actions.dossier_api import DossierError, DossierFound

logger = logging.getLogger(__name__)

# The national format, as api.dossiers.codes accepts it (actions never import api/).
_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-(\d{6})-\d{4,6}$")
_FIND_RE = re.compile(r"\d{3}\s*\.\s*\d{2}\s*\.\s*\d{2}\s*\.\s*[A-Za-z]\d{2}\s*[-–—]\s*\d{6}"
                      r"\s*[-–—]\s*\d{4,6}(?!\d)")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})

NEXT_ASK_FACTOR = "ask_factor"
NEXT_ASK_CODE = "ask_code"
NEXT_DONE = "done"
# Lookup errors answered by asking again, and what to ask for.
# "not_verified": the code or the factor is wrong, and the API does not say which: ask both.
_RETRY = {"not_verified": NEXT_ASK_CODE, "factor_required": NEXT_ASK_FACTOR,
          "invalid_code": NEXT_ASK_CODE}
# Fixed wording when the API error has no text.
_ERROR_RESPONSES = {
    "invalid_code": "utter_dossier_code_invalid",
    "factor_required": "utter_dossier_factor_invalid",
    "not_verified": "utter_dossier_not_verified",
    "locked_out": "utter_dossier_locked_out",
}


def normalise_code(raw: Any) -> Optional[str]:
    """The code in the national format found in ``raw`` (upper case, no spaces), or None."""
    if not isinstance(raw, str):
        return None
    for match in _FIND_RE.finditer(raw):
        code = "".join(match.group(0).translate(_DASHES).split()).upper()
        found = _CODE_RE.match(code)
        if found is None:
            continue
        day = found.group(1)
        try:
            date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
        except ValueError:
            continue
        return code
    return None


def factor_digits(raw: Any) -> Optional[str]:
    """The last 4 digits of what the citizen typed ("4 số cuối là 1234", a full phone)."""
    if not isinstance(raw, str):
        return None
    digits = re.sub(r"\D", "", raw)
    return digits[-4:] if len(digits) >= 4 else None


def clear_lookup_slots(next_step: str) -> List[EventType]:
    return [SlotSet(slots.DOSSIER_FACTOR, None), SlotSet(slots.DOSSIER_NEXT, next_step)]


class ValidateDossierForm(FormValidationAction):
    """Checks the code's format and keeps only the last 4 digits of the factor."""

    def name(self) -> Text:
        return "validate_dossier_form"

    def validate_dossier_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by the last lookup, nothing typed yet: just ask
            return {slots.DOSSIER_CODE: None}
        code = normalise_code(value)
        if code is None:
            logger.info("actions.dossier.invalid_code")
            dispatcher.utter_message(response="utter_dossier_code_invalid")
        return {slots.DOSSIER_CODE: code}

    def validate_dossier_factor(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        if value is None:
            return {slots.DOSSIER_FACTOR: None}
        digits = factor_digits(value)
        if digits is None:
            dispatcher.utter_message(response="utter_dossier_factor_invalid")
        return {slots.DOSSIER_FACTOR: digits}


def _client_address(tracker: Tracker) -> Optional[str]:
    """The hashed client address the API put in the message metadata (web only)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    client = metadata.get("client")
    return client if isinstance(client, str) and client else None


class ActionDossierLookup(ApiAction):
    """Looks the dossier up through the API and shows its answer; clears the factor."""

    def name(self) -> Text:
        return "action_dossier_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        code = normalise_code(tracker.get_slot(slots.DOSSIER_CODE))
        factor = factor_digits(tracker.get_slot(slots.DOSSIER_FACTOR))
        if code is None:
            dispatcher.utter_message(response="utter_dossier_code_invalid")
            return [SlotSet(slots.DOSSIER_CODE, None)] + clear_lookup_slots(NEXT_ASK_CODE)
        result = await self.client.dossier_lookup(
            code=code, factor=factor, sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel(), client=_client_address(tracker),
        )
        if isinstance(result, DossierFound):
            logger.info("actions.dossier.found", extra={"status": result.status,
                                                        "late": result.late})
            dispatcher.utter_message(text=result.text)
            if result.late:
                dispatcher.utter_message(response="utter_dossier_hotline_offer")
            return [SlotSet(slots.DOSSIER_CODE, None)] + clear_lookup_slots(NEXT_DONE)
        if isinstance(result, DossierError):
            return self._error(result, dispatcher, code)
        return self._failure(result, dispatcher)

    def _error(
        self, error: DossierError, dispatcher: CollectingDispatcher, code: str
    ) -> List[EventType]:
        logger.info("actions.dossier.error", extra={"code": error.code,
                                                    "remaining": error.remaining_attempts})
        if error.text:
            dispatcher.utter_message(text=error.text)
        else:
            dispatcher.utter_message(
                response=_ERROR_RESPONSES.get(error.code, "utter_dossier_lookup_unavailable"))
        next_step = _RETRY.get(error.code, NEXT_DONE)
        if error.code == "not_verified" and error.remaining_attempts == 0:
            next_step = NEXT_DONE  # the next try would be locked out
        if next_step == NEXT_DONE:
            dispatcher.utter_message(response="utter_dossier_hotline_offer")
        keep_code = code if next_step == NEXT_ASK_FACTOR else None
        return [SlotSet(slots.DOSSIER_CODE, keep_code)] + clear_lookup_slots(next_step)

    def _failure(self, failure: ApiFailure, dispatcher: CollectingDispatcher) -> List[EventType]:
        logger.error("actions.dossier.api_failed",
                     extra={"kind": failure.kind, "detail": failure.detail})
        dispatcher.utter_message(response="utter_dossier_lookup_unavailable")
        return [SlotSet(slots.DOSSIER_CODE, None)] + clear_lookup_slots(NEXT_DONE)


class ActionDossierCancel(Action):
    """The citizen stops the lookup: say where else to look, forget code and factor."""

    def name(self) -> Text:
        return "action_dossier_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        logger.info("actions.dossier.cancelled")
        dispatcher.utter_message(response="utter_dossier_cancelled")
        return [SlotSet(slots.DOSSIER_CODE, None), SlotSet("requested_slot", None)] \
            + clear_lookup_slots(NEXT_DONE)
