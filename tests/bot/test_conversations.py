"""Dialogue: data validation and the conversation tests with --fail-on-prediction-errors."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from rasa_cli import REPO, run_rasa

pytest.importorskip("rasa", reason="needs the Rasa 3.6 environment (Python 3.10)")

pytestmark = pytest.mark.rasa

TEST_STORIES = REPO / "tests" / "bot" / "test_stories.yml"
# action_default_fallback (RulePolicy's core fallback) sends utter_default.
SENT_BY_RASA_DEFAULT_ACTIONS = {"utter_default"}


def responses_sent_by_custom_actions() -> set:
    """utter_* names in actions/*.py (parsed, not imported): passed as response=... or kept
    in a table that an action passes as response=... (e.g. one response per API error)."""
    names = set()
    for path in (REPO / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"utter_\w+", node.value):
                names.add(node.value)
    return names


def responses_sent_by_forms() -> set:
    """utter_ask_<slot> for each required slot of each form: Rasa's form action sends them."""
    domain = yaml.safe_load((REPO / "bot" / "domain.yml").read_text(encoding="utf-8"))
    return {f"utter_ask_{slot}" for form in (domain.get("forms") or {}).values()
            for slot in form.get("required_slots") or []}


def test_data_validate_is_clean_apart_from_responses_sent_by_actions() -> None:
    result = run_rasa(["data", "validate", "--domain", "bot/domain.yml", "--data", "bot/data",
                       "-c", "config.yml"], timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "No story structure conflicts found" in output
    # Rasa's validator cannot see dispatcher.utter_message(response=...) in custom actions,
    # so it reports those responses as unused; every other warning is a real problem.
    warnings = re.findall(r"UserWarning: (.*)", output)
    unused = {m.group(1) for w in warnings
              if (m := re.match(r"The utterance '(\w+)' is not used in any story or rule", w))}
    other = [w for w in warnings if not w.startswith("The utterance ")]
    assert not other, other
    allowed = (responses_sent_by_custom_actions() | responses_sent_by_forms()
               | SENT_BY_RASA_DEFAULT_ACTIONS)
    assert unused <= allowed, unused - allowed


def test_there_are_at_least_30_conversation_tests_covering_the_flows() -> None:
    stories = yaml.safe_load(TEST_STORIES.read_text(encoding="utf-8"))["stories"]
    assert len(stories) >= 30
    actions = [step.get("action") for s in stories for step in s["steps"]]
    for needed in ("action_answer", "action_route", "action_fallback", "action_handoff",
                   "action_decline_handoff", "dossier_form", "action_dossier_lookup",
                   "action_dossier_cancel"):
        assert needed in actions, needed
    intents = {step.get("intent") for s in stories for step in s["steps"]}
    assert {"choose_procedure", "nlu_fallback", "request_human", "out_of_scope",
            "check_dossier_status", "give_factor", "stop", "give_feedback", "affirm", "greet",
            "ask_deadline", "ask_validity", "ask_result", "ask_who", "ask_form"} <= intents


def test_conversation_tests_pass(trained_model: Path, tmp_path: Path) -> None:
    result = run_rasa(["test", "core", "-m", str(trained_model), "--stories", str(TEST_STORIES),
                       "--fail-on-prediction-errors", "--out", str(tmp_path)])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    correct = re.search(r"Correct:\s+(\d+) / (\d+)", output)
    assert correct and correct.group(1) == correct.group(2), output[-2000:]
