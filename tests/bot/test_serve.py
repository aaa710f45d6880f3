"""bot.serve: Rasa's action-reply check with one validator built once, same verdicts."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa", reason="needs the Rasa 3.6 environment (Python 3.10)")

from jsonschema import ValidationError  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402

from bot import serve  # noqa: E402

pytestmark = pytest.mark.rasa

GOOD = {"events": [{"event": "slot", "name": "route", "value": "done"}],
        "responses": [{"text": "Xin chào", "buttons": []}]}
BAD = [{"events": "not a list"}, {"responses": "not a list"},
       {"events": [{"name": "route"}]}]  # an event without its type
ODD_BUT_ACCEPTED = [{}, {"responses": [{"text": 3}]}]  # Rasa's spec does not type these


@pytest.fixture
def original():
    return RemoteAction._validate_action_result


def test_install_replaces_the_check(original, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", original)
    serve.install()
    assert RemoteAction._validate_action_result is serve.validate_action_result


@pytest.mark.parametrize("reply", BAD)
def test_the_same_replies_fail_with_the_same_message(original, reply: dict) -> None:
    action = RemoteAction("action_answer", None)
    with pytest.raises(ValidationError) as rasa_error:
        original(action, reply)
    with pytest.raises(ValidationError) as our_error:
        serve.validate_action_result(action, reply)
    assert our_error.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in our_error.value.message


@pytest.mark.parametrize("reply", [GOOD, *ODD_BUT_ACCEPTED])
def test_what_rasa_accepts_passes(original, reply: dict) -> None:
    action = RemoteAction("action_answer", None)
    assert original(action, reply) is True
    assert serve.validate_action_result(action, reply) is True
