"""The actions and bot/domain.yml agree: responses, template variables, action names, slots."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Set

import pytest

pytest.importorskip("rasa_sdk", reason="needs the Rasa environment (Python 3.10, rasa-sdk)")

import yaml  # noqa: E402
from rasa_sdk import Action  # noqa: E402

import actions.answer  # noqa: E402
import actions.dossier  # noqa: E402
import actions.fallback  # noqa: E402
import actions.handoff  # noqa: E402
import actions.route  # noqa: E402

pytestmark = pytest.mark.rasa

REPO = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((REPO / "bot" / "domain.yml").read_text(encoding="utf-8"))
ACTION_MODULES = sorted((REPO / "actions").glob("*.py"))


def responses_sent_by_actions() -> Dict[str, Set[str]]:
    """{response name: template variables passed with it} from utter_message(...) calls."""
    found: Dict[str, Set[str]] = {}
    for path in ACTION_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_call = isinstance(node, ast.Call)
            if not (is_call and getattr(node.func, "attr", "") == "utter_message"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            response = keywords.get("response")
            if isinstance(response, ast.Constant):
                extra = set(keywords) - {"response", "buttons", "text", "json_message"}
                found.setdefault(response.value, set()).update(extra)
    return found


def test_actions_send_responses_that_the_domain_defines_with_the_right_variables() -> None:
    sent = responses_sent_by_actions()
    assert "utter_offer_handoff" in sent and "utter_service_unavailable" in sent
    for name, variables in sent.items():
        assert name in DOMAIN["responses"], f"{name} is sent by an action but not in the domain"
        for variation in DOMAIN["responses"][name]:
            needed = set(re.findall(r"{(\w+)}", variation["text"]))
            assert needed == variables, f"{name}: template {needed}, action passes {variables}"


def test_every_response_name_in_action_code_is_in_the_domain() -> None:
    """Tables of response names (e.g. one per dossier lookup error) name real responses."""
    names = {
        node.value
        for path in ACTION_MODULES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and re.fullmatch(r"utter_\w+", node.value)
    }
    assert "utter_dossier_not_verified" in names
    assert names <= set(DOMAIN["responses"]), names - set(DOMAIN["responses"])
    for name in names - set(responses_sent_by_actions()):
        for variation in DOMAIN["responses"][name]:
            assert not re.findall(r"{(\w+)}", variation["text"]), f"{name} needs variables"


def test_the_dossier_form_asks_for_each_slot_and_has_a_validation_action() -> None:
    required = DOMAIN["forms"]["dossier_form"]["required_slots"]
    assert required == ["dossier_code", "dossier_factor"]
    for slot in required:
        assert f"utter_ask_{slot}" in DOMAIN["responses"]
    assert "validate_dossier_form" in DOMAIN["actions"]


def test_no_vietnamese_wording_in_action_code() -> None:
    """Citizen-facing text lives in the domain; docstrings may still quote citizens."""
    accented = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]",
                          re.IGNORECASE)
    offenders = []
    for path in ACTION_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        offenders += [
            f"{path.name}:{node.lineno}: {node.value[:40]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and accented.search(node.value)
        ]
    assert not offenders, offenders


def test_every_custom_action_in_the_domain_is_implemented() -> None:
    implemented = {cls().name() for cls in _all_action_classes()}
    assert set(DOMAIN["actions"]) <= implemented, set(DOMAIN["actions"]) - implemented


def test_slots_the_actions_set_are_declared() -> None:
    from actions import slots

    names = {v for k, v in vars(slots).items() if k.isupper() and isinstance(v, str)}
    assert names <= set(DOMAIN["slots"]), names - set(DOMAIN["slots"])


def _all_action_classes() -> list:
    modules = (actions.answer, actions.dossier, actions.fallback, actions.handoff, actions.route)
    return [
        obj
        for module in modules
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Action) and obj is not Action
        and obj.__module__ == module.__name__
    ]


def test_the_action_server_registers_exactly_the_domain_actions() -> None:
    """What ``rasa run actions`` registers (the abstract ApiAction base is not among them)."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    custom = {a for a in DOMAIN["actions"] if not a.startswith("utter_")}
    forms = {f"validate_{form}" for form in DOMAIN.get("forms", {})}
    assert set(executor.actions) == custom | forms
