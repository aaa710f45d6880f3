"""Slot names shared by the actions (declared in bot/domain.yml)."""

from __future__ import annotations

PROCEDURE_ID = "procedure_id"
PROCEDURE_NAME = "procedure_name"
ASPECT = "aspect"  # aspect of the last question; answered after a clarification
FAILURES = "failures"  # consecutive turns the assistant could not help
HANDOFF_OFFERED = "handoff_offered"  # True while the hotline offer awaits a yes/no
DOSSIER_CODE = "dossier_code"
DOSSIER_FACTOR = "dossier_factor"  # last 4 digits; cleared by every lookup, never logged
DOSSIER_NEXT = "dossier_next"  # after a lookup: ask_factor | ask_code | done
ROUTE = "route"  # set by action_route: dossier (start the form) | done
