"""Rasa's own command line (``python -m bot.serve run ...`` = ``rasa run ...``), with one fix.

Rasa 3.6 checks every action server reply with ``jsonschema.validate(reply, spec)``, and
``jsonschema.validate`` first validates the *spec* against its meta-schema, on every call. A
profile of the server under load showed that meta-schema check taking about two thirds of
Rasa's CPU time (docs/benchmarks/understanding.md). :func:`install` replaces
``RemoteAction._validate_action_result`` with the same check made by one validator built once
from the same spec: the same replies pass, the same replies fail with the same message.

Nothing happens on import; ``main`` installs the fix, then hands over to ``rasa.__main__``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Dict, Optional, Text

logger = logging.getLogger(__name__)

_validator: Optional[Any] = None


def _reply_validator() -> Any:
    global _validator
    if _validator is None:
        from jsonschema.validators import validator_for
        from rasa.core.actions.action import RemoteAction

        spec = RemoteAction.action_response_format_spec()
        _validator = validator_for(spec)(spec)
    return _validator


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` without re-checking the spec each time."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_reply_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    logger.debug("bot.serve.installed")


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
